/**
 * The CloudWatch dashboard `<stack>-<region>`: the ten panels of the guide's Appendix D, then
 * channel health and CloudFront. Pure; returns the DashboardBody string PutDashboard takes.
 *
 * MediaStore origin: Logs Insights over the container's access-log group, as the reference did.
 * S3 origin: S3 request metrics on the `stream/` filter. S3 counts requests per operation but
 * reports errors and latency per filter only, so those panels say in their title what they show.
 */
import { STREAM_METRICS_ID } from './s3.js';
import type { ResourceNames } from './names.js';

export const APPENDIX_D_TITLES = [
  'Ingress TPM (Transaction Per Minute)',
  'Egress TPM (Transaction Per Minute)',
  'Put Object Latencies (Successful Requests)',
  'Get Object Latencies (Successful Requests)',
  'Ingress 2xx Status Count by Operation',
  'Ingress 4xx Status Count by Operation',
  'Ingress 5xx Status Count by Operation',
  'Egress 2xx Status Count by Operation',
  'Egress 4xx Status Count by Operation',
  'Egress 5xx Status Count by Operation',
] as const;

export const EXTRA_TITLES = {
  alerts: 'Channel: active alerts',
  frameRate: 'Channel: input video frame rate (fps)',
  networkIn: 'Channel: network in (Mb/s)',
  cfRequests: 'CloudFront: requests',
  cfErrors: 'CloudFront: error rates (%)',
} as const;

type Metric = (string | Record<string, unknown>)[];

