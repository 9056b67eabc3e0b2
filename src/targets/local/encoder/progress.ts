/**
 * ffmpeg `-progress` output: blocks of key=value lines, each ending with `progress=continue|end`.
 * Pure parser: feed text, get completed blocks back, keep the partial state.
 */
export interface ProgressSample {
  frame?: number;
  fps?: number;
  /** Real-time factor, from `speed=1.02x`. */
  speed?: number;
  /** Output bitrate in bits/s, from `bitrate=2400.1kbits/s` (N/A for HLS over HTTP). */
  bitrate?: number;
  outTimeSeconds?: number;
  dropFrames?: number;
  dupFrames?: number;
  end: boolean;
}

export interface ProgressParser {
  rest: string;
  current: Record<string, string>;
}

export function createProgressParser(): ProgressParser {
  return { rest: '', current: {} };
}

export function parseProgress(parser: ProgressParser, text: string): ProgressSample[] {
  const lines = (parser.rest + text).split('\n');
  parser.rest = lines.pop() ?? '';
  const samples: ProgressSample[] = [];
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key !== 'progress') {
      parser.current[key] = value;
      continue;
    }
    samples.push(toSample(parser.current, value === 'end'));
    parser.current = {};
  }
  return samples;
}

function toSample(kv: Record<string, string>, end: boolean): ProgressSample {
  const num = (v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number.parseFloat(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const sample: ProgressSample = { end };
  const set = <K extends keyof ProgressSample>(k: K, v: ProgressSample[K] | undefined): void => {
    if (v !== undefined) sample[k] = v;
  };
  set('frame', num(kv.frame));
  set('fps', num(kv.fps));
  set('speed', num(kv.speed?.replace(/x$/, '')));
  const kbits = /^([\d.]+)kbits\/s$/.exec(kv.bitrate ?? '');
  set('bitrate', kbits ? Math.round(Number(kbits[1]) * 1000) : undefined);
  const us = num(kv.out_time_us ?? kv.out_time_ms);
  set('outTimeSeconds', us === undefined ? undefined : us / 1e6);
  set('dropFrames', num(kv.drop_frames));
  set('dupFrames', num(kv.dup_frames));
  return sample;
}
