/**
 * What CloudFront's named configurations (cache policies, origin access controls) share: a name
 * unique in the account, so a resumed create adopts its own ("...AlreadyExists"); a read by Id; and
 * a delete that CloudFront accepts only with the current ETag (IfMatch), finding the Id by name
 * when the record lost it. Each kind supplies its calls.
 */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { ResourceNode } from '../../../core/graph.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { createOrAdopt, ignoreNotFound, readExists } from './shared.js';

export interface CloudFrontConfigKind {
  id: string;
  kind: string;
  describe: string;
  /** The configuration's name among the stack's names. */
  nameOf(names: ResourceNames): string;
  /** The error CloudFront answers a create with when the name is taken. */
  conflictError: string;
  /** Creates it under `name`; returns its Id. */
  create(ctx: AwsContext, name: string): Promise<string>;
  findByName(ctx: AwsContext, name: string): Promise<string | undefined>;
  /** Reads it by Id; its ETag is what a delete must name. */
  get(cf: CloudFrontClient, id: string): Promise<{ ETag?: string }>;
  remove(cf: CloudFrontClient, id: string, ifMatch: string | undefined): Promise<unknown>;
}

export function cloudFrontConfigNode(names: ResourceNames, k: CloudFrontConfigKind): ResourceNode<AwsContext> {
  return {
    id: k.id,
    kind: k.kind,
    dependsOn: [],
    describe: k.describe,
    name: k.nameOf(names),
    async create(ctx) {
      const name = k.nameOf(ctx.names);
      const physicalId = await createOrAdopt(() => k.create(ctx, name), k.conflictError, () => k.findByName(ctx, name));
      return { name, physicalId };
    },
    async read(ctx, rec) {
      if (!rec.physicalId) return { exists: false };
      return readExists(() => k.get(ctx.clients.cloudfront, rec.physicalId));
    },
    async delete(ctx, rec) {
      const cf = ctx.clients.cloudfront;
      const id = rec.physicalId || (await k.findByName(ctx, rec.name));
      if (!id) return;
      await ignoreNotFound(async () => k.remove(cf, id, (await k.get(cf, id)).ETag));
    },
  };
}
