/**
 * One interface, two targets. The CLI resolves the spec, the ladder and the state, then calls a
 * TargetDriver; drivers are imported lazily so `--help` loads neither the AWS SDK nor the local servers.
 */
import type { Host } from './host.js';
import type { Ladder } from './ladder.js';
import type { Secrets, StackSpec, StopRule, TargetName } from './spec.js';
import type { DownResult } from './graph.js';
import type { StateStore } from './state.js';
import type { Recording } from './recording.js';
export type { Recording } from './recording.js';

export interface PlannedResource {
  id: string;
  kind: string;
  name: string;
  describe: string;
  dependsOn: string[];
}

export interface CostLine {
  item: string;
  perHour: number;
  /** Absent for a published list price; otherwise why the figure is an estimate. */
  estimated?: string;
}

export interface CostEstimate {
  perHour: number;
  currency: 'USD';
  lines: CostLine[];
  /** Date of the price table. */
  asOf: string;
  approximate: boolean;
  /** What the hourly figure leaves out (CloudFront traffic, requests...). */
  notes: string[];
}

/** What a command hands a driver; a target's own steps see the spec narrowed to theirs (RunContext<SpecOf<'aws'>>). */
export interface RunContext<S extends StackSpec = StackSpec> {
  spec: S;
  ladder: Ladder;
  secrets: Secrets;
  store: StateStore;
  host: Host;
  now: () => Date;
  /** The IANA time zone people read times in (the CLI's machine); absent: UTC. */
  timeZone?: string;
}

/** What `up` ends with: the user's links. */
export interface StackOutputs {
  playbackUrl?: string;
  playerUrl?: string;
  pushEndpoint?: string;
  dashboardUrl?: string;
  [key: string]: string | undefined;
}

export type ChannelState = 'CREATING' | 'IDLE' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'RECOVERING' | 'DELETED' | 'MISSING' | 'UNKNOWN';

/** The channel states MediaLive bills as running (STOPPING too: it runs until it is IDLE). */
export const BILLING_CHANNEL_STATES: ReadonlySet<string> = new Set<ChannelState>(['STARTING', 'RUNNING', 'RECOVERING', 'STOPPING']);

export interface ResourceStatus {
  id: string;
  kind: string;
  name: string;
  physicalId: string;
  /** null: it could not be read (access denied, an error), which says nothing about whether it exists. */
  exists: boolean | null;
  status?: string;
  detail?: string;
}

/** `Live`: the target's own live figures, typed by the target that reads them. */
export interface StackStatus<Live = unknown> {
  stack: string;
  target: TargetName;
  channel: { state: ChannelState; detail?: string };
  resources: ResourceStatus[];
  outputs: StackOutputs;
  /** Target-specific live figures (local: input, encoder, viewers...; aws: account and region), for --json. */
  live?: Live;
  /** The same for people: label and text, one line each. */
  summary?: Array<[string, string]>;
  /** When the channel stops by itself (issue #12); absent for a stack found without a state file. */
  stop?: StackStop;
}

/** The stop as status reports it: the rule, the end of the current run, who stopped it last. */
export interface StackStop {
  rule: StopRule;
  /** ISO: the end of the current run; absent when none is set. */
  stopAt?: string;
  stoppedBy?: 'schedule';
  /** The line people read: "stops at 22:00 (in 1h 12m), ≈ $4.10 by then". */
  line: string;
}

export interface DownOptions {
  deleteLogs: boolean;
  /** Also delete the recordings (kept by default, like the logs). */
  deleteRecordings?: boolean;
}

/** A resource `down` left behind that costs money (or may: it could not be read). */
export interface StillBilling {
  id: string;
  name: string;
  physicalId: string;
  /** The provider's state: RUNNING, IDLE, enabled, UNREADABLE... */
  state: string;
  /**
   * running: the channel's hourly rate; idle: the small standing charge of an idle channel, input
   * or secret; traffic: an enabled distribution bills what viewers fetch; unknown: it could not be read.
   */
  cost: 'running' | 'idle' | 'traffic' | 'unknown';
  message: string;
}

export interface DownReport extends DownResult {
  /** What is left that costs money, first in every summary. */
  stillBilling?: StillBilling[];
  /** Things deliberately left for the user: the logs bucket or folder. */
  keptNames: string[];
  archivedState?: string;
  /** Records of the state that were not the stack's: left untouched and dropped from the state. */
  refused?: Array<{ id: string; name: string; physicalId: string; reason: string }>;
  /** The recordings: kept (where, how many, how big) or, with --delete-recordings, what was removed. */
  recordings?: { action: 'kept' | 'deleted'; count: number; bytes: number; where: string[] };
}

/** Made from a TargetDescription by core/lifecycle.ts; `Live` is what status() reports live. */
export interface TargetDriver<Live = unknown> {
  readonly name: TargetName;
  /** Pure: the resources `up` will create, in dependency order. */
  plan(spec: StackSpec, ladder: Ladder): PlannedResource[];
  /** Pure: what the stack costs per hour while the channel runs (undefined: nothing to pay). */
  estimateCost(spec: StackSpec, ladder: Ladder): CostEstimate | undefined;
  up(run: RunContext): Promise<StackOutputs>;
  start(run: RunContext): Promise<void>;
  stop(run: RunContext): Promise<void>;
  status(run: RunContext): Promise<StackStatus<Live>>;
  down(run: RunContext, opts: DownOptions): Promise<DownReport>;
  /** Record a new stop rule for the stack and, while the channel runs, move its end (undefined: none). */
  schedule(run: RunContext, rule: StopRule): Promise<{ stopAt?: string }>;
  /** The stack's recordings, one per run of the channel, oldest first (finalising any a crash left unfinished). */
  recordings(run: RunContext): Promise<Recording[]>;
  /** One MP4 per recording into `dir` (which must be a writable folder): what was written where. */
  downloadRecordings(run: RunContext, dir: string): Promise<Array<{ recording: Recording; file: string }>>;
}
