/**
 * The encoder's pace at reading its stdin, from what the frame synchronizer wrote and what still
 * waits there (the stream's writableLength): how long a picture written now would wait before the
 * encoder took it. Pure; the caller gives the clock.
 */

/** The encoder's pace is the median of this many of its last pictures. */
const READ_TIME_SAMPLES = 9;

export class StdinPace {
  private written = 0;
  /** Where each picture the encoder has not taken yet ends, in the bytes written. */
  private unreadEnds: number[] = [];
  /** How long the encoder took to take each of its last pictures while it had pictures waiting (ms), and the busy time since the last one. */
  private readMs: number[] = [];
  private busyMs = 0;
  private lastCheckAt: number | undefined;

  /** Bytes written that are no picture (the stream header). */
  wrote(bytes: number): void {
    this.written += bytes;
  }

  /** A picture written (its header and data): the encoder has taken it once the bytes waiting no longer reach back to its end. */
  wrotePicture(bytes: number): void {
    this.written += bytes;
    this.unreadEnds.push(this.written);
  }

  /**
   * How long a picture written now would wait before the encoder took it: the pictures still
   * waiting, each at the encoder's recent pace (the median of its last READ_TIME_SAMPLES, so one
   * picture that waited through a pause of the encoder does not count as its pace). `waitingBytes`:
   * what still waits in the stdin now; `nowMs`: a monotonic clock. Call it once a tick.
   */
  expectedWaitMs(waitingBytes: number, nowMs: number): number {
    if (this.lastCheckAt !== undefined && this.unreadEnds.length > 0) this.busyMs += nowMs - this.lastCheckAt;
    this.lastCheckAt = nowMs;
    const taken = this.written - waitingBytes;
    let read = 0;
    while (this.unreadEnds.length > 0 && this.unreadEnds[0]! <= taken) {
      this.unreadEnds.shift();
      read++;
    }
    if (read > 0) {
      for (let i = 0; i < read; i++) this.readMs.push(this.busyMs / read);
      this.readMs.splice(0, this.readMs.length - READ_TIME_SAMPLES);
      this.busyMs = 0;
    }
    if (this.unreadEnds.length === 0 || this.readMs.length === 0) return 0;
    const sorted = [...this.readMs].sort((a, b) => a - b);
    return this.unreadEnds.length * sorted[Math.floor(sorted.length / 2)]!;
  }
}
