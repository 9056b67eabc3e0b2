/**
 * Counts what the CIDR allow-list refused and decides when to log it: the RTP gate sees every
 * datagram of a refused sender, so each address is logged at most once per `logEveryMs`.
 */
import { displayAddress, isAllowed } from './cidr.js';

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

export interface DatagramAllowListOptions {
  cidrs: readonly string[];
  label: string;
  /** Count one refusal (the gate's shared counters). */
  count(nowMs: number): void;
  /** Tell the main thread the refused address, when it changes. */
  report(address: string): void;
  log(line: string): void;
}

/**
 * The allow-list as a UDP gate's worker applies it (RTP, SRT): the verdict cached per source
 * address, so the hot path parses no CIDR (bounded under a flood of spoofed sources), and each
 * refusal counted, reported and logged once a minute per address.
 */
export class DatagramAllowList {
  private readonly verdicts = new Map<string, boolean>();
  private readonly refusals = new RefusalTracker(60_000);
  private refusedAddress: string | undefined;

  constructor(private readonly o: DatagramAllowListOptions) {}

  allows(address: string): boolean {
    let verdict = this.verdicts.get(address);
    if (verdict === undefined) {
      if (this.verdicts.size >= 10_000) this.verdicts.clear();
      verdict = isAllowed(this.o.cidrs, address);
      this.verdicts.set(address, verdict);
    }
    return verdict;
  }

  refuse(address: string, nowMs: number): void {
    this.o.count(nowMs);
    const shown = displayAddress(address);
    if (shown !== this.refusedAddress) this.o.report((this.refusedAddress = shown));
    if (this.refusals.record(address, nowMs)) {
      this.o.log(`${this.o.label}: refused datagrams from ${shown} at ${this.refusals.last!.time}: not in the allow-list (${this.o.cidrs.join(', ')}); logged once a minute per address`);
    }
  }
}