export interface Widget {
  type: 'metric' | 'log' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** Grid positions of the ten panels (24 columns): TPM, latencies, 2xx, then 4xx/5xx side by side. */
const SLOTS: Array<[number, number, number]> = [
  [0, 0, 12], [12, 0, 12],
  [0, 6, 12], [12, 6, 12],
  [0, 12, 12], [0, 18, 6], [6, 18, 6],
  [12, 12, 12], [12, 18, 6], [18, 18, 6],
];

export function buildDashboardBody(a: {
  names: ResourceNames;
  region: string;
  origin: 's3' | 'mediastore';
  bucket?: string;
  containerName?: string;
  channelId?: string;
  distributionId?: string;
  pipelineCount?: number;
}): string {
  const panels = a.origin === 's3'
    ? s3Panels(a.region, a.bucket ?? a.names.originBucket)
    : mediaStorePanels(a.region, `/aws/mediastore/${a.containerName ?? a.names.containerName}`);
  const widgets: Widget[] = panels.map((p, i) => {
    const [x, y, width] = SLOTS[i]!;
    return { ...p, x, y, width, height: 6 };
  });
  widgets.push(...channelWidgets(a.region, a.channelId, a.pipelineCount ?? 1, 24));
  widgets.push(...cloudFrontWidgets(a.distributionId, 30));
  return JSON.stringify({ widgets });
}

type Panel = Omit<Widget, 'x' | 'y' | 'width' | 'height'>;

function logPanel(region: string, logGroup: string, title: string, query: string, view: 'timeSeries' | 'table'): Panel {
  return { type: 'log', properties: { title, region, view, stacked: false, query: `SOURCE '${logGroup}' | ${query}` } };
}

function mediaStorePanels(region: string, logGroup: string): Panel[] {
  const stream = 'filter Path like "/stream/"';
  const ingress = '(Operation = "PutObject" or Operation = "DeleteObject")';
  const egress = 'Operation = "GetObject"';
  const latency = 'stats avg(TurnAroundTime), avg(TotalTime), percentile(TurnAroundTime, 99), percentile(TotalTime, 99) by bin(1m)';
  const byStatus = (ops: string, digit: number) =>
    `${stream} | filter HTTPStatus like /${digit}\\d{2}/ and ${ops} | stats count() as \`${digit}xx Count\` by Operation | sort \`${digit}xx Count\` desc`;
  const t = APPENDIX_D_TITLES;
  return [
    logPanel(region, logGroup, t[0], `${stream} | filter Operation = "PutObject" | stats count(*) as TPM by bin(1m)`, 'timeSeries'),
    logPanel(region, logGroup, t[1], `${stream} | filter ${egress} | stats count(*) as TPM by bin(1m)`, 'timeSeries'),
    logPanel(region, logGroup, t[2], `filter HTTPStatus like /2\\d{2}/ and Operation = "PutObject" | ${latency}`, 'timeSeries'),
    logPanel(region, logGroup, t[3], `filter HTTPStatus like /2\\d{2}/ and ${egress} | ${latency}`, 'timeSeries'),
    logPanel(region, logGroup, t[4], byStatus(ingress, 2), 'table'),
    logPanel(region, logGroup, t[5], byStatus(ingress, 4), 'table'),
    logPanel(region, logGroup, t[6], byStatus(ingress, 5), 'table'),
    logPanel(region, logGroup, t[7], byStatus(egress, 2), 'table'),
    logPanel(region, logGroup, t[8], byStatus(egress, 4), 'table'),
    logPanel(region, logGroup, t[9], byStatus(egress, 5), 'table'),
  ];
}

function metricPanel(region: string, title: string, metrics: Metric[], stat: string, extra: Record<string, unknown> = {}): Panel {
  return { type: 'metric', properties: { title, region, view: 'timeSeries', stacked: false, period: 60, stat, metrics, ...extra } };
}

function s3Panels(region: string, bucket: string): Panel[] {
  const m = (name: string, label: string, opts: Record<string, unknown> = {}): Metric =>
    ['AWS/S3', name, 'BucketName', bucket, 'FilterId', STREAM_METRICS_ID, { label, ...opts }];
  const t = APPENDIX_D_TITLES;
  const allOps = 'all operations on stream/ (S3 reports this per filter, not per operation)';
  return [
    metricPanel(region, `${t[0]}: S3 PUT + DELETE requests per minute on stream/`, [m('PutRequests', 'PUT'), m('DeleteRequests', 'DELETE')], 'Sum'),
    metricPanel(region, `${t[1]}: S3 GET requests per minute on stream/`, [m('GetRequests', 'GET'), m('HeadRequests', 'HEAD')], 'Sum'),
    metricPanel(region, `${t[2]}: S3 total request latency (ms), ${allOps}`, [
      m('TotalRequestLatency', 'avg'),
      m('TotalRequestLatency', 'p99', { stat: 'p99' }),
    ], 'Average'),
    metricPanel(region, `${t[3]}: S3 first-byte latency (ms), ${allOps}`, [
      m('FirstByteLatency', 'avg'),
      m('FirstByteLatency', 'p99', { stat: 'p99' }),
    ], 'Average'),
    metricPanel(region, `${t[4]}: S3 PUT and DELETE requests (errors are in the 4xx/5xx panels)`, [m('PutRequests', 'PutObject'), m('DeleteRequests', 'DeleteObject')], 'Sum'),
    metricPanel(region, `${t[5]}: S3 4xx errors, ${allOps}`, [m('4xxErrors', '4xx'), m('PutRequests', 'PutObject requests')], 'Sum'),
    metricPanel(region, `${t[6]}: S3 5xx errors, ${allOps}`, [m('5xxErrors', '5xx'), m('PutRequests', 'PutObject requests')], 'Sum'),
    metricPanel(region, `${t[7]}: S3 GET and HEAD requests (errors are in the 4xx/5xx panels)`, [m('GetRequests', 'GetObject'), m('HeadRequests', 'HeadObject')], 'Sum'),
    metricPanel(region, `${t[8]}: S3 4xx errors, ${allOps}`, [m('4xxErrors', '4xx'), m('GetRequests', 'GetObject requests')], 'Sum'),
    metricPanel(region, `${t[9]}: S3 5xx errors, ${allOps}`, [m('5xxErrors', '5xx'), m('GetRequests', 'GetObject requests')], 'Sum'),
  ];
}

function placeholder(title: string, text: string, x: number, y: number, width: number): Widget {
  return { type: 'text', x, y, width, height: 6, properties: { markdown: `### ${title}\n${text}` } };
}

function channelWidgets(region: string, channelId: string | undefined, pipelines: number, y: number): Widget[] {
  const layout: Array<[string, string, string, number]> = [
    [EXTRA_TITLES.alerts, 'ActiveAlerts', 'Maximum', 0],
    [EXTRA_TITLES.frameRate, 'InputVideoFrameRate', 'Average', 8],
    [EXTRA_TITLES.networkIn, 'NetworkIn', 'Average', 16],
  ];
  return layout.map(([title, metric, stat, x]) => {
    if (!channelId) return placeholder(title, 'The channel does not exist yet; `livestream up` fills this panel in once it does.', x, y, 8);
    const metrics: Metric[] = Array.from({ length: pipelines }, (_, p) => [
      'AWS/MediaLive', metric, 'ChannelId', channelId, 'Pipeline', String(p), { label: `pipeline ${p}` },
    ]);
    return { ...metricPanel(region, title, metrics, stat), x, y, width: 8, height: 6 };
  });
}

function cloudFrontWidgets(distributionId: string | undefined, y: number): Widget[] {
  const region = 'us-east-1'; // CloudFront publishes its metrics in us-east-1 only, with Region=Global.
  const m = (name: string, label: string): Metric => ['AWS/CloudFront', name, 'DistributionId', distributionId ?? '', 'Region', 'Global', { label }];
  if (!distributionId) {
    return [
      placeholder(EXTRA_TITLES.cfRequests, 'The distribution does not exist yet.', 0, y, 12),
      placeholder(EXTRA_TITLES.cfErrors, 'The distribution does not exist yet.', 12, y, 12),
    ];
  }
  return [
    { ...metricPanel(region, EXTRA_TITLES.cfRequests, [m('Requests', 'requests')], 'Sum'), x: 0, y, width: 12, height: 6 },
    {
      ...metricPanel(region, EXTRA_TITLES.cfErrors, [m('4xxErrorRate', '4xx'), m('5xxErrorRate', '5xx'), m('TotalErrorRate', 'total')], 'Average'),
      x: 12, y, width: 12, height: 6,
    },
  ];
}
