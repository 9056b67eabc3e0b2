/**
 * What the edge records of every request it answers, whichever path answered it: a line of the
 * CloudFront log, the counters of `stats()`, the tallies /metrics reads, and the viewers.
 */
import { bumpTally, type EdgeTallies } from '../plumbing/metrics.js';
import type { CacheKind } from './cache-policy.js';
import { createRequestIdSource, formatCloudFrontLine, type EdgeResultType } from './cloudfront-log.js';
import { isOwnProbe, type ViewerHeaders } from './viewer-headers.js';
import { ViewerWindow, VIEWER_WINDOW_MS } from './viewer-window.js';

/** What the log and the viewer count need of a request; node:http's IncomingMessage is one. */
export interface RequestLike {
  method?: string;
  url?: string;
  httpVersion: string;
  socket: { remoteAddress?: string; remotePort?: number };
}

/** What the edge sent. */
export interface Outcome {
  status: number;
  bodyBytes: number;
  headerBytes: number;
  result: EdgeResultType;
  kind: CacheKind | undefined;
  contentType: string | undefined;
  rangeStart?: number;
  rangeEnd?: number;
}

export interface EdgeCounts {
  requests: number;
  bytesSent: number;
  hits: number;
  misses: number;
  errors: number;
  segmentsServed: number;
}

/** Where the lines go: the CloudFront log, or nowhere (a cluster's shield: its workers log the viewers). */
export interface LineWriter {
  write(line: string): void;
  close(): Promise<void>;
}

export const NO_LINES: LineWriter = { write: () => undefined, close: async () => undefined };

const MAX_VIEWERS_TRACKED = 100_000;

/**
 * A page a handler served or a pass-through answer, from its headers: logged as a hit, as a
 * single-process edge logs its own pages, so the figures do not depend on the worker count.
 */
export function pageOutcome(status: number, method: string | undefined, contentLength: unknown, contentType: unknown): Outcome {
  const length = Number(contentLength);
  return {
    status,
    bodyBytes: Number.isFinite(length) && method !== 'HEAD' ? length : 0,
    headerBytes: 200,
    result: 'Hit',
    kind: undefined,
    contentType: typeof contentType === 'string' ? contentType : undefined,
  };
}

export class RequestLog {
  readonly counts: EdgeCounts = { requests: 0, bytesSent: 0, hits: 0, misses: 0, errors: 0, segmentsServed: 0 };
  private readonly viewers = new ViewerWindow(VIEWER_WINDOW_MS, MAX_VIEWERS_TRACKED);
  private readonly viewersSinceTaken = new Set<string>();
  private readonly nextRequestId = createRequestIdSource();

  constructor(
    private readonly tallies: EdgeTallies,
    private readonly lines: LineWriter,
    private readonly now: () => number,
  ) {}

  /** One answered request; `started` is performance.now() when it arrived. */
  record(req: RequestLike, vh: ViewerHeaders, o: Outcome, started: number, query: string): void {
    const counts = this.counts;
    const tallies = this.tallies;
    counts.requests++;
    counts.bytesSent += o.bodyBytes;
    tallies.bytesSent += o.bodyBytes;
    // up's own readiness check (logged below like any request) is no viewer's error.
    const viewerError = o.status >= 400 && !isOwnProbe(req, vh);
    if (o.status < 400 || viewerError) bumpTally(tallies.requestsByStatus, o.status);
    if (viewerError) counts.errors++;
    if (o.result === 'Miss') {
      counts.misses++;
      tallies.misses++;
    } else if (o.result !== 'Error') {
      counts.hits++;
      tallies.hits++;
    }
    if (o.kind === 'segment' && o.status < 300 && req.method === 'GET') counts.segmentsServed++;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    // Time taken until the response was handed to the socket (a cached body is written in one go).
    const taken = (performance.now() - started) / 1000;
    this.lines.write(
      formatCloudFrontLine({
        timeMs: this.now(),
        scBytes: o.bodyBytes + o.headerBytes,
        clientIp: req.socket.remoteAddress ?? '-',
        clientPort: req.socket.remotePort ?? 0,
        method: req.method ?? '-',
        host: vh.host ?? '',
        uriStem: q === -1 ? url : url.slice(0, q),
        status: o.status,
        referer: vh.referer,
        userAgent: vh.userAgent,
        query,
        resultType: o.result,
        requestId: this.nextRequestId(),
        csBytes: url.length + 16 + vh.bytes,
        timeTakenSeconds: taken,
        httpVersion: req.httpVersion,
        contentType: o.contentType,
        contentLength: o.bodyBytes,
        rangeStart: o.rangeStart,
        rangeEnd: o.rangeEnd,
      }),
    );
  }

  /** A viewer fetched a playlist: counted for the viewer window (up's readiness probe is no viewer). */
  noteViewer(req: RequestLike, vh: ViewerHeaders): void {
    if (isOwnProbe(req, vh)) return;
    const key = `${req.socket.remoteAddress ?? ''}\t${vh.userAgent ?? ''}`;
    if (!this.viewers.noteKey(key, this.now())) return;
    if (this.viewersSinceTaken.size < MAX_VIEWERS_TRACKED) this.viewersSinceTaken.add(key);
  }

  /** Distinct viewers in the window, also set in the tallies for /metrics. */
  countViewers(): number {
    const n = this.viewers.count(this.now());
    this.tallies.viewers = n;
    return n;
  }

  /** The viewer keys seen since the last call, so a cluster can count a viewer on several workers once. */
  takeViewerKeys(): string[] {
    const keys = [...this.viewersSinceTaken];
    this.viewersSinceTaken.clear();
    return keys;
  }

  close(): Promise<void> {
    return this.lines.close();
  }
}
