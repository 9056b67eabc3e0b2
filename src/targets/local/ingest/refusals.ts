/**
 * Counts what the CIDR allow-list refused and decides when to log it: the RTP gate sees every
 * datagram of a refused sender, so each address is logged at most once per `logEveryMs`.
 */
import { displayAddress } from './cidr.js';

export class RefusalTracker {
  count = 0;
  last?: { address: string; time: string };
  private readonly loggedAt = new Map<string, number>();

  constructor(private readonly logEveryMs: number) {}

  /** Records one refusal at `nowMs`; returns true when it should be logged. */
  record(address: string, nowMs: number): boolean {
    const shown = displayAddress(address);
    this.count++;
    this.last = { address: shown, time: new Date(nowMs).toISOString() };
    const previous = this.loggedAt.get(shown);
    if (previous !== undefined && nowMs - previous < this.logEveryMs) return false;
    if (this.loggedAt.size > 10_000) this.loggedAt.clear(); // bounded under a flood of spoofed sources
    this.loggedAt.set(shown, nowMs);
    return true;
  }
}
