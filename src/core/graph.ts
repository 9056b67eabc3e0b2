/**
 * Work is a graph of typed resource nodes. `applyUp` walks it in dependency order, creating
 * independent nodes concurrently and recording each the moment it exists; `applyDown` walks the
 * same graph with the arrows reversed. Resource modules never call each other: they receive the
 * records of what they depend on.
 */
import { LivestreamError } from './errors.js';
import type { Host } from './host.js';
import type { AttrValue, ResourceRecord, StateStore } from './state.js';

/** What a node's create step returns (the engine adds id, kind and timestamps). */
export interface CreatedResource {
  name: string;
  physicalId: string;
  attrs?: Record<string, AttrValue>;
}

/** What a node's read step sees in the provider now. */
export interface ObservedResource {
  exists: boolean;
  /** Provider status in its own words: RUNNING, Deployed, ACTIVE... */
  status?: string;
  detail?: string;
}

export interface CreateContext {
  /** Records of the nodes this one depends on, by node id. */
  deps: Record<string, ResourceRecord>;
  /** A record left by an interrupted create of this node, to continue from. */
  existing?: ResourceRecord;
  /** Record progress of a multi-step create so an interruption can be resumed and cleaned up. */
  save(partial: CreatedResource): Promise<void>;
}

export interface ResourceNode<C> {
  id: string;
  kind: string;
  /** Node ids that must exist first. */
  dependsOn: string[];
  /** One line for the plan: what will be created. */
  describe: string;
  /** The deterministic name it will have. */
  name: string;
  create(ctx: C, run: CreateContext): Promise<CreatedResource>;
  read(ctx: C, rec: ResourceRecord): Promise<ObservedResource>;
  /** Delete it; "not found" counts as done. */
  delete(ctx: C, rec: ResourceRecord): Promise<void>;
}

/** Topological levels: every node in a level depends only on nodes in earlier levels. */
export function orderLevels(nodes: readonly Pick<ResourceNode<unknown>, 'id' | 'dependsOn'>[]): string[][] {
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    for (const d of n.dependsOn) {
      if (!ids.has(d)) throw new LivestreamError('INTERNAL', `Resource "${n.id}" depends on unknown resource "${d}".`);
    }
  }
  const done = new Set<string>();
  const levels: string[][] = [];
  while (done.size < nodes.length) {
    const level = nodes.filter((n) => !done.has(n.id) && n.dependsOn.every((d) => done.has(d))).map((n) => n.id);
    if (level.length === 0) {
      const stuck = nodes.filter((n) => !done.has(n.id)).map((n) => n.id);
      throw new LivestreamError('INTERNAL', `Resource graph has a cycle among: ${stuck.join(', ')}.`);
    }
    level.forEach((id) => done.add(id));
    levels.push(level);
  }
  return levels;
}

export interface UpResult {
  created: string[];
  existing: string[];
}

/**
 * Create every node not already present. A node already in the state is checked against the
 * provider: if it still exists it is kept, if it vanished out of band it is created again.
 * On failure the nodes of the same level are allowed to finish (so their records are saved)
 * before the error, naming its resource, is thrown; the next `up` resumes from there.
 */
