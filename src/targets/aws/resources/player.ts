/**
 * The player page (hls.js bundled from node_modules, no third-party CDN), uploaded beside the
 * stream under `player/`, so `https://<domain>/player/` plays `../stream/index.m3u8`.
 */
import { DescribeObjectCommand, DeleteObjectCommand as DeleteDataObjectCommand, PutObjectCommand as PutDataObjectCommand } from '@aws-sdk/client-mediastore-data';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { ResourceNode } from '../../../core/graph.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import { isNotFound } from '../requests/errors.js';
import { mediaStoreContentType } from '../requests/mediastore.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { readExists } from './shared.js';
import { emptyBucket } from './bucket.js';
import { withMediaStore } from './origin-mediastore.js';

export const PLAYER_PREFIX = 'player/';

export function playerNode(names: ResourceNames, spec: AwsStackSpec): ResourceNode<AwsContext> {
  const mediastore = spec.aws.origin === 'mediastore';
  return {
    id: 'player',
    kind: mediastore ? 'mediastore-objects' : 's3-objects',
    dependsOn: ['origin'],
    describe: 'Player page',
    name: `${mediastore ? names.containerName : names.originBucket}/${PLAYER_PREFIX}`,
    async create(ctx, run) {
      const origin = run.deps.origin!;
      const assets = await ctx.playerAssets();
      const keys = assets.map((a) => `${PLAYER_PREFIX}${a.path.replace(/^\/+/, '')}`);
      const name = `${origin.physicalId}/${PLAYER_PREFIX}`;
      const attrs = { keys, container: origin.physicalId, endpoint: String(origin.attrs.endpoint ?? '') };
      // Recorded first: an upload that fails half-way still leaves `down` the list of keys.
      await run.save({ name, physicalId: name, attrs });
      for (const [i, a] of assets.entries()) {
        const Key = keys[i]!;
        if (mediastore) {
          const data = ctx.clients.mediastoreData(String(origin.attrs.endpoint));
          await withMediaStore(() => data.send(new PutDataObjectCommand({ Path: Key, Body: a.body, ContentType: mediaStoreContentType(a.contentType), CacheControl: 'max-age=60' })));
        } else {
          await ctx.clients.s3.send(new PutObjectCommand({ Bucket: origin.physicalId, Key, Body: a.body, ContentType: a.contentType, CacheControl: 'max-age=60' }));
        }
      }
      return { name, physicalId: name, attrs };
    },
    async read(ctx, rec) {
      const first = (rec.attrs.keys as string[] | undefined)?.[0] ?? `${PLAYER_PREFIX}index.html`;
      const where = (rec.physicalId || rec.name).slice(0, -PLAYER_PREFIX.length - 1);
      return readExists(() => (mediastore
        ? ctx.clients.mediastoreData(String(rec.attrs.endpoint)).send(new DescribeObjectCommand({ Path: first }))
        : ctx.clients.s3.send(new HeadObjectCommand({ Bucket: where, Key: first }))));
    },
    async delete(ctx, rec) {
      const where = (rec.physicalId || rec.name).slice(0, -PLAYER_PREFIX.length - 1);
      try {
        if (mediastore) {
          const data = ctx.clients.mediastoreData(String(rec.attrs.endpoint));
          for (const Path of (rec.attrs.keys as string[] | undefined) ?? []) {
            await withMediaStore(() => data.send(new DeleteDataObjectCommand({ Path }))).catch((err) => {
              if (!isNotFound(err)) throw err;
            });
          }
        } else {
          await emptyBucket(ctx.clients.s3, where, PLAYER_PREFIX);
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}
