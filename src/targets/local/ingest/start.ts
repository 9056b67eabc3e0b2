/**
 * The local target's ingest: for each input type, what runs next to the decoder ffmpeg (gates,
 * the source proxy, the demo source) and the ffmpeg input arguments that read the source.
 * The encoder supervisor asks `inputArgs()` again at every (re)start of its decoder.
 */
import type { Ingest, IngestOptions } from './types.js';

export async function startIngest(opts: IngestOptions): Promise<Ingest> {
  const { spec } = opts;
  switch (spec.input) {
    case 'URL_PULL': {
      const { startUrlPullIngest } = await import('./url-pull.js');
      return startUrlPullIngest(opts);
    }
    case 'RTMP_PUSH': {
      const { startRtmpIngest } = await import('./rtmp-push.js');
      return startRtmpIngest(opts);
    }
    case 'RTP_PUSH': {
      const { startRtpIngest } = await import('./rtp-push.js');
      return startRtpIngest(opts);
    }
    case 'SRT_LISTENER': {
      const { startSrtListenerIngest } = await import('./srt-listener.js');
      return startSrtListenerIngest(opts);
    }
    case 'SRT_CALLER': {
      const { startSrtCallerIngest } = await import('./srt-caller.js');
      return startSrtCallerIngest(opts);
    }
    case 'INPUT_DEVICE': {
      const { startDeviceIngest } = await import('./device-input.js');
      return startDeviceIngest(opts);
    }
  }
}
