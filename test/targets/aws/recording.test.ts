/**
 * Recording on AWS (#13) against the stateful fake: the recordings bucket and the archive group
 * `up` makes (every request checked against AWS's models), `recordings` listing what MediaLive
 * wrote by run, `recordings --download` producing a real MP4 of the whole run (TS parts made
 * with ffmpeg, put in the fake bucket as MediaLive would), `down` keeping the bucket and
 * `down --delete-recordings` removing it, and the refusals before anything is made.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LivestreamError } from '../../../src/core/errors.js';
import { remuxToMp4 } from '../../../src/targets/local/encoder/remux-mp4.js';
import { AwsFake } from '../../helpers/aws-fake.js';
import { checkRequest, loadServiceModel } from '../../helpers/aws-model.js';
import { allowingStatement, needsOf, type Policy } from '../../helpers/iam-actions.js';
import { INPUT_SPECS, makeHarness, TEST_ASSETS, type AwsHarness } from '../../helpers/aws-run.js';
import { probeStream } from '../../helpers/ffprobe.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';
import { requireTool } from '../../helpers/tools.js';

const run = promisify(execFile);
const BUCKET = 'teststack-rec-123456789012-us-east-1';

let fake: AwsFake;
beforeEach(() => {
  fake = new AwsFake('us-east-1').install();
});
afterEach(() => fake.restore());

/** A stack whose spec records `record` (the CLI's --record, parsed by the core's validateSpec on merge). */
async function recordingStack(record: string, expireDays?: number, profile = 'HD-1080p'): Promise<AwsHarness> {
  const h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, profile }, { driver: { playerAssets: async () => TEST_ASSETS, remuxToMp4 } });
  h.spec.record = record;
  if (expireDays !== undefined) h.spec.aws.recordingsExpireDays = expireDays;
  return h;
}

/** `seconds` of 1280x720 H.264 + AAC in MPEG-TS parts of `partSeconds`, as MediaLive's archive writes them. */
async function makeTsParts(dir: string, seconds: number, partSeconds: number): Promise<string[]> {
  const ffmpeg = await requireTool('ffmpeg');
  await run(ffmpeg, [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k',
    '-f', 'segment', '-segment_time', String(partSeconds), '-segment_format', 'mpegts', '-reset_timestamps', '0',
    path.join(dir, 'part%03d.ts'),
  ], { timeout: 120_000 });
  return (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(dir, f));
}

describe('up with recording', () => {
  it('creates a private, encrypted, tagged recordings bucket with the expiry asked for, and the archive group', async () => {
    const h = await recordingStack('1280x720', 30);
    await h.driver.up(await h.run());
    const b = fake.buckets.get(BUCKET)!;
    expect(b).toBeDefined();
    expect(b.config.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect(b.config.ServerSideEncryptionConfiguration).toEqual({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] });
    expect(b.config.Tagging).toEqual({ TagSet: [{ Key: 'livestream:stack', Value: 'teststack' }] });
    expect((b.config.LifecycleConfiguration as { Rules: Array<{ Expiration?: unknown }> }).Rules[0]!.Expiration).toEqual({ Days: 30 });
    expect(JSON.parse(b.policy!).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['DenyInsecureTransport']);

    const create = fake.calls.find((c) => c.command === 'CreateChannel')!;
    expect(create.input.Destinations[1]).toEqual({ Id: 'recordings', Settings: [{ Url: `s3ssl://${BUCKET}/teststack/$dt$/recording` }] });
    expect(create.input.EncoderSettings.OutputGroups.map((g: { Name: string }) => g.Name)).toEqual(['hls', 'recording']);
    // The bucket exists before the channel that writes to it.
    const order = fake.calls.map((c) => c.command);
    expect(order.indexOf('PutBucketLifecycleConfiguration')).toBeLessThan(order.indexOf('CreateChannel'));

    const policy = JSON.parse(fake.calls.find((c) => c.command === 'PutRolePolicy')!.input.PolicyDocument);
    const onRecordings = policy.Statement.filter((s: { Resource: unknown }) => JSON.stringify(s.Resource).includes(BUCKET));
    expect(onRecordings.map((s: { Resource: unknown }) => s.Resource)).toEqual([`arn:aws:s3:::${BUCKET}/teststack/*`]);

    const problems = fake.calls.flatMap((c) => checkRequest(loadServiceModel(c.service), c.command, c.input).map((p) => `${c.service} ${c.command} ${p}`));
    expect(problems).toEqual([]);
  });

  it('records nothing and makes no bucket by default', async () => {
    const h = await makeHarness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    expect(fake.buckets.has(BUCKET)).toBe(false);
    const create = fake.calls.find((c) => c.command === 'CreateChannel')!;
    expect(create.input.EncoderSettings.OutputGroups).toHaveLength(1);
    expect(await h.driver.recordings(await h.run())).toEqual([]);
  });
});

