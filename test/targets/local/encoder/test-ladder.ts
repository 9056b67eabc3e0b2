/** A low-cost ladder for tests: two small renditions at different frame rates, 2 s segments. */
import type { Ladder } from '../../../../src/core/ladder.js';

export const TEST_LADDER: Ladder = {
  name: 'test-small',
  renditions: [
    { width: 320, height: 180, bitrate: 300_000, maxBitrate: 330_000, framerate: 30, profile: 'baseline', level: 'auto', gopSeconds: 2, qvbrQuality: 7 },
    { width: 256, height: 144, bitrate: 150_000, maxBitrate: 150_000, framerate: 15, profile: 'main', level: '3', gopSeconds: 2, qvbrQuality: 6 },
  ],
  audio: { codec: 'aac', bitrate: 64_000, sampleRate: 48_000, channels: 2 },
  hls: { segmentSeconds: 2, playlistSize: 4, keepSegments: 6 },
  local: { preset: 'ultrafast', scaler: 'bilinear' },
};
