/**
 * Small helpers every resource module shares: idempotency tokens, "not found is done",
 * reading whether a resource exists, bounded polling, the waiter settings and paging where the SDK
 * has no paginator.
 */
import { createHash } from 'node:crypto';
import type { CreateContext, ObservedResource } from '../../../core/graph.js';
import { LivestreamError } from '../../../core/errors.js';
import { isNotFound } from '../requests/errors.js';
import type { AwsContext, WaiterTiming } from '../context.js';

/** Waiter options for the SDK's waitUntilX(params, input). */
export function waiter<C>(client: C, t: WaiterTiming): { client: C; minDelay: number; maxDelay: number; maxWaitTime: number } {
  return { client, ...t };
}

/**
 * An idempotency token (MediaLive RequestId, CloudFront CallerReference) for this create. The first
 * one is the same for the same stack, region, account and resource, so a create retried after its
 * answer was lost, even by another machine that has no state file, gets the same resource back
 * instead of a second one. It is saved before the call and reused by a resumed create. `fresh`
 * gives a new one, for when AWS answers the stable token with a resource since deleted (a stack
 * torn down and built again under the same name).
 */
export async function idempotencyToken(ctx: AwsContext, nodeId: string, run: CreateContext, name: string, fresh = false): Promise<string> {
  const saved = run.existing?.attrs.requestId;
  if (!fresh && typeof saved === 'string' && saved) return saved;
  const n = ctx.names;
  const seed = `${n.stack}/${n.region}/${n.accountId}/${nodeId}${fresh ? `/${ctx.now().toISOString()}` : ''}`;
  const token = createHash('sha256').update(seed).digest('hex').slice(0, 32);
  await run.save({ name, physicalId: run.existing?.physicalId ?? '', attrs: { requestId: token } });
  return token;
}

/** A read step: what `probe` saw, or "does not exist" when it failed with "not found" (or `isMissing`). */
export async function readObserved(probe: () => Promise<ObservedResource>, isMissing: (err: unknown) => boolean = isNotFound): Promise<ObservedResource> {
  try {
    return await probe();
  } catch (err) {
    if (isMissing(err)) return { exists: false };
    throw err;
  }
}

/** A read step for a resource without a status: it exists when `probe` succeeds. */
export function readExists(probe: () => Promise<unknown>, isMissing: (err: unknown) => boolean = isNotFound): Promise<ObservedResource> {
  return readObserved(async () => {
    await probe();
    return { exists: true };
  }, isMissing);
}

/** Run a delete step; "not found" means it is already done. */
export async function ignoreNotFound(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Create a resource whose name is unique in the account; when AWS answers `conflictError` (a resumed
 * create whose first answer was lost), adopt the one with our name instead.
 */
export async function createOrAdopt(create: () => Promise<string>, conflictError: string, findByName: () => Promise<string | undefined>): Promise<string> {
  try {
    return await create();
  } catch (err) {
    if ((err as Error).name !== conflictError) throw err;
    const found = await findByName();
    if (!found) throw err;
    return found;
  }
}

/**
 * Poll `check` until it returns true: a bounded number of attempts with a backoff that doubles
 * from pollDelayMs up to four times it (6 s, 12 s, 24 s, 24 s... by default).
 */
export async function pollUntil(ctx: AwsContext, what: string, check: () => Promise<boolean>): Promise<void> {
  const { pollAttempts, pollDelayMs, sleep } = ctx.timings;
  for (let attempt = 1; attempt <= pollAttempts; attempt++) {
    if (await check()) return;
    if (attempt < pollAttempts) await sleep(Math.min(pollDelayMs * 2 ** (attempt - 1), pollDelayMs * 4));
  }
  throw new LivestreamError('TIMEOUT', `Gave up waiting for ${what} after ${pollAttempts} checks.`, {
    hint: 'AWS may still be finishing; run the same command again in a few minutes.',
  });
}

export function tagsToList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** A MediaLive channel or input on its way out (or gone) counts as not there: a new one may take its name. */
export function isGone(state: string | undefined): boolean {
  return state === 'DELETED' || state === 'DELETING';
}

/**
 * Every page of a list call that the SDK has no paginator for (none in the installed clients for
 * CloudFront ListCachePolicies and S3 ListObjectVersions, whose tokens are KeyMarker+VersionIdMarker).
 * `next` reads the next request's tokens from a page; undefined ends the walk. Every other list call
 * uses the SDK's paginateX.
 */
export async function* eachPage<I extends object, O>(send: (input: I) => Promise<O>, input: NoInfer<I>, next: (page: O) => Partial<NoInfer<I>> | undefined): AsyncGenerator<O> {
  let request = input;
  for (;;) {
    const page = await send(request);
    yield page;
    const tokens = next(page);
    if (!tokens) return;
    request = { ...input, ...tokens };
  }
}