describe('bad input is refused before anything is made', () => {
  it('an unknown rendition: plan price and up (no AWS call)', async () => {
    const h = await recordingStack('1920x1080', undefined, 'HD-720p');
    const r = await h.run();
    expect(() => h.driver.estimateCost(h.spec, r.ladder)).toThrow(LivestreamError);
    await expect(h.driver.up(r)).rejects.toMatchObject({ code: 'SPEC_INVALID' });
    expect(fake.calls).toEqual([]);
  });

  it('recordingsExpireDays 0: plan and up', async () => {
    const h = await recordingStack('top', 0);
    const { ladder } = await h.run();
    expect(() => h.driver.plan(h.spec, ladder)).toThrow(/recordingsExpireDays: expected a whole number of days, 1 or more, found 0/);
    await expect(h.driver.up(await h.run())).rejects.toMatchObject({ code: 'SPEC_INVALID' });
    expect(fake.calls).toEqual([]);
  });
});

describe('recordings', () => {
  it('lists each run with its start, end, length, size and place, the open run live', async () => {
    const h = await recordingStack('1280x720');
    await h.driver.up(await h.run());
    const started = h.store.require().channelRuns[0]!.start;
    // MediaLive's $dt$: the channel's start, a little before livestream saw it RUNNING.
    const dt = new Date(Math.floor(Date.parse(started) / 1000) * 1000 - 5000);
    const id = dt.toISOString().replace(/[-:]/g, '').slice(0, 15);
    const folder = `teststack/${id}`;
    fake.putRecorded(BUCKET, `${folder}/recording_1280x720.000001.ts`, Buffer.alloc(4000));
    fake.putRecorded(BUCKET, `${folder}/recording_1280x720.000002.ts`, Buffer.alloc(1000));
    const [live] = await h.driver.recordings(await h.run());
    expect(live).toMatchObject({ id, start: dt.toISOString(), bytes: 5000, where: `s3://${BUCKET}/${folder}/`, live: true });
    expect(live!.end).toBeUndefined();
    // One full part (300 s) and 1000 bytes at 1280x720's bitrate + audio: 300 s and a few ms.
    expect(live!.seconds).toBe(300);

    const status = await h.driver.status(await h.run());
    expect(status.summary).toContainEqual(['Recording', `recording now: 5 min, 5.0 kB (s3://${BUCKET}/${folder}/)`]);

    await h.driver.stop(await h.run());
    const [ended] = await h.driver.recordings(await h.run());
    expect(ended).toMatchObject({ live: false, end: h.store.require().channelRuns[0]!.end });
  });

  it('--download brings each run as one MP4 of its full length, remuxed from the TS parts', async () => {
    const h = await recordingStack('1280x720');
    await h.driver.up(await h.run());
    const work = await makeTmpDir('livestream-rec-parts-');
    const parts = await makeTsParts(work, 9, 3);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const [i, file] of parts.entries()) {
      fake.putRecorded(BUCKET, `teststack/20261125T040000/recording_1280x720.${String(i + 1).padStart(6, '0')}.ts`, await readFile(file));
    }
    // Pages of two keys: the download walks every page.
    fake.listPageSize = 2;
    const out = await makeTmpDir('livestream-rec-out-');
    const got = await h.driver.downloadRecordings(await h.run(), out);
    expect(got.map((g) => path.basename(g.file))).toEqual(['teststack-20261125T040000.mp4']);
    expect(await readdir(out)).toEqual(['teststack-20261125T040000.mp4']);
    const probed = await probeStream(got[0]!.file);
    expect(probed).toMatchObject({ width: 1280, height: 720, codec: 'h264', audioCodec: 'aac' });
    expect(probed.duration).toBeGreaterThan(8.5);
    expect(probed.duration).toBeLessThan(9.5);
    expect(h.host.codes()).toContain('RECORDING_DOWNLOADED');
    expect(h.host.progressLog.some((l) => /part 3\/\d+/.test(l))).toBe(true);
  }, 120_000);

  it('--download into a file is refused', async () => {
    const h = await recordingStack('top');
    await h.driver.up(await h.run());
    const dir = await makeTmpDir('livestream-rec-file-');
    const file = path.join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    await expect(h.driver.downloadRecordings(await h.run(), file)).rejects.toThrow(/is a file, not a folder/);
  });
});

