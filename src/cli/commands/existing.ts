/** What start, stop, status and down share: an existing stack, its driver and a run context. */
import { LivestreamError, formatProblems } from '../../core/errors.js';
import { loadProfile } from '../../core/profiles.js';
import { DEFAULTS, validateSpec, type StackSpec } from '../../core/spec.js';
import { STOP_DEFAULTS } from '../../core/stop-rule.js';
import type { RunContext, TargetDriver } from '../../core/target.js';
import { STATE_VERSION, type StateStore, type StackState } from '../../core/state.js';
import { loadDriver } from '../drivers.js';
import type { Output } from '../output.js';
import { machineClock, openStore, type GlobalOptions } from '../resolve.js';

export interface Existing {
  store: StateStore;
  state: StackState;
  driver: TargetDriver;
  run: RunContext;
}

/** Where to look for a stack that has no state file here (`down`/`status --target aws --region R`). */
export interface UnrecordedOptions {
  target?: string;
  region?: string;
  awsProfile?: string;
  endpointUrl?: string;
}

/** `restoreArchived`: a stack whose state `down` archived while keeping its logs is brought back (down --delete-logs). */
export async function openExisting(opts: GlobalOptions & UnrecordedOptions & { stack?: string }, out: Output, lockFor?: string, restoreArchived = false): Promise<Existing> {
  const store = openStore(opts);
  if (lockFor) await store.lock(lockFor);
  try {
    if (!(await store.load()) && restoreArchived) await store.restoreArchived();
    if (!store.get() && opts.target === 'aws') return await openUnrecorded(opts, store, out);
    const state = store.require();
    const driver = await loadDriver(state.target);
    const run: RunContext = {
      spec: state.spec, ladder: state.ladder, secrets: {}, store, host: out.host(), now: () => new Date(), timeZone: machineClock().timeZone,
    };
    return { store, state, driver, run };
  } catch (err) {
    await store.unlock();
    throw err;
  }
}

/**
 * No state file, but `--target aws` (the laptop that ran `up` is lost): the driver looks for the
 * stack in AWS by its names and tag. The spec holds only what those names need (stack, region,
 * profile, endpoint); the driver learns the rest from what it finds. Nothing is written here.
 */
async function openUnrecorded(opts: UnrecordedOptions, store: StateStore, out: Output): Promise<Existing> {
  const problems = validateSpec({ stack: store.stack, target: 'aws', region: opts.region, awsProfile: opts.awsProfile, endpointUrl: opts.endpointUrl }, { existing: true }).problems.filter((p) =>
    ['stack', 'region', 'awsProfile', 'endpointUrl'].includes(p.path),
  );
  if (problems.length > 0) {
    throw new LivestreamError('SPEC_INVALID', `The options do not name a stack livestream can look for:\n${formatProblems(problems)}`, { details: { problems } });
  }
  const spec: StackSpec = {
    stack: store.stack,
    target: 'aws',
    input: DEFAULTS.input,
    sourcePassword: false,
    cidrs: [],
    profile: DEFAULTS.profile,
    start: false,
    stop: STOP_DEFAULTS.aws,
    record: 'none',
    aws: {
      region: opts.region ?? DEFAULTS.region,
      origin: DEFAULTS.origin,
      ...(opts.awsProfile ? { awsProfile: opts.awsProfile } : {}),
      ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}),
    },
  };
  const ladder = await loadProfile(spec.profile);
  const now = new Date().toISOString();
  // In memory only, for the command's messages: the driver writes a state file once the user agreed.
  const state: StackState = { version: STATE_VERSION, stack: spec.stack, target: 'aws', spec, ladder, createdAt: now, updatedAt: now, resources: {}, channelRuns: [], outputs: {}, runtime: {} };
  const run: RunContext = { spec, ladder, secrets: {}, store, host: out.host(), now: () => new Date() };
  return { store, state, driver: await loadDriver('aws'), run };
}
