/**
 * The few request headers the edge looks at, read in one pass over `req.rawHeaders`. Reading
 * `req.headers` makes Node build a lower-cased object of every header on every request; on the
 * cache-hit path that object is most of what the edge would allocate. Pure.
 */
export interface ViewerHeaders {
  host: string | undefined;
  userAgent: string | undefined;
  referer: string | undefined;
  ifNoneMatch: string | undefined;
  range: string | undefined;
  acceptEncoding: string | undefined;
  /** Content-Length above 0 or any Transfer-Encoding: the viewer sent a body. */
  hasBody: boolean;
  /** `X-Livestream-Probe` was sent: livestream's own readiness check (`up`), see PROBE_HEADER. */
  probe: boolean;
  /** Approximate size of the header block, for the log's cs-bytes. */
  bytes: number;
}

/** No headers yet: every field present, so all ViewerHeaders objects share one shape. */
export function emptyViewerHeaders(): ViewerHeaders {
  return {
    host: undefined,
    userAgent: undefined,
    referer: undefined,
    ifNoneMatch: undefined,
    range: undefined,
    acceptEncoding: undefined,
    hasBody: false,
    probe: false,
    bytes: 0,
  };
}

/**
 * Sent by `up` while it waits for the first segments (wait-playback.ts): its 404s before the
 * stream exists are not errors a viewer saw. The edge still logs such requests like any other and
 * honours the header only from loopback, so it hides nothing from the logs and no remote viewer can
 * use it to leave the error figures.
 */
export const PROBE_HEADER = 'x-livestream-probe';

/** A request from `up`'s readiness check: the probe header, from this machine. */
export function isOwnProbe(req: { socket: { remoteAddress?: string } }, vh: ViewerHeaders): boolean {
  if (!vh.probe) return false;
  const a = req.socket.remoteAddress ?? '';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

export function readViewerHeaders(raw: readonly string[]): ViewerHeaders {
  const v = emptyViewerHeaders();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    v.bytes += name.length + value.length + 4;
    // Compare the length first: most headers are skipped without lower-casing their name.
    switch (name.length) {
      case 4:
        if (v.host === undefined && name.toLowerCase() === 'host') v.host = value;
        break;
      case 5:
        if (v.range === undefined && name.toLowerCase() === 'range') v.range = value;
        break;
      case 7:
        if (v.referer === undefined && name.toLowerCase() === 'referer') v.referer = value;
        break;
      case 10:
        if (v.userAgent === undefined && name.toLowerCase() === 'user-agent') v.userAgent = value;
        break;
      case 13:
        if (name.toLowerCase() === 'if-none-match') v.ifNoneMatch = v.ifNoneMatch === undefined ? value : `${v.ifNoneMatch}, ${value}`;
        break;
      case 14:
        if (name.toLowerCase() === 'content-length' && value.trim() !== '0') v.hasBody = true;
        break;
      case 15:
        if (name.toLowerCase() === 'accept-encoding') v.acceptEncoding = v.acceptEncoding === undefined ? value : `${v.acceptEncoding}, ${value}`;
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') v.hasBody = true;
        break;
      case 18:
        if (name.toLowerCase() === PROBE_HEADER) v.probe = true;
        break;
    }
  }
  return v;
}
