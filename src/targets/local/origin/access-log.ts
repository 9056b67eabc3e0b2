/** The origin's access log: MediaStore's field names, one JSON line per request, a file an hour. */
import { RotatingLogWriter } from '../plumbing/rotating-log.js';

/** The operations MediaStore's access logs name. */
export type OriginOperation = 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'ListItems';

/** One origin request, with the field names of MediaStore's access logs (one JSON line each). */
export interface AccessLogEntry {
  RequestTime: string; // ISO 8601
  Operation: OriginOperation;
  Path: string; // object path, e.g. "/stream/index_1280x720_00001.ts"
  HTTPStatus: number;
  TurnAroundTime: number; // ms from request received to first response byte
  TotalTime: number; // ms from request received to last byte
  ObjectSize: number; // bytes of the object (0 if none)
  BytesSent: number;
  BytesReceived: number;
  RequestID: string;
  RemoteIP: string;
  UserAgent: string;
  Requester: 'ingest' | 'edge' | 'anonymous';
  ErrorCode?: string;
  ContainerName: string; // the stack name
}

/** `yyyyMMddTHH` in UTC, the hour key of the origin's log files. */
export function formatHourKey(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}`;
}

/** The origin's access log file for an hour (and the n-th overflow file when one grew past the cap). */
export function originLogFileName(ms: number, part = 0): string {
  return `origin-access-${formatHourKey(ms)}${part === 0 ? '' : `.${part}`}.jsonl`;
}

/** The origin's access log: one JSON line per request, `origin-access-<yyyyMMddTHH>.jsonl`. */
export function createOriginAccessLog(opts: {
  dir: string;
  now?: () => number;
  maxFileBytes?: number;
}): RotatingLogWriter {
  return new RotatingLogWriter({ dir: opts.dir, now: opts.now, maxFileBytes: opts.maxFileBytes, fileName: originLogFileName });
}
