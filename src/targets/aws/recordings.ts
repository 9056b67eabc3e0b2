/**
 * `recordings` on AWS (#13): the recordings bucket's objects grouped by run of the channel, and
 * each run brought to this machine as one MP4 (the TS parts streamed to one file in order, then
 * remuxed by the local ffmpeg the CLI hands in).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { LivestreamError } from '../../core/errors.js';
import type { StackState } from '../../core/state.js';
import type { Host } from '../../core/host.js';
import type { Recording } from '../../core/target.js';
import { recordedRendition } from '../../core/recording.js';
import { groupRuns, recordingRate, recordingsPrefix, runSeconds, type RecordedRun } from './requests/recording.js';
import { bucketExists } from './resources/bucket.js';
import { formatBytes, listParts } from './resources/recordings-bucket.js';
import type { AwsContext } from './context.js';

/** MediaLive's `$dt$` is when it started the channel; livestream records the run once it is RUNNING, a little later. */
const START_SLACK_MS = 10 * 60_000;

export type RemuxToMp4 = (input: string, output: string) => Promise<void>;

interface Found {
  bucket: string;
  runs: Array<{ run: RecordedRun; recording: Recording }>;
}

async function findRecordings(ctx: AwsContext, state: StackState): Promise<Found | undefined> {
  const bucket = state.resources['recordings-bucket']?.physicalId || undefined;
  if (!bucket || !(await bucketExists(ctx.clients.s3, bucket))) return undefined;
  const stack = ctx.names.stack;
  const runs = groupRuns(stack, await listParts(ctx.clients.s3, bucket, recordingsPrefix(stack)));
  const rendition = recordedRendition(state.spec, state.ladder) ?? state.ladder.renditions[0]!;
  const { bitsPerSecond } = recordingRate(state.ladder, rendition);
  return {
    bucket,
    runs: runs.map((run) => {
      const channelRun = matchChannelRun(state, run.start);
      const live = channelRun !== undefined && !channelRun.end;
      const end = live ? undefined : (channelRun?.end ?? run.lastWrite);
      const recording: Recording = {
        id: run.id,
        start: run.start,
        ...(end ? { end } : {}),
        seconds: runSeconds(run, bitsPerSecond),
        bytes: run.bytes,
        where: `s3://${bucket}/${recordingsPrefix(stack)}${run.id}/`,
        live,
      };
      return { run, recording };
    }),
  };
}

/** The recorded run of the channel this folder belongs to: the latest that started by the folder's start (with slack). */
function matchChannelRun(state: StackState, folderStart: string): StackState['channelRuns'][number] | undefined {
  const at = Date.parse(folderStart);
  const candidates = state.channelRuns.filter((r) => Date.parse(r.start) <= at + START_SLACK_MS && (!r.end || Date.parse(r.end) >= at));
  return candidates.sort((a, b) => Date.parse(b.start) - Date.parse(a.start))[0];
}

export async function listRecordings(ctx: AwsContext, state: StackState): Promise<Recording[]> {
  return (await findRecordings(ctx, state))?.runs.map((r) => r.recording) ?? [];
}

/**
 * The latest run's recording for status, one line: "recording now: 12 min, 450.3 MB (s3://...)";
 * undefined when the stack records nothing or it could not be read (its row says why).
 */
export async function describeLatestRecording(ctx: AwsContext, state: StackState): Promise<string | undefined> {
  if (!state.resources['recordings-bucket']) return undefined;
  const last = (await listRecordings(ctx, state).catch(() => [])).at(-1);
  if (!last) return 'nothing recorded yet';
  const length = last.seconds >= 60 ? `${Math.round(last.seconds / 60)} min` : `${last.seconds} s`;
  return `${last.live ? 'recording now' : `last run (${last.start})`}: ${length}, ${formatBytes(last.bytes)} (${last.where})`;
}

export async function downloadRecordings(ctx: AwsContext, state: StackState, dir: string, remux: RemuxToMp4 | undefined): Promise<Array<{ recording: Recording; file: string }>> {
  if (!remux) throw new LivestreamError('INTERNAL', 'The AWS target was built without an MP4 remuxer (createAwsDriver remuxToMp4).');
  await assertFolder(dir);
  const found = await findRecordings(ctx, state);
  const out: Array<{ recording: Recording; file: string }> = [];
  for (const { run, recording } of found?.runs ?? []) {
    const base = path.join(dir, `${ctx.names.stack}-${run.id}`);
    const ts = `${base}.ts`;
    await fetchParts(ctx, found!.bucket, run, ts, ctx.host);
    const file = `${base}.mp4`;
    await remux(ts, file);
    await rm(ts, { force: true });
    ctx.host.notify({ level: 'success', code: 'RECORDING_DOWNLOADED', message: `Recording ${run.id}${recording.live ? ' (still recording: what is written so far)' : ''} → ${file}`, details: { id: run.id, file } });
    out.push({ recording, file });
  }
  return out;
}

/** The parts one after the other into one MPEG-TS file (a transport stream concatenates), streamed to disk. */
async function fetchParts(ctx: AwsContext, bucket: string, run: RecordedRun, file: string, host: Host): Promise<void> {
  const progress = host.progress(`Downloading recording ${run.id} (${formatBytes(run.bytes)})...`);
  try {
    const sink = createWriteStream(file);
    let done = 0;
    for (const [i, part] of run.parts.entries()) {
      progress.update(`Downloading recording ${run.id}: part ${i + 1}/${run.parts.length}, ${formatBytes(done)} of ${formatBytes(run.bytes)}`);
      const obj = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: part.key }));
      await pipeline(obj.Body as Readable, sink, { end: false });
      done += part.bytes;
    }
    await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
    progress.succeed(`Downloaded recording ${run.id} (${formatBytes(done)})`);
  } catch (err) {
    progress.fail(`Could not download recording ${run.id}`);
    throw err;
  }
}

async function assertFolder(dir: string): Promise<void> {
  const seen = await stat(dir).catch(() => undefined);
  if (seen && !seen.isDirectory()) {
    throw new LivestreamError('SPEC_INVALID', `--download ${dir} is a file, not a folder.`, { hint: 'Give a folder (it is created if it does not exist), e.g. --download ./recordings' });
  }
  await mkdir(dir, { recursive: true });
}
