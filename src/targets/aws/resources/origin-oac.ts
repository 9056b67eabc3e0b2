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
import { buildOacConfig } from '../requests/cloudfront.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { cloudFrontConfigNode } from './cloudfront-config.js';

export function originOacNode(names: ResourceNames, spec: AwsStackSpec): ResourceNode<AwsContext> {
  const kind = spec.aws.origin === 'mediastore' ? 'mediastore' : 's3';
  return cloudFrontConfigNode(names, {
    id: 'origin-oac',
    kind: 'cloudfront-origin-access-control',
    describe: 'CloudFront origin access control',
    nameOf: (n) => n.oacName,
    conflictError: 'OriginAccessControlAlreadyExists',
    create: async (ctx) =>
      (await ctx.clients.cloudfront.send(new CreateOriginAccessControlCommand({ OriginAccessControlConfig: buildOacConfig(ctx.names, kind) }))).OriginAccessControl!.Id!,
    findByName: findOacByName,
    get: (cf, id) => cf.send(new GetOriginAccessControlCommand({ Id: id })),
    remove: (cf, id, ifMatch) => cf.send(new DeleteOriginAccessControlCommand({ Id: id, IfMatch: ifMatch })),
  });
}

export async function findOacByName(ctx: AwsContext, name: string): Promise<string | undefined> {
  for await (const page of paginateListOriginAccessControls({ client: ctx.clients.cloudfront }, {})) {
    const hit = page.OriginAccessControlList?.Items?.find((i) => i.Name === name);
    if (hit) return hit.Id;
  }
  return undefined;
}
