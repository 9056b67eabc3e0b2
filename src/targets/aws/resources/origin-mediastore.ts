/**
 * MediaStore origin (`--origin mediastore`), as the guide's reference built it: container,
 * wait ACTIVE, CORS, the 300 s lifecycle, metric policy, access logging. The container policy
 * names the distribution, so it is the `origin-policy` node (origin-policy.ts).
 * AWS ended MediaStore on 2025-11-13, so on AWS every call fails; any failure becomes
 * AWS_MEDIASTORE_ENDED pointing to --origin s3. Emulators (--endpoint-url) still answer.
 */
import {
  CreateContainerCommand,
  DeleteContainerCommand,
  DescribeContainerCommand,
  PutCorsPolicyCommand,
  PutLifecyclePolicyCommand,
  PutMetricPolicyCommand,
  StartAccessLoggingCommand,
} from '@aws-sdk/client-mediastore';
import { DeleteObjectCommand, paginateListItems, type MediaStoreDataClient } from '@aws-sdk/client-mediastore-data';
import { LivestreamError } from '../../../core/errors.js';
import type { ResourceNode } from '../../../core/graph.js';
import { isNotFound } from '../requests/errors.js';
import {
  buildContainerCorsPolicy,
  buildLifecyclePolicy,
  buildMetricPolicy,
  MEDIASTORE_ENDED_MESSAGE,
} from '../requests/mediastore.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { pollUntil, readObserved } from './shared.js';

/** Any MediaStore failure other than "not found" means the service is gone: say so plainly. */
export async function withMediaStore<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isNotFound(err) || (err instanceof LivestreamError && err.code === 'AWS_MEDIASTORE_ENDED')) throw err;
    const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new LivestreamError('AWS_MEDIASTORE_ENDED', `${MEDIASTORE_ENDED_MESSAGE} (AWS answered: ${why})`, {
      hint: 'Run "livestream down" to remove what was created, then "livestream up --origin s3".',
      cause: err,
    });
  }
}

export function originMediaStoreNode(names: ResourceNames): ResourceNode<AwsContext> {
  return {
    id: 'origin',
    kind: 'mediastore-container',
    dependsOn: [],
    describe: 'MediaStore container (origin)',
    name: names.containerName,
    async create(ctx, run) {
      const ms = ctx.clients.mediastore;
      const ContainerName = ctx.names.containerName;
      return withMediaStore(async () => {
        try {
          await ms.send(new CreateContainerCommand({ ContainerName, Tags: ctx.names.tagList }));
        } catch (err) {
          // A resumed create: the container is already there.
          if ((err as Error).name !== 'ContainerInUseException') throw err;
        }
        await run.save({ name: ContainerName, physicalId: ContainerName });
        let endpoint = '';
        let arn = '';
        // MediaStore has no SDK waiter: poll until ACTIVE (it has an endpoint from then on).
        await pollUntil(ctx, `MediaStore container ${ContainerName} to become ACTIVE`, async () => {
          const c = (await ms.send(new DescribeContainerCommand({ ContainerName }))).Container!;
          endpoint = c.Endpoint ?? '';
          arn = c.ARN ?? '';
          return c.Status === 'ACTIVE';
        });
        await ms.send(new PutCorsPolicyCommand({ ContainerName, CorsPolicy: buildContainerCorsPolicy() }));
        await ms.send(new PutLifecyclePolicyCommand({ ContainerName, LifecyclePolicy: buildLifecyclePolicy() }));
        await ms.send(new PutMetricPolicyCommand({ ContainerName, MetricPolicy: buildMetricPolicy() }));
        // Access logs go to /aws/mediastore/<container>, which the dashboard queries.
        await ms.send(new StartAccessLoggingCommand({ ContainerName }));
        return { name: ContainerName, physicalId: ContainerName, attrs: { endpoint, arn } };
      });
    },
    async read(ctx, rec) {
      return withMediaStore(() => readObserved(async () => {
        const c = (await ctx.clients.mediastore.send(new DescribeContainerCommand({ ContainerName: rec.physicalId || rec.name }))).Container!;
        return { exists: true, status: c.Status };
      }));
    },
    async delete(ctx, rec) {
      const ms = ctx.clients.mediastore;
      await withMediaStore(async () => {
        try {
          const c = (await ms.send(new DescribeContainerCommand({ ContainerName: rec.physicalId || rec.name }))).Container!;
          // DeleteContainer refuses a container that still holds objects.
          if (c.Endpoint) await emptyContainer(ctx.clients.mediastoreData(c.Endpoint), '');
          await ms.send(new DeleteContainerCommand({ ContainerName: rec.physicalId || rec.name }));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      });
    },
  };
}

async function emptyContainer(data: MediaStoreDataClient, path: string): Promise<void> {
  for await (const page of paginateListItems({ client: data }, { Path: path })) {
    for (const item of page.Items ?? []) {
      const full = path ? `${path}/${item.Name}` : item.Name!;
      if (item.Type === 'FOLDER') await emptyContainer(data, full);
      else await data.send(new DeleteObjectCommand({ Path: full }));
    }
  }
}
