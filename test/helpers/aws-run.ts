/**
 * Test harness for the AWS driver: a spec, a ladder, a state store in a temporary folder (removed
 * when the test finishes), a recording host, and a driver whose waits take milliseconds.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { RecordingHost } from '../../src/core/host.js';
import { loadProfile } from '../../src/core/profiles.js';
import { validateSpec, type AwsStackSpec, type RawSpec, type Secrets } from '../../src/core/spec.js';
import { StateStore } from '../../src/core/state.js';
import type { RunContext } from '../../src/core/target.js';
import { createAwsDriver, type AwsDriverOptions } from '../../src/targets/aws/driver.js';
import type { AwsTimings } from '../../src/targets/aws/context.js';
import { makeTmpDir } from './tmp-dir.js';

export const FAST_TIMINGS: AwsTimings = {
  short: { minDelay: 0.001, maxDelay: 0.002, maxWaitTime: 5 },
  channel: { minDelay: 0.001, maxDelay: 0.002, maxWaitTime: 5 },
  distribution: { minDelay: 0.001, maxDelay: 0.002, maxWaitTime: 5 },
  pollDelayMs: 0,
  pollAttempts: 10,
  sleep: async () => {},
};

export const TEST_ASSETS = [
  { path: 'index.html', contentType: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html><title>player</title>') },
  { path: 'hls.min.js', contentType: 'text/javascript; charset=utf-8', body: Buffer.from('/* hls */') },
];

export const INPUT_SPECS: Record<string, RawSpec> = {
  URL_PULL: { input: 'URL_PULL', sourceUrl: 'https://example.com/live/index.m3u8' },
  URL_PULL_AUTH: { input: 'URL_PULL', sourceUrl: 'https://example.com/live/index.m3u8', sourceUser: 'alice', sourcePassword: true },
  RTMP_PUSH: { input: 'RTMP_PUSH', cidr: ['203.0.113.0/24'] },
  RTP_PUSH: { input: 'RTP_PUSH', cidr: ['203.0.113.7/32'] },
  INPUT_DEVICE: { input: 'INPUT_DEVICE', deviceId: 'hd-1234567890abcdef' },
  // The passphrase is generated (a secret in Secrets Manager); the caller's listener does not encrypt.
  SRT_LISTENER: { input: 'SRT_LISTENER', cidr: ['203.0.113.0/24'], srtLatency: 200 },
  SRT_CALLER: { input: 'SRT_CALLER', sourceUrl: 'srt://203.0.113.7:9000?streamid=studio' },
};

/** SRT_CALLER to a listener that encrypts: its passphrase comes on stdin (secrets.srtPassphrase). */
export const SRT_CALLER_ENCRYPTED: RawSpec = { input: 'SRT_CALLER', sourceUrl: 'srt://203.0.113.7:9000?streamid=studio', srtPassphrase: true, srtLatency: 500 };

/**
 * MediaStore is refused on AWS since it ended on 2025-11-13; it still runs against an emulator
 * (--endpoint-url), which the fake stands in for.
 */
export const MEDIASTORE: RawSpec = { origin: 'mediastore', endpointUrl: 'http://127.0.0.1:4566' };

export interface AwsHarness {
  dir: string;
  spec: AwsStackSpec;
  store: StateStore;
  host: RecordingHost;
  secrets: Secrets;
  run(): Promise<RunContext>;
  driver: ReturnType<typeof createAwsDriver>;
  /** The state file as text ('' once archived). */
  stateText(): Promise<string>;
  archived(): Promise<string[]>;
  /** Removes the folder now, for a test that makes many harnesses (it goes anyway when the test finishes). */
  cleanup(): Promise<void>;
}

/** `confirm`: what the host answers when the driver asks (default yes, as with --yes). */
export async function makeHarness(raw: RawSpec, opts: { secrets?: Secrets; driver?: AwsDriverOptions; confirm?: boolean } = {}): Promise<AwsHarness> {
  const dir = await makeTmpDir('livestream-aws-');
  const { spec, problems } = validateSpec({ target: 'aws', stack: 'teststack', start: true, ...raw });
  if (spec?.target !== 'aws') throw new Error(`bad test spec: ${JSON.stringify(problems)}`);
  const ladder = await loadProfile(spec.profile);
  const store = new StateStore(dir, spec.stack);
  const host = new RecordingHost(opts.confirm ?? true);
  const secrets = opts.secrets ?? {};
  let tick = 0;
  // A clock that moves, so idempotency tokens of separate creates differ.
  const now = () => new Date(Date.UTC(2026, 10, 25, 4, 0, 0) + 1000 * tick++);
  const driver = createAwsDriver({ timings: FAST_TIMINGS, playerAssets: async () => TEST_ASSETS, ...opts.driver });
  return {
    dir,
    spec,
    store,
    host,
    secrets,
    driver,
    async run() {
      await store.load();
      return { spec, ladder, secrets, store, host, now };
    },
    async stateText() {
      try {
        return await readFile(store.file, 'utf8');
      } catch {
        return '';
      }
    },
    async archived() {
      try {
        return await readdir(path.join(dir, 'history'));
      } catch {
        return [];
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A harness whose stack is already up, against the fake installed. */
export async function makeStackUp(raw: RawSpec, opts: { secrets?: Secrets; driver?: AwsDriverOptions } = {}): Promise<AwsHarness> {
  const h = await makeHarness(raw, opts);
  await h.driver.up(await h.run());
  return h;
}
