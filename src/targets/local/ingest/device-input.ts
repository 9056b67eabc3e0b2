/**
 * INPUT_DEVICE on the local target: a V4L2 camera or capture card, optionally with an ALSA audio
 * device, chosen by --device-id:
 *
 *   demo                      a synthetic device: test pattern, beeping tone, burned-in UTC clock
 *   /dev/video0               V4L2 video; the audio is silence
 *   /dev/video0+hw:1          V4L2 video + ALSA card 1 ("hw:1,0", "plughw:1", "default", ... also work)
 *
 * ("+" separates the two because ALSA names use ":" and ",".)
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { LivestreamError } from '../../../core/errors.js';
import type { Ingest, IngestOptions, IngestStreams } from './types.js';
import { buildClockFilter, chooseFont } from './clock.js';

export type DeviceId =
  | { kind: 'demo' }
  | { kind: 'v4l2'; video: string; audio?: string };

const LIST_HINT = 'list video devices with "v4l2-ctl --list-devices" (package v4l-utils) or "ls /dev/video*", audio cards with "arecord -l"; or use --device-id demo for a synthetic device';

/** Parses a --device-id. Pure; throws SPEC_INVALID with an example of a valid id. */
export function parseDeviceId(id: string): DeviceId {
  if (id === 'demo') return { kind: 'demo' };
  const [video, audio, ...rest] = id.split('+');
  if (!video || !video.startsWith('/dev/') || rest.length > 0 || audio === '') {
    throw new LivestreamError('SPEC_INVALID', `--device-id "${id}" is not a capture device id`, {
      hint: `use "demo", a V4L2 device such as /dev/video0, or video+audio such as /dev/video0+hw:1; ${LIST_HINT}`,
    });
  }
  if (audio !== undefined && !/^[\w:,=.-]+$/.test(audio)) {
    throw new LivestreamError('SPEC_INVALID', `"${audio}" in --device-id is not an ALSA device name`, {
      hint: 'e.g. hw:1, hw:1,0, plughw:CARD=USB,DEV=0 or default (see "arecord -L")',
    });
  }
  return audio === undefined ? { kind: 'v4l2', video } : { kind: 'v4l2', video, audio };
}

export interface DeviceArgsSettings {
  /** demo only */
  fontFile?: string;
  startMs: number;
  width: number;
  height: number;
  fps: number;
}

/** The decoder's input arguments for a device. Pure. */
export function buildDeviceInputArgs(device: DeviceId, s: DeviceArgsSettings): string[] {
  if (device.kind === 'demo') {
    // One lavfi input with two outputs (out0 video, out1 audio), so the encoder maps 0:v and 0:a.
    const clock = s.fontFile ? `,${buildClockFilter(s.fontFile, s.startMs, Math.round(s.height / 12))}` : '';
    const graph = `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}${clock}[out0];` +
      'sine=frequency=440:beep_factor=4:sample_rate=48000,aformat=channel_layouts=stereo[out1]';
    return ['-re', '-f', 'lavfi', '-i', graph];
  }
  // thread_queue_size: live devices overrun ffmpeg's default queue of 8 packets
  // ("Thread message queue blocking; consider raising the thread_queue_size option").
  const audio = device.audio
    ? ['-f', 'alsa', '-thread_queue_size', '1024', '-i', device.audio]
    : ['-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000'];
  return ['-f', 'v4l2', '-thread_queue_size', '1024', '-i', device.video, ...audio];
}

export function chooseDeviceStreams(device: DeviceId): IngestStreams {
  return device.kind === 'demo' ? { video: '0:v:0', audio: '0:a:0' } : { video: '0:v:0', audio: '1:a:0' };
}

/** Checks that the device exists and can be opened; throws SPEC_INVALID saying how to list devices. */
export function checkDevice(device: DeviceId): void {
  if (device.kind === 'demo') return;
  let isChar = false;
  try {
    isChar = statSync(device.video).isCharacterDevice();
  } catch {
    throw new LivestreamError('SPEC_INVALID', `capture device ${device.video} does not exist`, { hint: LIST_HINT });
  }
  if (!isChar) throw new LivestreamError('SPEC_INVALID', `${device.video} is not a capture device`, { hint: LIST_HINT });
  try {
    accessSync(device.video, constants.R_OK | constants.W_OK);
  } catch {
    throw new LivestreamError('SPEC_INVALID', `${device.video} cannot be opened by this user`, {
      hint: 'add yourself to the "video" group (sudo usermod -aG video $USER) and log in again',
    });
  }
  const card = device.audio ? /^(?:plug)?hw:(\d+)/.exec(device.audio)?.[1] : undefined;
  if (card !== undefined && existsSync('/proc/asound') && !existsSync(`/proc/asound/card${card}`)) {
    throw new LivestreamError('SPEC_INVALID', `ALSA card ${card} (from "${device.audio}") does not exist`, { hint: LIST_HINT });
  }
}

export const DEVICE_DEMO_DEFAULTS = { width: 1280, height: 720, fps: 30 };

export async function startDeviceIngest(opts: IngestOptions): Promise<Ingest> {
  const device = parseDeviceId(opts.spec.deviceId ?? '');
  checkDevice(device);
  const fontFile = device.kind === 'demo' ? chooseFont(existsSync) : undefined;
  if (device.kind === 'demo' && !fontFile) opts.log?.('device demo: no font found; no burned-in clock. Install fonts-dejavu-core to get it.');
  const now = opts.now ?? Date.now;
  return {
    // The clock's offset is the wall clock at this (re)start, as the decoder's timestamps start at 0.
    inputArgs: () => buildDeviceInputArgs(device, { ...DEVICE_DEMO_DEFAULTS, ...(fontFile ? { fontFile } : {}), startMs: now() }),
    streams: chooseDeviceStreams(device),
    state: () => ({ connected: device.kind === 'demo' || existsSync(device.video), refused: 0 }),
    close: async () => {},
  };
}
