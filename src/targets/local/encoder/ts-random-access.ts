/**
 * Whether an MPEG-TS file opens with a picture a decoder can start from: the low-latency mode cuts
 * each segment into parts, and only a part that starts with a keyframe may be marked
 * INDEPENDENT=YES (a part without one does not decode on its own: "non-existing PPS referenced").
 * Every part opens with one by construction (a keyframe forced at each cut: ffmpeg-args.ts), but
 * the playlist states what the file holds, so it is read from the file, not assumed.
 *
 * ffmpeg's MPEG-TS muxer sets the adaptation field's random_access_indicator on the TS packet that
 * starts the PES of a keyframe (ISO/IEC 13818-1 2.4.3.5). Audio PES carry it too (every AAC frame
 * is a "key" frame), so only the first video PES (stream_id 0xE0-0xEF) decides.
 */

const PACKET = 188;
const SYNC = 0x47;

/** True when the first video PES in `ts` starts at a random access point; false if it does not, or there is none. */
export function startsAtRandomAccess(ts: Uint8Array): boolean {
  for (let at = 0; at + PACKET <= ts.length; at += PACKET) {
    if (ts[at] !== SYNC) return false;
    const payloadStart = (ts[at + 1]! & 0x40) !== 0;
    const adaptation = (ts[at + 3]! & 0x30) >> 4;
    if (!payloadStart || (adaptation & 1) === 0) continue; // no PES starts in this packet
    const hasField = (adaptation & 2) !== 0;
    const fieldLength = hasField ? ts[at + 4]! : 0;
    const payload = at + 4 + (hasField ? 1 + fieldLength : 0);
    if (payload + 4 > at + PACKET) continue;
    const isPes = ts[payload] === 0 && ts[payload + 1] === 0 && ts[payload + 2] === 1;
    const streamId = ts[payload + 3]!;
    if (!isPes || streamId < 0xe0 || streamId > 0xef) continue; // PSI tables, audio
    return hasField && fieldLength > 0 && (ts[at + 5]! & 0x40) !== 0;
  }
  return false;
}
