import { describe, expect, it } from 'vitest';
import { APPENDIX_D_TITLES, EXTRA_TITLES, buildDashboardBody, type Widget } from '../../../../src/targets/aws/requests/dashboard.js';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';

const names = resourceNames('demo', 'eu-west-1', '123456789012');
const titleOf = (w: Widget) => String(w.properties.title ?? w.properties.markdown);
const parse = (body: string): Widget[] => JSON.parse(body).widgets;

describe('buildDashboardBody, MediaStore origin', () => {
  const widgets = parse(buildDashboardBody({ names, region: 'eu-west-1', origin: 'mediastore', channelId: '42', distributionId: 'E1' }));
  const appendix = widgets.filter((w) => w.type === 'log');

  it('has exactly the ten Appendix D panels, in order, as Logs Insights widgets over the access-log group', () => {
    expect(appendix.map(titleOf)).toEqual([...APPENDIX_D_TITLES]);
    for (const w of appendix) {
      expect(w.properties.query).toMatch(/^SOURCE '\/aws\/mediastore\/demo' \| /);
      expect(w.properties.region).toBe('eu-west-1');
    }
  });

  it('queries the reference fields: operations, HTTPStatus, TurnAroundTime and TotalTime', () => {
    const q = (i: number) => String(appendix[i]!.properties.query);
    expect(q(0)).toContain('Operation = "PutObject"');
    expect(q(1)).toContain('Operation = "GetObject"');
    expect(q(2)).toContain('percentile(TurnAroundTime, 99)');
    expect(q(3)).toContain('avg(TotalTime)');
    expect(q(4)).toContain('Operation = "DeleteObject"');
    expect(q(5)).toContain('HTTPStatus like /4\\d{2}/');
    expect(q(9)).toContain('HTTPStatus like /5\\d{2}/');
    expect(q(9)).toContain('Operation = "GetObject"');
  });
});

describe('buildDashboardBody, S3 origin', () => {
  const widgets = parse(buildDashboardBody({ names, region: 'eu-west-1', origin: 's3', channelId: '42', distributionId: 'E1' }));
  const appendix = widgets.slice(0, 10);

  it('has the ten Appendix D panels, each title saying what S3 metric it shows', () => {
    appendix.forEach((w, i) => {
      expect(w.type).toBe('metric');
      expect(titleOf(w).startsWith(`${APPENDIX_D_TITLES[i]}: S3 `)).toBe(true);
    });
    expect(widgets.filter((w) => APPENDIX_D_TITLES.some((t) => titleOf(w).startsWith(t)))).toHaveLength(10);
  });

  it('reads request metrics of this bucket on the livestream-stream filter', () => {
    for (const w of appendix) {
      for (const m of w.properties.metrics as unknown[][]) {
        expect(m.slice(0, 1)).toEqual(['AWS/S3']);
        expect(m.slice(2, 6)).toEqual(['BucketName', 'demo-origin-123456789012-eu-west-1', 'FilterId', 'livestream-stream']);
      }
    }
    const metricNames = (i: number) => (appendix[i]!.properties.metrics as unknown[][]).map((m) => m[1]);
    expect(metricNames(0)).toEqual(['PutRequests', 'DeleteRequests']);
    expect(metricNames(1)).toEqual(['GetRequests', 'HeadRequests']);
    expect(metricNames(2)).toEqual(['TotalRequestLatency', 'TotalRequestLatency']);
    expect(metricNames(3)).toEqual(['FirstByteLatency', 'FirstByteLatency']);
    expect(metricNames(5)[0]).toBe('4xxErrors');
    expect(metricNames(9)[0]).toBe('5xxErrors');
  });

  it('adds channel health on pipeline 0 and CloudFront metrics from us-east-1', () => {
    const extra = widgets.slice(10);
    expect(extra.map(titleOf)).toEqual(Object.values(EXTRA_TITLES));
    expect((extra[0]!.properties.metrics as unknown[][])[0]!.slice(0, 6)).toEqual(['AWS/MediaLive', 'ActiveAlerts', 'ChannelId', '42', 'Pipeline', '0']);
    expect((extra[1]!.properties.metrics as unknown[][])[0]![1]).toBe('InputVideoFrameRate');
    expect((extra[2]!.properties.metrics as unknown[][])[0]![1]).toBe('NetworkIn');
    expect(extra[3]!.properties.region).toBe('us-east-1');
    expect((extra[3]!.properties.metrics as unknown[][])[0]!.slice(0, 6)).toEqual(['AWS/CloudFront', 'Requests', 'DistributionId', 'E1', 'Region', 'Global']);
    expect((extra[4]!.properties.metrics as unknown[][]).map((m) => m[1])).toEqual(['4xxErrorRate', '5xxErrorRate', 'TotalErrorRate']);
  });

  it('no widget overlaps another on the 24-column grid', () => {
    const cells = new Set<string>();
    for (const w of widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          const key = `${x},${y}`;
          expect(cells.has(key)).toBe(false);
          cells.add(key);
        }
      }
    }
  });
});

describe('buildDashboardBody before the channel exists', () => {
  it('shows text placeholders for the channel and lists one metric per pipeline once it does', () => {
    const before = parse(buildDashboardBody({ names, region: 'eu-west-1', origin: 's3' }));
    expect(before.slice(10).map((w) => w.type)).toEqual(['text', 'text', 'text', 'text', 'text']);
    const after = parse(buildDashboardBody({ names, region: 'eu-west-1', origin: 's3', channelId: '7', distributionId: 'E1', pipelineCount: 2 }));
    expect((after[10]!.properties.metrics as unknown[][]).map((m) => m[5])).toEqual(['0', '1']);
  });
});
