/**
 * Input bitrate from a growing byte counter: the rate over the last window of samples. Pure
 * apart from the samples it keeps; the caller passes the clock.
 */
export class BitrateMeter {
  private readonly samples: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly windowMs = 10_000) {}

  /** Record the counter's value at `at` (ms) and return bits per second over the window, if known. */
  sample(bytes: number, at: number): number | undefined {
    const last = this.samples[this.samples.length - 1];
    // A counter that went backwards belongs to a new source: start over.
    if (last && bytes < last.bytes) this.samples.length = 0;
    if (!last || at > last.at) this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const newest = this.samples[this.samples.length - 1]!;
    const seconds = (newest.at - first.at) / 1000;
    return seconds > 0 ? Math.round(((newest.bytes - first.bytes) * 8) / seconds) : undefined;
  }
}