export async function applyUp<C>(nodes: readonly ResourceNode<C>[], ctx: C, store: StateStore, host: Host): Promise<UpResult> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const result: UpResult = { created: [], existing: [] };
  // Nodes created again under a new physical id in this run (their old one vanished).
  const changed = new Set<string>();
  for (const level of orderLevels(nodes)) {
    const outcomes = await Promise.allSettled(level.map((id) => upOne(byId.get(id)!, ctx, store, host, result, changed)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
  return result;
}

async function upOne<C>(node: ResourceNode<C>, ctx: C, store: StateStore, host: Host, result: UpResult, changed: Set<string>): Promise<void> {
  const state = store.require();
  let existing: ResourceRecord | undefined = state.resources[node.id];
  let vanishedId: string | undefined;
  // A dependency created again under a new id (its old one vanished) leaves this node pointing at
  // the old one, e.g. a channel attached to a deleted input: replace it too. Deterministic names
  // (buckets) come back under the same id and need no replacement.
  const replacedDeps = node.dependsOn.filter((d) => changed.has(d));
  if (existing?.status === 'ready' && replacedDeps.length > 0) {
    host.notify({ level: 'warn', code: 'RESOURCE_REPLACED', message: `${node.describe}: replacing ${existing.name} because ${replacedDeps.join(', ')} was created again` });
    await node.delete(ctx, existing).catch((err) => wrapFailure(node, 'delete', err));
    vanishedId = existing.physicalId;
    await store.removeResource(node.id);
    existing = undefined;
  }
  if (existing?.status === 'ready') {
    const seen = await node.read(ctx, existing).catch((err) => wrapFailure(node, 'read', err));
    if (seen.exists) {
      result.existing.push(node.id);
      host.notify({ level: 'info', code: 'RESOURCE_EXISTS', message: `${node.describe}: already exists (${existing.name})`, details: { id: node.id } });
      return;
    }
    host.notify({ level: 'warn', code: 'RESOURCE_VANISHED', message: `${node.describe}: ${existing.name} was deleted outside livestream; creating it again` });
    vanishedId = existing.physicalId;
    await store.removeResource(node.id);
    existing = undefined;
  }
  const deps: Record<string, ResourceRecord> = {};
  for (const d of node.dependsOn) deps[d] = store.require().resources[d]!;
  const progress = host.progress(`${node.describe}: creating ${node.name}`);
  const save = async (partial: CreatedResource) => {
    await store.putResource({ id: node.id, kind: node.kind, status: 'creating', attrs: {}, ...partial });
  };
  try {
    const created = await node.create(ctx, { deps, existing, save });
    await store.putResource({ id: node.id, kind: node.kind, status: 'ready', attrs: {}, ...created });
    if (vanishedId !== undefined && vanishedId !== created.physicalId) changed.add(node.id);
    progress.done();
    result.created.push(node.id);
    host.notify({ level: 'success', code: 'RESOURCE_CREATED', message: `${node.describe}: created ${created.name}`, details: { id: node.id, physicalId: created.physicalId } });
  } catch (err) {
    progress.fail(`${node.describe}: failed`);
    wrapFailure(node, 'create', err);
  }
}

function wrapFailure(node: { id: string; describe: string; name: string }, action: string, err: unknown): never {
  if (err instanceof LivestreamError && err.code !== 'INTERNAL') {
    throw new LivestreamError(err.code, `${node.describe} (${node.name}): ${err.message}`, { hint: err.hint, details: { resource: node.id, ...(err.details as object) }, cause: err });
  }
  throw new LivestreamError('RESOURCE_FAILED', `Could not ${action} ${node.describe} (${node.name}): ${(err as Error)?.message ?? String(err)}`, {
    hint: 'Fix the cause and run "livestream up" again to resume, or "livestream down" to remove what was created.',
    details: { resource: node.id },
    cause: err,
  });
}

export interface DownFailure {
  id: string;
  name: string;
  message: string;
}

export interface DownResult {
  deleted: string[];
  kept: string[];
  failed: DownFailure[];
  /** Not attempted because something that depends on them could not be deleted. */
  blocked: string[];
}

/**
 * Delete every recorded resource, dependents before what they depend on. Each success is removed
 * from the state at once, so the state always holds exactly what still exists and running
 * `down` again finishes the job. `keep` names records to leave in place (e.g. the logs bucket).
 *
 * `first` names the nodes that cost money while they exist: they are deleted before everything
 * else, and a failure elsewhere never holds them back (a dashboard that cannot be deleted must not
 * leave a channel running). The rest follows; a failure leaves in place only what the failed node
 * depends on. A node is deleted as soon as everything that depends on it is done, not level by
 * level, so one slow delete (a CloudFront distribution, minutes) delays only what it uses.
 */
export async function applyDown<C>(
  nodes: readonly ResourceNode<C>[],
  ctx: C,
  store: StateStore,
  host: Host,
  opts: { keep?: (rec: ResourceRecord) => boolean; first?: readonly string[] } = {},
): Promise<DownResult> {
  const result: DownResult = { deleted: [], kept: [], failed: [], blocked: [] };
  const byId = new Map(nodes.map((n) => [n.id, n]));
  orderLevels(nodes); // refuses a cycle or an unknown dependency before anything is deleted
  const undeletable = new Set<string>();

  async function downOne(node: ResourceNode<C>): Promise<void> {
    const id = node.id;
    const rec = store.require().resources[id];
    if (!rec) return;
    const dependents = nodes.filter((n) => n.dependsOn.includes(id) && undeletable.has(n.id));
    if (dependents.length > 0) {
      undeletable.add(id);
      result.blocked.push(id);
      host.notify({ level: 'warn', code: 'RESOURCE_BLOCKED', message: `${node.describe}: ${rec.name} left in place because ${dependents.map((d) => d.id).join(', ')} still exists` });
      return;
    }
    if (opts.keep?.(rec)) {
      undeletable.add(id);
      result.kept.push(id);
      host.notify({ level: 'info', code: 'RESOURCE_KEPT', message: `${node.describe}: kept ${rec.name}`, details: { id, name: rec.name } });
      return;
    }
    const progress = host.progress(`${node.describe}: deleting ${rec.name}`);
    try {
      await node.delete(ctx, rec);
      await store.removeResource(id);
      result.deleted.push(id);
      progress.succeed(`${node.describe}: deleted ${rec.name}`);
    } catch (err) {
      undeletable.add(id);
      const message = err instanceof Error ? err.message : String(err);
      result.failed.push({ id, name: rec.name, message });
      progress.fail(`${node.describe}: could not delete ${rec.name}: ${message}`);
    }
  }

  /** Each node of the phase starts once its dependents in the phase have finished. */
  async function walk(phase: readonly ResourceNode<C>[]): Promise<void> {
    const inPhase = new Set(phase.map((n) => n.id));
    const finished = new Map<string, Promise<void>>();
    const order = orderLevels(phase.map((n) => ({ id: n.id, dependsOn: n.dependsOn.filter((d) => inPhase.has(d)) }))).reverse().flat();
    for (const id of order) {
      const after = phase.filter((n) => n.dependsOn.includes(id)).map((n) => finished.get(n.id)!);
      finished.set(id, Promise.all(after).then(() => downOne(byId.get(id)!)));
    }
    await Promise.all(finished.values());
  }

  const first = new Set(opts.first ?? []);
  await walk(nodes.filter((n) => first.has(n.id)));
  await walk(nodes.filter((n) => !first.has(n.id)));
  // Records of nodes no longer in the graph (a changed target version): report, never drop silently.
  for (const id of Object.keys(store.require().resources)) {
    if (!byId.has(id) && !result.kept.includes(id)) result.blocked.push(id);
  }
  return result;
}
