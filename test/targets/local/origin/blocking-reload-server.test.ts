/**
 * The origin holding LL-HLS blocking playlist reloads (RFC 8216bis 6.2.5.2) over real sockets: a
 * request for a part the playlist does not have yet is answered by the upload that lists it.
 */
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessLogEntry } from '../../../../src/targets/local/origin/access-log.js';
import { startOrigin, type OriginServer } from '../../../../src/targets/local/origin/server.js';
import { createLocalMetrics, type LocalMetrics } from '../../../../src/targets/local/plumbing/metrics.js';
import { request, type Reply } from './http-helpers.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

const CREDENTIAL = 'test-credential-0123456789abcdef';
const AUTH = { authorization: `Bearer ${CREDENTIAL}` };
const KEY = '/stream/index_320x180.m3u8';

let dir: string;
let origin: OriginServer;
let entries: AccessLogEntry[];
let metrics: LocalMetrics;

async function start(): Promise<OriginServer> {
  return startOrigin({
    root: path.join(dir, 'store'),
    containerName: 'teststack',
    credential: CREDENTIAL,
    accessLogDir: path.join(dir, 'logs'),
    onAccess: (e) => entries.push(e),
    metrics,
  });
}

beforeEach(async () => {
  dir = await makeTmpDir('origin-block-');
  entries = [];
  metrics = createLocalMetrics();
  origin = await start();
});

afterEach(async () => {
  await origin.close();
});

/**
 * A low-mode playlist (1 s segments of three 1/3 s parts) whose media sequence starts at 1, with
 * `whole` whole segments and then `open` parts of the next one.
 */
