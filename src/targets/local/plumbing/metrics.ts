import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChannelHealthSample } from '../encoder/health.js';

/**
 * Prometheus metrics for the local target (served by the edge at /metrics).
 *
 * The edge answers tens of thousands of requests a second from one thread, and prom-client's
 * `inc({ label })` hashes and validates its labels on every call. So the hot path only bumps the
 * plain numbers in `edge` and `origin` below, and each prom-client metric reads them back in its
 * `collect()` hook when /metrics is scraped. Histograms (origin latency) are observed directly:
 * they are on the miss path, which is rare.
 */
export interface EdgeTallies {
  /** Viewer responses by HTTP status. */
  requestsByStatus: Map<number, number>;
  bytesSent: number;
  hits: number;
  misses: number;
  /** Requests the edge forwarded to the origin (after coalescing). */
  originFetches: number;
  viewers: number;
  cacheBytes: number;
  cacheObjects: number;
}

export interface OriginTallies {
  /** Requests by "<Operation> <status>", e.g. "PutObject 200". */
  requestsByOperation: Map<string, number>;
  bytesReceived: number;
  bytesSent: number;
  objects: number;
  bytesStored: number;
  expired: number;
}


/** What the ingest counts, read when /metrics is scraped (the ingest's state: ingest/types.ts). */
export interface IngestReading {
  /** Connections (RTMP) or datagrams (RTP, SRT) refused by --cidr. */
  refused: number;
  /** SRT only: handshakes refused for a wrong or missing passphrase. */
  refusedPassphrase?: number;
  /** RTP_PUSH only. */
  rtp?: { forwarded: number; sequenceGaps: number; droppedAtGate: number; droppedAtDecoder?: number };
}

export interface LocalMetrics {
  registry: Registry;
  edge: EdgeTallies;
  origin: OriginTallies;
  /** The channel's latest health sample (the encoder reports one every few seconds); undefined before the first. */
  channel: { latest?: ChannelHealthSample };
  /** Set by the daemon once the ingest runs. */
  ingest: { read?: () => IngestReading };
  /** Time the edge waited for the origin's response to a cache miss. */
  edgeOriginLatency: Histogram<'status'>;
  /** Time the origin took to answer, by operation (from the access log's TotalTime). */
  originRequestDuration: Histogram<'operation'>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createLocalMetrics(): LocalMetrics {
  const registry = new Registry();
  const edge: EdgeTallies = {
    requestsByStatus: new Map(),
    bytesSent: 0,
    hits: 0,
    misses: 0,
    originFetches: 0,
    viewers: 0,
    cacheBytes: 0,
    cacheObjects: 0,
  };
  const origin: OriginTallies = {
    requestsByOperation: new Map(),
    bytesReceived: 0,
    bytesSent: 0,
    objects: 0,
    bytesStored: 0,
    expired: 0,
  };

  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };

