import { describe, expect, it } from 'vitest';
import { createLocalMetrics } from '../../../../src/targets/local/plumbing/metrics.js';
import { CLOUDFRONT_FIELDS } from '../../../../src/targets/local/edge/cloudfront-log.js';
import { pageOutcome, RequestLog, type LineWriter, type Outcome, type RequestLike } from '../../../../src/targets/local/edge/request-log.js';
import { emptyViewerHeaders, type ViewerHeaders } from '../../../../src/targets/local/edge/viewer-headers.js';
import { ViewerWindow } from '../../../../src/targets/local/edge/viewer-window.js';

const T0 = Date.UTC(2026, 10, 25, 4, 30, 0);

function setup() {
  let clock = T0;
  const lines: string[] = [];
  const writer: LineWriter = { write: (l) => void lines.push(l), close: async () => undefined };
  const metrics = createLocalMetrics();
  const log = new RequestLog(metrics.edge, writer, () => clock);
  const fields = (i: number): Record<string, string> => Object.fromEntries(lines[i].split('\t').map((v, j) => [CLOUDFRONT_FIELDS[j], v]));
  return { log, lines, fields, tallies: metrics.edge, tick: (ms: number) => void (clock += ms) };
}

const from = (address: string, url = '/stream/index.m3u8', method = 'GET'): RequestLike => ({ method, url, httpVersion: '1.1', socket: { remoteAddress: address, remotePort: 40000 } });
const headers = (h: Partial<ViewerHeaders> = {}): ViewerHeaders => ({ ...emptyViewerHeaders(), host: 'edge.local', bytes: 40, ...h });
const hit: Outcome = { status: 200, bodyBytes: 2000, headerBytes: 300, result: 'Hit', kind: 'playlist', contentType: 'application/vnd.apple.mpegurl' };

describe('RequestLog.record', () => {
  it('writes one CloudFront line per request', () => {
    const { log, lines, fields } = setup();
    log.record(from('192.168.1.20', '/stream/index_1280x720_00001.ts?x=1'), headers({ userAgent: 'Mozilla/5.0 (X11)', referer: 'http://edge.local/player/' }),
      { status: 206, bodyBytes: 100, headerBytes: 300, result: 'Miss', kind: 'segment', contentType: 'video/mp2t', rangeStart: 100, rangeEnd: 199 }, performance.now(), 'x=1');
    expect(lines).toHaveLength(1);
    expect(fields(0)).toMatchObject({
      date: '2026-11-25', time: '04:30:00', 'sc-bytes': '400', 'c-ip': '192.168.1.20', 'cs-method': 'GET', 'cs(Host)': 'edge.local',
      'cs-uri-stem': '/stream/index_1280x720_00001.ts', 'sc-status': '206', 'cs(Referer)': 'http://edge.local/player/', 'cs(User-Agent)': 'Mozilla/5.0%20(X11)',
      'cs-uri-query': 'x=1', 'x-edge-result-type': 'Miss', 'cs-bytes': String('/stream/index_1280x720_00001.ts?x=1'.length + 16 + 40),
      'cs-protocol-version': 'HTTP/1.1', 'c-port': '40000', 'sc-content-type': 'video/mp2t', 'sc-content-len': '100', 'sc-range-start': '100', 'sc-range-end': '199',
    });
  });

  it('counts requests, bytes, hits, misses, errors and segments, in stats and in the tallies', () => {
    const { log, tallies } = setup();
    log.record(from('a'), headers(), hit, 0, '');
    log.record(from('a'), headers(), { ...hit, result: 'RefreshHit' }, 0, '');
    log.record(from('a', '/stream/s.ts'), headers(), { ...hit, result: 'Miss', kind: 'segment', bodyBytes: 5000 }, 0, '');
    log.record(from('a', '/stream/s.ts', 'HEAD'), headers(), { ...hit, kind: 'segment', bodyBytes: 0 }, 0, ''); // no segment served
    log.record(from('a', '/stream/x.ts'), headers(), { ...hit, status: 502, result: 'Error', kind: undefined, bodyBytes: 30 }, 0, '');
    log.record(from('a', '/stream/y.ts'), headers(), { ...hit, status: 404, result: 'Miss', kind: 'error', bodyBytes: 30 }, 0, '');
    expect(log.counts).toEqual({ requests: 6, bytesSent: 2000 * 2 + 5000 + 60, hits: 3, misses: 2, errors: 2, segmentsServed: 1 });
    expect(tallies).toMatchObject({ bytesSent: 9060, hits: 3, misses: 2 });
    expect([...tallies.requestsByStatus]).toEqual([[200, 4], [502, 1], [404, 1]]);
  });

  it('logs up\'s readiness probe from this machine but leaves its errors out of the figures', () => {
    const { log, lines, tallies } = setup();
    const probe = headers({ probe: true });
    log.record(from('127.0.0.1'), probe, { ...hit, status: 404, result: 'Error' }, 0, '');
    log.record(from('::ffff:127.0.0.1'), probe, { ...hit, status: 404, result: 'Error' }, 0, '');
    expect(log.counts.errors).toBe(0);
    expect(tallies.requestsByStatus.size).toBe(0);
    log.record(from('192.168.1.20'), probe, { ...hit, status: 404, result: 'Error' }, 0, ''); // not from here: a viewer's error
    expect(log.counts).toMatchObject({ requests: 3, errors: 1 });
    expect(lines).toHaveLength(3);
  });
});

describe('RequestLog viewers', () => {
  it('counts distinct address and user agent pairs for 30 s, probes left out', () => {
    const { log, tallies, tick } = setup();
    log.noteViewer(from('10.0.0.1'), headers({ userAgent: 'phone' }));
    log.noteViewer(from('10.0.0.1'), headers({ userAgent: 'phone' }));
    log.noteViewer(from('10.0.0.1'), headers({ userAgent: 'laptop' }));
    log.noteViewer(from('127.0.0.1'), headers({ userAgent: 'probe', probe: true }));
    expect(log.countViewers()).toBe(2);
    expect(tallies.viewers).toBe(2);
    tick(20_000);
    log.noteViewer(from('10.0.0.1'), headers({ userAgent: 'phone' }));
    tick(10_001);
    expect(log.countViewers()).toBe(1); // the laptop was last seen 30.001 s ago
    expect(log.takeViewerKeys()).toEqual(['10.0.0.1\tphone', '10.0.0.1\tlaptop']);
    expect(log.takeViewerKeys()).toEqual([]);
  });
});

it('logs a handler\'s page as a hit, from its headers', () => {
  expect(pageOutcome(200, 'GET', '512', 'text/html')).toEqual({ status: 200, bodyBytes: 512, headerBytes: 200, result: 'Hit', kind: undefined, contentType: 'text/html' });
  expect(pageOutcome(200, 'HEAD', '512', undefined)).toMatchObject({ bodyBytes: 0, contentType: undefined });
  expect(pageOutcome(404, 'GET', undefined, ['text/html'])).toMatchObject({ bodyBytes: 0, contentType: undefined });
});

it('stops taking new viewers past its bound, and keeps counting those it has', () => {
  const w = new ViewerWindow(30_000, 2);
  expect([w.noteKey('a', 0), w.noteKey('b', 0), w.noteKey('c', 0), w.noteKey('a', 10)]).toEqual([true, true, false, true]);
  expect(w.count(20)).toBe(2);
});
