/** A viewer counts while it fetched a playlist in the last 30 s. */
export const VIEWER_WINDOW_MS = 30_000;

/**
 * Distinct viewers: each key (address and user agent) with the last time it was seen; a key not
 * seen for the window is gone. An edge notes its own viewers here, the cluster's primary the keys
 * its workers report (a player's connections land on any worker, so each worker alone would count
 * it once per worker).
 */
export class ViewerWindow {
  private readonly seen = new Map<string, number>();

  /** `maxKeys` bounds the memory a flood of made-up user agents can take; a new key past it is not counted. */
  constructor(
    private readonly windowMs = VIEWER_WINDOW_MS,
    private readonly maxKeys = Infinity,
  ) {}

  note(keys: readonly string[], nowMs: number): void {
    for (const k of keys) this.noteKey(k, nowMs);
  }

  /** False when the key is new and the window is full. */
  noteKey(key: string, nowMs: number): boolean {
    if (this.seen.size >= this.maxKeys && !this.seen.has(key)) return false;
    this.seen.set(key, nowMs);
    return true;
  }

  count(nowMs: number): number {
    for (const [k, t] of this.seen) if (t < nowMs - this.windowMs) this.seen.delete(k);
    return this.seen.size;
  }
}