  new Counter({
    name: 'livestream_edge_requests_total',
    help: 'Viewer requests answered by the edge, by HTTP status.',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of edge.requestsByStatus) this.inc({ status: String(status) }, n);
    },
  });
  counter('livestream_edge_bytes_sent_total', 'Body bytes the edge sent to viewers.', () => edge.bytesSent);
  counter('livestream_edge_cache_hits_total', 'Viewer requests answered from the edge cache.', () => edge.hits);
  counter('livestream_edge_cache_misses_total', 'Viewer requests that needed the origin.', () => edge.misses);
  counter(
    'livestream_edge_origin_requests_total',
    'Requests the edge sent to the origin (concurrent misses for one object count once).',
    () => edge.originFetches,
  );
  gauge('livestream_edge_viewers', 'Distinct viewers (address and user agent) that fetched a playlist in the last 30 s.', () => edge.viewers);
  gauge('livestream_edge_cache_bytes', 'Bytes held in the edge cache.', () => edge.cacheBytes);
  gauge('livestream_edge_cache_objects', 'Objects held in the edge cache.', () => edge.cacheObjects);

  new Counter({
    name: 'livestream_origin_requests_total',
    help: 'Requests answered by the origin, by operation and HTTP status.',
    labelNames: ['operation', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of origin.requestsByOperation) {
        const [operation, status] = key.split(' ');
        this.inc({ operation, status }, n);
      }
    },
  });
  counter('livestream_origin_bytes_received_total', 'Bytes uploaded to the origin.', () => origin.bytesReceived);
  counter('livestream_origin_bytes_sent_total', 'Bytes the origin sent.', () => origin.bytesSent);
  gauge('livestream_origin_objects', 'Objects stored in the origin.', () => origin.objects);
  gauge('livestream_origin_stored_bytes', 'Bytes stored in the origin.', () => origin.bytesStored);
  counter('livestream_origin_expired_total', 'Objects removed by lifecycle rules.', () => origin.expired);

  const edgeOriginLatency = new Histogram({
    name: 'livestream_edge_origin_latency_seconds',
    help: 'Time from the edge sending a request to the origin until the whole response arrived.',
    labelNames: ['status'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const originRequestDuration = new Histogram({
    name: 'livestream_origin_request_duration_seconds',
    help: 'Time the origin took to answer a request (TotalTime of its access log), by operation.',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const channel: LocalMetrics['channel'] = {};
  registerChannelHealth(registry, channel);
  const ingest: LocalMetrics['ingest'] = {};
  registerIngest(registry, ingest);

  return { registry, edge, origin, channel, ingest, edgeOriginLatency, originRequestDuration };
}

/** The ingest's refusals and, for RTP, where packets were lost (before the gate, at it, at the decoder). */
function registerIngest(registry: Registry, ingest: LocalMetrics['ingest']): void {
  new Counter({
    name: 'livestream_ingest_refused_total',
    help: 'Connections (RTMP) or datagrams (RTP, SRT) refused because their source is outside --cidr.',
    registers: [registry],
    collect() {
      const r = ingest.read?.();
      this.reset();
      if (r) this.inc(r.refused);
    },
  });
  new Counter({
    name: 'livestream_srt_passphrase_refused_total',
    help: 'SRT handshakes refused because the passphrase was wrong or missing.',
    // A label, so that the series is absent (not a made-up 0) for the other inputs.
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      const refused = ingest.read?.().refusedPassphrase;
      this.reset();
      if (refused !== undefined) this.inc({ channel: 'local' }, refused);
    },
  });
  new Counter({
    name: 'livestream_rtp_packets_forwarded_total',
    help: 'RTP datagrams the gate passed on to the decoder.',
    // A label, so that the series is absent (not a made-up 0) for the other inputs.
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      const rtp = ingest.read?.().rtp;
      this.reset();
      if (rtp) this.inc({ channel: 'local' }, rtp.forwarded);
    },
  });
  new Counter({
    name: 'livestream_rtp_packets_lost_total',
    help: 'RTP packets lost, by where: before_gate (gaps in the RTP sequence: the network), gate (its socket overflowed), decoder (ffmpeg did not read in time).',
    labelNames: ['where'],
    registers: [registry],
    collect() {
      const rtp = ingest.read?.().rtp;
      this.reset();
      if (!rtp) return;
      this.inc({ where: 'before_gate' }, rtp.sequenceGaps);
      this.inc({ where: 'gate' }, rtp.droppedAtGate);
      if (rtp.droppedAtDecoder !== undefined) this.inc({ where: 'decoder' }, rtp.droppedAtDecoder);
    },
  });
}

/**
 * The channel's health as series, from its latest sample. A figure the encoder does not report
 * (dropped frames, PDT drift on a build that counts none) is left out of the scrape rather than
 * shown as 0; so is every series before the first sample.
 */
function registerChannelHealth(registry: Registry, channel: LocalMetrics['channel']): void {
  const series = (
    Kind: typeof Gauge | typeof Counter,
    name: string,
    help: string,
    read: (s: ChannelHealthSample) => number | undefined,
  ): void => {
    new Kind({
      name,
      help,
      labelNames: ['channel'],
      registers: [registry],
      collect() {
        this.reset();
        const s = channel.latest;
        const v = s === undefined ? undefined : read(s);
        // A label-less metric always shows a value after reset; with a label there is none until set.
        if (typeof v === 'number' && Number.isFinite(v)) (this as Counter<'channel'>).inc({ channel: 'local' }, v);
      },
    });
  };
  series(Gauge, 'livestream_channel_input_connected', 'Whether the source is connected (1) or the slate is on air (0).', (s) => (s.inputConnected ? 1 : 0));
  series(Gauge, 'livestream_channel_input_loss_seconds', 'How long the source has been lost (absent while it is connected).', (s) => s.inputLossSeconds);
  series(Gauge, 'livestream_channel_input_fps', 'Frame rate the source delivers.', (s) => s.inputFps);
  series(Gauge, 'livestream_encoder_speed', 'Encoder speed as a multiple of real time (below 1: it falls behind).', (s) => s.encoderSpeed);
  series(Counter, 'livestream_encoder_restarts_total', 'Times the encoder was restarted after a crash.', (s) => s.restarts);
  series(Counter, 'livestream_encoder_dropped_frames_total', 'Frames dropped to stay on the wall clock when the encoder could not keep up.', (s) => s.droppedFrames);
  series(Gauge, 'livestream_channel_pdt_drift_seconds', "Program date time of the newest segment minus the wall clock when it was written.", (s) => s.pdtDriftSeconds);
}

/** Add one to a tally map (hot path: no allocation once the key exists). */
export function bumpTally<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
