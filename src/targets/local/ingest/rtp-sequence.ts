/**
 * Counts RTP packets that never arrived, from the sequence numbers of those that did (RFC 3550
 * appendix A.1/A.3: expected = extended highest sequence number - first + 1; lost = expected -
 * received), so reordered packets are not counted as lost and a wrap at 65535 is not a gap.
 * A new SSRC, or a jump of thousands of numbers, is a sender that restarted: counting starts again,
 * keeping what was lost before. Pure apart from its own counters.
 */

/** A jump forward by at least this much is a restart, not a loss (RFC 3550's MAX_DROPOUT). */
const MAX_DROPOUT = 3000;
/** A packet up to this far behind the highest is late (reordered or duplicated), not a restart. */
const MAX_MISORDER = 100;

export class RtpLossCounter {
  private ssrc: number | undefined;
  private base = 0;
  private maxSeq = 0;
  private cycles = 0;
  private received = 0;
  /** Lost in earlier runs of the sender (before a restart). */
  private lostBefore = 0;

  /** Feeds one datagram; anything that is not RTP version 2 is ignored. */
  record(packet: Uint8Array): void {
    if (packet.length < 12 || packet[0]! >> 6 !== 2) return;
    const seq = (packet[2]! << 8) | packet[3]!;
    const ssrc = ((packet[8]! << 24) | (packet[9]! << 16) | (packet[10]! << 8) | packet[11]!) >>> 0;
    if (ssrc !== this.ssrc) return this.restart(ssrc, seq);
    const delta = (seq - this.maxSeq) & 0xffff;
    if (delta !== 0 && delta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += 0x10000;
      this.maxSeq = seq;
    } else if (delta >= MAX_DROPOUT && delta <= 0x10000 - MAX_MISORDER) return this.restart(ssrc, seq);
    this.received++;
  }

  /** Packets the sequence numbers say are missing so far (never below 0: duplicates do not count). */
  lost(): number {
    if (this.ssrc === undefined) return this.lostBefore;
    return this.lostBefore + this.currentLost();
  }

  private currentLost(): number {
    const expected = this.cycles + this.maxSeq - this.base + 1;
    return Math.max(0, expected - this.received);
  }

  private restart(ssrc: number, seq: number): void {
    if (this.ssrc !== undefined) this.lostBefore += this.currentLost();
    this.ssrc = ssrc;
    this.base = seq;
    this.maxSeq = seq;
    this.cycles = 0;
    this.received = 1;
  }
}
