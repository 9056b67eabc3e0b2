import { randomBytes } from 'node:crypto';
import { RotatingLogWriter } from '../plumbing/rotating-log.js';

/**
 * Access logs in CloudFront's standard log format (legacy "standard logging"): tab-separated,
 * two header lines, then one line per request; "-" for an empty field; URL-encoded user agent.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
 */
export const CLOUDFRONT_FIELDS = [
  'date',
  'time',
  'x-edge-location',
  'sc-bytes',
  'c-ip',
  'cs-method',
  'cs(Host)',
  'cs-uri-stem',
  'sc-status',
  'cs(Referer)',
  'cs(User-Agent)',
  'cs-uri-query',
  'cs(Cookie)',
  'x-edge-result-type',
  'x-edge-request-id',
  'x-host-header',
  'cs-protocol',
  'cs-bytes',
  'time-taken',
  'x-forwarded-for',
  'ssl-protocol',
  'ssl-cipher',
  'x-edge-response-result-type',
  'cs-protocol-version',
  'fle-status',
  'fle-encrypted-fields',
  'c-port',
  'time-to-first-byte',
  'x-edge-detailed-result-type',
  'sc-content-type',
  'sc-content-len',
  'sc-range-start',
  'sc-range-end',
] as const;

export const CLOUDFRONT_HEADER = `#Version: 1.0\n#Fields: ${CLOUDFRONT_FIELDS.join(' ')}\n`;

export const EDGE_LOCATION = 'LCL1-C1';

export type EdgeResultType = 'Hit' | 'RefreshHit' | 'Miss' | 'Error';

/** One viewer request, as the edge saw it. */
export interface EdgeLogRecord {
  timeMs: number;
  scBytes: number;
  clientIp: string;
  clientPort: number;
  method: string;
  host: string;
  uriStem: string;
  status: number;
  referer: string | undefined;
  userAgent: string | undefined;
  query: string;
  resultType: EdgeResultType;
  requestId: string;
  csBytes: number;
  timeTakenSeconds: number;
  httpVersion: string;
  contentType: string | undefined;
  contentLength: number;
  rangeStart?: number;
  rangeEnd?: number;
}

const dash = (v: string | undefined): string => (v === undefined || v === '' ? '-' : v);

// CloudFront percent-encodes spaces and other unsafe characters in the user agent and referer.
const UNSAFE = /[\s"%<>\\^`{|}\u0000-\u001f\u007f-\uffff]/g;
const encoded = new Map<string, string>();
function encodeField(v: string | undefined): string {
  if (v === undefined || v === '') return '-';
  // Viewers repeat the same few user agents: encode each once (bounded memo).
  let e = encoded.get(v);
  if (e === undefined) {
    e = v.replace(UNSAFE, (c) => encodeURIComponent(c));
    if (encoded.size >= 256) encoded.clear();
    encoded.set(v, e);
  }
  return e;
}

let cachedSecond = -1;
let cachedDateTime = '';

/** "2026-11-25\t04:01:02", formatted once per second. */
function formatDateTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    const iso = new Date(second * 1000).toISOString();
    cachedDateTime = `${iso.slice(0, 10)}\t${iso.slice(11, 19)}`;
  }
  return cachedDateTime;
}

/** One log line (without newline). Pure apart from per-second and per-user-agent formatting caches. */
export function formatCloudFrontLine(r: EdgeLogRecord): string {
  const result = r.status >= 400 ? 'Error' : r.resultType;
  const host = dash(r.host);
  const taken = r.timeTakenSeconds.toFixed(3);
  // One template rather than an array join: this runs for every request the edge answers.
  return (
    `${formatDateTime(r.timeMs)}\t${EDGE_LOCATION}\t${r.scBytes}\t${r.clientIp}\t${r.method}\t${host}\t${r.uriStem}\t${r.status}\t` +
    `${encodeField(r.referer)}\t${encodeField(r.userAgent)}\t${dash(r.query)}\t-\t${result}\t${r.requestId}\t${host}\thttp\t` +
    `${r.csBytes}\t${taken}\t-\t-\t-\t${result}\tHTTP/${r.httpVersion}\t-\t-\t${r.clientPort}\t${taken}\t${result}\t` +
    `${dash(r.contentType)}\t${r.contentLength}\t${r.rangeStart ?? '-'}\t${r.rangeEnd ?? '-'}`
  );
}

/** `<distributionId>.<yyyy-MM-dd-HH>.<unique>`, as CloudFront names its log files. */
export function cloudFrontLogFileName(distributionId: string, ms: number, unique: string): string {
  const iso = new Date(ms).toISOString();
  return `${distributionId}.${iso.slice(0, 10)}-${iso.slice(11, 13)}.${unique}`;
}

/** The edge's log: one file per hour (and per process, and a new part when a file passes the size cap). */
export function createCloudFrontLog(opts: { dir: string; distributionId: string; now?: () => number; maxFileBytes?: number }): RotatingLogWriter {
  const unique = randomBytes(4).toString('hex');
  return new RotatingLogWriter({
    dir: opts.dir,
    now: opts.now,
    maxFileBytes: opts.maxFileBytes,
    header: CLOUDFRONT_HEADER,
    fileName: (ms, part) => cloudFrontLogFileName(opts.distributionId, ms, part === 0 ? unique : `${unique}-${part}`),
  });
}

/** Request ids: unique per process, cheap to make (a random prefix and a counter), 28 characters like CloudFront's style. */
export function createRequestIdSource(): () => string {
  const prefix = randomBytes(12).toString('base64url');
  let n = 0;
  return () => prefix + (n++).toString(36).padStart(12, '0');
}