describe('down and the recordings', () => {
  it('keeps the recordings bucket and says so; status still shows it', async () => {
    const h = await recordingStack('top');
    await h.driver.up(await h.run());
    fake.putRecorded(BUCKET, 'teststack/20261125T040000/recording_1920x1080.000001.ts', Buffer.alloc(2048));
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    // The recordings have a line of their own (how many, how big, where), not the logs' one.
    expect(report.keptNames).toEqual([]);
    expect(report.recordings).toMatchObject({ action: 'kept', count: 1, bytes: 2048 });
    expect(fake.inventory()).toEqual([`bucket:${BUCKET}`]);
    expect(h.host.codes()).toContain('RECORDINGS_KEPT');
    const status = await h.driver.status(await h.run());
    expect(status.resources.find((r) => r.id === 'recordings-bucket')).toMatchObject({ exists: true, detail: '1 recording files, 2.0 kB' });
    expect(status.channel).toEqual({ state: 'DELETED', detail: 'torn down; the recordings bucket is kept ("livestream recordings" lists it, "livestream down --delete-recordings" removes it)' });
    expect(await h.driver.recordings(await h.run())).toHaveLength(1);
  });

  it('--delete-recordings empties and deletes it, saying how much went', async () => {
    const h = await recordingStack('top');
    await h.driver.up(await h.run());
    fake.putRecorded(BUCKET, 'teststack/20261125T040000/recording_1920x1080.000001.ts', Buffer.alloc(3000));
    fake.putRecorded(BUCKET, 'teststack/20261125T040000/recording_1920x1080.000002.ts', Buffer.alloc(3000));
    const report = await h.driver.down(await h.run(), { deleteLogs: true, deleteRecordings: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
    const deleted = h.host.notices.find((n) => n.code === 'RECORDINGS_DELETED')!;
    expect(deleted.details).toEqual({ bucket: BUCKET, files: 2, bytes: 6000 });
    expect(deleted.message).toBe(`Deleted the recordings bucket ${BUCKET}: 2 files, 6.0 kB.`);
  });
});

describe('docs/iam-policy.json covers recording', () => {
  it('down without the state file finds the recordings bucket too, and --delete-recordings removes it', async () => {
    const h = await recordingStack('top');
    await h.driver.up(await h.run());
    fake.putRecorded(BUCKET, 'teststack/20261125T040000/recording_1920x1080.000001.ts', Buffer.alloc(2048));
    await rm(h.store.file);
    // What `down --target aws --stack teststack` knows: no --record, so the spec it starts from records nothing.
    const probe = await makeHarness(INPUT_SPECS.URL_PULL!);
    const run = { ...(await probe.run()), store: h.store };
    await h.store.load();
    const report = await probe.driver.down(run, { deleteLogs: true, deleteRecordings: true });
    expect(report.deleted).toContain('recordings-bucket');
    expect(fake.inventory()).toEqual([]);
  });

  it('allows every call of a recording stack\'s up, status, recordings, download and down --delete-recordings', async () => {
    const h = await recordingStack('top', 7);
    await h.driver.up(await h.run());
    fake.putRecorded(BUCKET, 'teststack/20261125T040000/recording_1920x1080.000001.ts', Buffer.alloc(10));
    await h.driver.status(await h.run());
    await h.driver.recordings(await h.run());
    // The download reaches S3 (GetObject) before the remux, which refuses these 10 bytes.
    await h.driver.downloadRecordings(await h.run(), await makeTmpDir('livestream-rec-policy-')).catch(() => undefined);
    await h.driver.down(await h.run(), { deleteLogs: true, deleteRecordings: true });
    const policy = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../../docs/iam-policy.json'), 'utf8')) as Policy;
    const sent = fake.calls.map((c) => ({ service: c.service, command: c.command, input: c.input }));
    expect(sent.some((c) => c.command === 'GetObject')).toBe(true);
    const missing = sent.flatMap((c) => needsOf(c, 'us-east-1')).filter((n) => !allowingStatement(policy, n)).map((n) => `${n.action} on ${n.resource}`);
    expect([...new Set(missing)]).toEqual([]);
  });
});
