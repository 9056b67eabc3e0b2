/**
 * Steps of the wall clock: Date.now moving against the monotonic clock (performance.now). NTP slews
 * both together, so only a step separates them: a clock corrected by NTP or by hand, a laptop
 * that slept (the monotonic clock does not count a suspend), a VM paused and resumed. Seen once on
 * this machine: a 7.2 s step in the middle of a run (frame-sync.ts says what it did to the dates).
 */

/**
 * The wall clock moving this far against the monotonic one is a step (Date.now has whole
 * milliseconds). Smaller steps are left: a date 0.1 s off is within what a frame's path to the
 * stack already adds.
 */
const CLOCK_STEP_MS = 100;

/** Readings of the two clocks further apart than this (the process was descheduled between them) say nothing about a step. */
const CLOCK_READ_MAX_MS = 5;

export class WallClockSteps {
  /** Wall clock minus monotonic clock, as last followed. */
  private offset: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly mono: () => number = () => performance.now(),
  ) {
    this.offset = this.now() - this.mono();
  }

  /** The wall clock at monotonic time `monoMs`, as last followed (epoch ms). */
  wallAt(monoMs: number): number {
    return monoMs + this.offset;
  }

  /** Take the wall clock afresh, as it is now. */
  rebase(): void {
    this.offset = this.now() - this.mono();
  }

  /** How far the wall clock stepped since it was last followed (ms, forward when positive), or 0; it is followed from now on. */
  check(): number {
    const before = this.mono();
    const wall = this.now();
    const after = this.mono();
    if (after - before > CLOCK_READ_MAX_MS) return 0;
    const stepMs = wall - (before + after) / 2 - this.offset;
    if (Math.abs(stepMs) < CLOCK_STEP_MS) return 0;
    this.offset += stepMs;
    return stepMs;
  }
}
