/**
 * What every AWS resource module receives: the clients, the stack's names, the spec and how long
 * to wait. Delays are injectable so tests against the fake run in milliseconds.
 */
import type { Host } from '../../core/host.js';
import type { Ladder } from '../../core/ladder.js';
import type { AwsStackSpec, Secrets } from '../../core/spec.js';
import type { ResourceNames } from './requests/names.js';
import type { AwsClients } from './clients.js';

/** SDK waiter settings, in seconds as @smithy's createWaiter takes them. */
export interface WaiterTiming {
  minDelay: number;
  maxDelay: number;
  maxWaitTime: number;
}

export interface AwsTimings {
  /** Quick waits: role exists, input detached, channel created or deleted, bucket exists. */
  short: WaiterTiming;
  /** MediaLive start and stop: usually under 3 minutes, up to 10 is normal (FACTS.md §3). */
  channel: WaiterTiming;
  /** CloudFront deployment after disabling a distribution: about 5 minutes, sometimes 15+. */
  distribution: WaiterTiming;
  /** Hand-rolled polls (security group leaving IN_USE, MediaStore container ACTIVE). */
  pollDelayMs: number;
  pollAttempts: number;
  sleep(ms: number): Promise<void>;
}

export const DEFAULT_TIMINGS: AwsTimings = {
  short: { minDelay: 2, maxDelay: 10, maxWaitTime: 300 },
  channel: { minDelay: 5, maxDelay: 15, maxWaitTime: 900 },
  distribution: { minDelay: 15, maxDelay: 30, maxWaitTime: 1800 },
  // The reference polls the security group 5 x 6 s (30 s); a group can stay IN_USE for longer
  // after its input is deleted, so back off from 6 s to 24 s over 12 checks (about 4 minutes).
  pollDelayMs: 6000,
  pollAttempts: 12,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface PlayerAsset {
  path: string;
  contentType: string;
  body: Buffer;
}

/** What `status` reports live on AWS (--json): where it looked; stateFile false when no state file was there. */
export interface AwsLive {
  accountId: string;
  region: string;
  stateFile?: false;
}

export interface AwsContext {
  clients: AwsClients;
  names: ResourceNames;
  spec: AwsStackSpec;
  ladder: Ladder;
  secrets: Secrets;
  host: Host;
  timings: AwsTimings;
  now(): Date;
  playerAssets(): Promise<PlayerAsset[]>;
  /** The context of `up`: its graph leaves out the stop schedule, which is set after each start. */
  forUp?: boolean;
}