function playlist(whole: number, open: number, o: { block?: boolean; ended?: boolean; hint?: boolean } = {}): string {
  const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:1'];
  lines.push(o.block === false ? '#EXT-X-SERVER-CONTROL:PART-HOLD-BACK=1.0' : '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0');
  lines.push('#EXT-X-PART-INF:PART-TARGET=0.333334', '#EXT-X-MEDIA-SEQUENCE:1');
  let file = 1;
  const part = () => `#EXT-X-PART:DURATION=0.333333,URI="p${file++}.ts",INDEPENDENT=YES`;
  for (let s = 1; s <= whole; s++) lines.push(part(), part(), part(), '#EXTINF:1.0,', `s${s}.ts`);
  for (let p = 0; p < open; p++) lines.push(part());
  if (o.hint) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p${file}.ts"`);
  if (o.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

const publish = (text: string, key = KEY) => request(origin.url, key, { method: 'PUT', headers: AUTH, body: text });
const get = (query: string, key = KEY) => request(origin.url, `${key}?${query}`, { headers: AUTH });

/** Resolves once the origin holds `n` requests (bounded). */
async function untilHeld(n: number): Promise<void> {
  for (let i = 0; i < 300 && origin.stats().held !== n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(origin.stats().held).toBe(n);
}

describe('origin: blocking playlist reload', () => {
  it('holds a request for the next part until the upload that lists it, then answers with that playlist', async () => {
    await publish(playlist(3, 1)); // segment 4 has part 0
    const next = get('_HLS_msn=4&_HLS_part=1');
    await untilHeld(1);
    await publish(playlist(3, 1)); // re-uploaded unchanged: still held (the upload is weighed before its answer)
    expect(origin.stats().held).toBe(1);
    await publish(playlist(3, 2));
    const reply = await next;
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe(playlist(3, 2));
    expect(origin.stats().held).toBe(0);
    // The origin's answer-time histogram leaves the hold out (it is the wait for the part, not the origin's speed).
    await request(origin.url, KEY, { headers: AUTH });
    for (let i = 0; i < 100 && entries.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    const gets = (await metrics.originRequestDuration.get()).values.find((v) => v.metricName?.endsWith('_count') && v.labels.operation === 'GetObject');
    expect(gets?.value).toBe(1);
  });

  it('answers at once what the playlist has, and a plain GET as ever', async () => {
    await publish(playlist(3, 1));
    expect((await get('_HLS_msn=4&_HLS_part=0')).body.toString()).toBe(playlist(3, 1));
    expect((await get('_HLS_msn=2')).status).toBe(200);
    expect((await request(origin.url, KEY, { headers: AUTH })).body.toString()).toBe(playlist(3, 1));
    expect(origin.stats().held).toBe(0);
  });

  it('takes a part past the end of a whole segment as the next segment\'s first', async () => {
    await publish(playlist(3, 0));
    const overflow = get('_HLS_msn=3&_HLS_part=3');
    await untilHeld(1);
    await publish(playlist(3, 1));
    expect((await overflow).body.toString()).toBe(playlist(3, 1));
  });

  it('holds a request for a whole segment until it is whole, not at its first part', async () => {
    await publish(playlist(3, 0));
    const whole = get('_HLS_msn=4');
    await untilHeld(1);
    await publish(playlist(3, 2));
    expect(origin.stats().held).toBe(1);
    await publish(playlist(4, 0));
    expect((await whole).body.toString()).toBe(playlist(4, 0));
  });

  it('refuses malformed directives and ones too far ahead with 400, saying why', async () => {
    await publish(playlist(3, 1));
    const cases: Array<[string, RegExp]> = [
      ['_HLS_part=1', /without _HLS_msn/],
      ['_HLS_msn=x', /whole number/],
      ['_HLS_msn=7&_HLS_part=0', /more than two segments/],
      ['_HLS_msn=6&_HLS_part=5', /parts \(3 s\) past/],
    ];
    for (const [query, why] of cases) {
      const r = await get(query);
      expect(r.status, query).toBe(400);
      expect(JSON.parse(r.body.toString())).toEqual({ error: 'InvalidDeliveryDirective' });
      expect(r.headers['x-livestream-reason'], query).toMatch(why);
    }
    expect(origin.stats().held).toBe(0);
  });

  it('answers 503 when the part has not come within three target durations', async () => {
    await publish(playlist(3, 1));
    const pending = get('_HLS_msn=4&_HLS_part=2');
    await untilHeld(1); // held, not refused at once
    const r = await pending;
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body.toString())).toEqual({ error: 'PlaylistNotUpdated' });
    expect(entries.find((e) => e.HTTPStatus === 503)).toMatchObject({ Operation: 'GetObject', Path: KEY, ErrorCode: 'PlaylistNotUpdated' });
  });

  it('ignores directives on a playlist that does not block, that has ended, or that does not exist', async () => {
    await publish(playlist(3, 1, { block: false }));
    expect((await get('_HLS_msn=5&_HLS_part=0')).status).toBe(200);
    expect((await get('_HLS_part=1')).status).toBe(200); // not a blocking playlist: nothing to refuse either
    const waiting = get('_HLS_msn=4&_HLS_part=2', '/stream/other.m3u8');
    expect((await waiting).status).toBe(404);
    await publish(playlist(3, 1));
    const held = get('_HLS_msn=5&_HLS_part=0');
    await untilHeld(1);
    await publish(playlist(3, 2, { ended: true }));
    expect((await held).body.toString()).toBe(playlist(3, 2, { ended: true }));
    expect((await get('_HLS_msn=6&_HLS_part=0')).status).toBe(200);
  });

  it('lets go of a request whose viewer left (even half-closed: the origin allows that for ffmpeg), and answers 404 to one whose playlist was deleted', async () => {
    await publish(playlist(3, 1));
    const leaving = http.request({ host: '127.0.0.1', port: origin.port, path: `${KEY}?_HLS_msn=4&_HLS_part=2`, headers: AUTH });
    leaving.on('error', () => undefined);
    leaving.end();
    await untilHeld(1);
    leaving.destroy();
    await untilHeld(0);
    // Let go when the viewer went (answered with the playlist as it was, to no one), not held to the 503.
    for (let i = 0; i < 100 && entries.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(entries[1]).toMatchObject({ Operation: 'GetObject', Path: KEY, HTTPStatus: 200 });

    const orphan = get('_HLS_msn=4&_HLS_part=2');
    await untilHeld(1);
    expect((await request(origin.url, KEY, { method: 'DELETE', headers: AUTH })).status).toBe(204);
    expect((await orphan).status).toBe(404);
  });

  it('after a restart, reads where a stored playlist stands from its file', async () => {
    await publish(playlist(3, 1));
    await origin.close();
    origin = await start();
    const next = get('_HLS_msn=4&_HLS_part=1');
    await untilHeld(1);
    await publish(playlist(3, 2));
    expect((await next).status).toBe(200);
  });

  it('holds many viewers on one playlist and answers each with the first playlist that has its part', async () => {
    await publish(playlist(3, 1));
    const asks: Array<Promise<Reply>> = [get('_HLS_msn=4&_HLS_part=1'), get('_HLS_msn=4&_HLS_part=1'), get('_HLS_msn=4&_HLS_part=2'), get('_HLS_msn=5&_HLS_part=0')];
    await untilHeld(4);
    await publish(playlist(3, 2));
    await publish(playlist(4, 0));
    await publish(playlist(4, 1));
    const bodies = (await Promise.all(asks)).map((r) => r.body.toString());
    expect(bodies).toEqual([playlist(3, 2), playlist(3, 2), playlist(4, 0), playlist(4, 1)]);
  });

  it('holds a GET of the hinted part until its upload is complete, and answers 404 at once for a part not hinted', async () => {
    await publish(playlist(3, 1, { hint: true })); // parts p1-p10 listed, p11 hinted
    const hinted = get('x=1', '/stream/p11.ts');
    await untilHeld(1);
    expect((await request(origin.url, '/stream/p12.ts', { headers: AUTH })).status).toBe(404);
    await request(origin.url, '/stream/p11.ts', { method: 'PUT', headers: AUTH, body: 'part eleven' });
    const reply = await hinted;
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('part eleven');
    // The playlist moves on: p11 is no longer the hint, p12 is.
    await publish(playlist(3, 2, { hint: true }));
    const next = get('', '/stream/p12.ts');
    await untilHeld(1);
    await request(origin.url, '/stream/p12.ts', { method: 'PUT', headers: AUTH, body: 'part twelve' });
    expect((await next).body.toString()).toBe('part twelve');
  });

  it('answers 404 at once for a held hinted part the next playlist skips (an encoder restart), not after the limit', async () => {
    await publish(playlist(3, 1, { hint: true })); // p11 hinted
    const pending = get('', '/stream/p11.ts');
    await untilHeld(1);
    // The dead run's open segment ends at p10; the restarted encoder's first part is p12, after a
    // discontinuity (media-playlist.ts): p11 never comes.
    const restarted = playlist(3, 1) + ['#EXTINF:0.333333,', 's4.ts', '#EXT-X-DISCONTINUITY',
      '#EXT-X-PART:DURATION=0.333333,URI="p12.ts",INDEPENDENT=YES', '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p13.ts"'].join('\n') + '\n';
    await publish(restarted);
    expect(origin.stats().held).toBe(0); // answered by that upload
    expect((await pending).status).toBe(404);
    expect((await request(origin.url, '/stream/p11.ts', { headers: AUTH })).status).toBe(404); // and not held again
  });

  it('answers 404 for a hinted part that never comes, after three target durations', async () => {
    await publish(playlist(3, 1, { hint: true }));
    const pending = get('', '/stream/p11.ts');
    await untilHeld(1);
    const r = await pending;
    expect(r.status).toBe(404);
    expect(entries.at(-1)).toMatchObject({ Path: '/stream/p11.ts', HTTPStatus: 404 });
  });
});
