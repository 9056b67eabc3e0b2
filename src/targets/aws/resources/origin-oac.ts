/**
 * CloudFront origin access control: CloudFront signs its requests to the private origin (S3
 * bucket or MediaStore container), whose policy then admits this distribution alone.
 */
import {
  CreateOriginAccessControlCommand,
  DeleteOriginAccessControlCommand,
  GetOriginAccessControlCommand,
  paginateListOriginAccessControls,
} from '@aws-sdk/client-cloudfront';
import type { ResourceNode } from '../../../core/graph.js';
import { isNotFound } from '../requests/errors.js';
import { buildOacConfig } from '../requests/cloudfront.js';
import type { StackSpec } from '../../../core/spec.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { createOrAdopt, ignoreNotFound } from './shared.js';

export function originOacNode(names: ResourceNames, spec: StackSpec): ResourceNode<AwsContext> {
  const kind = spec.aws?.origin === 'mediastore' ? 'mediastore' : 's3';
  return {
    id: 'origin-oac',
    kind: 'cloudfront-origin-access-control',
    dependsOn: [],
    describe: 'CloudFront origin access control',
    name: names.oacName,
    async create(ctx) {
      const cf = ctx.clients.cloudfront;
      const name = ctx.names.oacName;
      const physicalId = await createOrAdopt(
        async () => (await cf.send(new CreateOriginAccessControlCommand({ OriginAccessControlConfig: buildOacConfig(ctx.names, kind) }))).OriginAccessControl!.Id!,
        'OriginAccessControlAlreadyExists',
        () => findOacByName(ctx, name),
      );
      return { name, physicalId };
    },
    async read(ctx, rec) {
      if (!rec.physicalId) return { exists: false };
      try {
        await ctx.clients.cloudfront.send(new GetOriginAccessControlCommand({ Id: rec.physicalId }));
        return { exists: true };
      } catch (err) {
        if (isNotFound(err)) return { exists: false };
        throw err;
      }
    },
    async delete(ctx, rec) {
      const cf = ctx.clients.cloudfront;
      const id = rec.physicalId || (await findOacByName(ctx, rec.name));
      if (!id) return;
      await ignoreNotFound(async () => {
        // CloudFront deletes only with the current ETag (IfMatch).
        const got = await cf.send(new GetOriginAccessControlCommand({ Id: id }));
        await cf.send(new DeleteOriginAccessControlCommand({ Id: id, IfMatch: got.ETag }));
      });
    },
  };
}

export async function findOacByName(ctx: AwsContext, name: string): Promise<string | undefined> {
  for await (const page of paginateListOriginAccessControls({ client: ctx.clients.cloudfront }, {})) {
    const hit = page.OriginAccessControlList?.Items?.find((i) => i.Name === name);
    if (hit) return hit.Id;
  }
  return undefined;
}
