/** `livestream profiles`: the built-in ladders and their renditions. */
import { listBuiltinProfiles } from '../../core/profiles.js';
import { guarded } from '../guarded.js';
import { table, type Output } from '../output.js';

export function runProfiles(_opts: unknown, out: Output): Promise<number> {
  return guarded(out, async () => {
    const ladders = await listBuiltinProfiles();
    const human = ladders
      .map((l) =>
        [
          out.paint('bold', l.name) + (l.description ? `  ${l.description}` : ''),
          table([
            ['rendition', 'bitrate', 'max', 'fps', 'profile', 'GOP'],
            ...l.renditions.map((r) => [`${r.width}x${r.height}`, mbps(r.bitrate), mbps(r.maxBitrate), String(r.framerate), r.profile, `${r.gopSeconds} s`]),
          ]).replace(/^/gm, '  '),
          `  audio AAC ${l.audio.bitrate / 1000} kb/s ${l.audio.sampleRate / 1000} kHz ${l.audio.channels === 2 ? 'stereo' : 'mono'}; HLS ${l.hls.segmentSeconds} s segments, ${l.hls.playlistSize} per playlist, ${l.hls.keepSegments} kept; local x264 ${l.local.preset === 'auto' && l.local.scaler === 'auto' ? 'preset and scaler calibrated on the machine' : `${l.local.preset}, ${l.local.scaler} scaling`}`,
        ].join('\n'),
      )
      .join('\n\n');
    out.result(`${human}\n\nYour own ladder: --profile ./my-ladder.json (same shape as profiles/HD-720p.json).`, ladders);
  });
}

function mbps(bps: number): string {
  return `${(bps / 1e6).toFixed(1)} Mb/s`;
}
