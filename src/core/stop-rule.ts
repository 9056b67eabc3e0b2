/**
 * When a channel stops by itself (issue #12): parsing the user's --stop-after / --stop-at, turning
 * a rule into the end of one run, and the line people read everywhere ("stops at 22:00 (in 1h 12m),
 * ≈ $4.10 by then"). Pure: the clock and the time zone are passed in.
 */
/**
 * When the channel stops by itself; spec.ts re-exports it as SpecBase.stop's type (defined here so
 * that spec.ts can use this module without a circle).
 */
export type StopRule =
  | { kind: 'after'; seconds: number } // from each start of the channel
  | { kind: 'at'; at: string } // an ISO instant (UTC)
  | { kind: 'budget'; usd: number } // AWS only: becomes a stop time from the hourly price
  | { kind: 'none' };

/** A target's name (the spec's target). */
type Target = 'aws' | 'local';

/** What each target does when the user says nothing: AWS bills by the hour, so its channels end. */
export const STOP_DEFAULTS: { readonly [T in Target]: StopRule } = {
  aws: { kind: 'after', seconds: 12 * 3600 },
  local: { kind: 'none' },
};

/** A --stop-at closer than this is refused: the channel would stop before it plays. */
export const MIN_STOP_AHEAD_SECONDS = 60;
/** The longest --stop-after: a year; anything longer is a typo. */
export const MAX_STOP_AFTER_SECONDS = 365 * 86_400;

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3600, m: 60, s: 1 };

/** "90s", "20m", "3h30m", "1h", "1.5h", "2d" as seconds; undefined for anything else, zero included. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?[dhms])+$/.test(s)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of s.matchAll(/(\d+(?:\.\d+)?)([dhms])/g)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  seconds = Math.round(seconds);
  return seconds > 0 && seconds <= MAX_STOP_AFTER_SECONDS ? seconds : undefined;
}

const STOP_AT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An ISO date-time as an instant: with Z or an offset as written, without one in `timeZone` (the
 * machine's, as the user reads its clock). Undefined when it is not such a date-time.
 */
export function parseStopAt(text: string, timeZone: string): Date | undefined {
  const m = STOP_AT.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const fieldsUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(fieldsUtc);
  // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is not a date.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  const zone = m[7];
  if (zone) {
    if (zone.toUpperCase() === 'Z') return back;
    const [, sign, oh, om] = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : 1);
    return new Date(fieldsUtc - offset);
  }
  // The zone's offset at the guessed instant, checked again at the result (a DST change between).
  const first = fieldsUtc - zoneOffsetMs(fieldsUtc, timeZone);
  return new Date(fieldsUtc - zoneOffsetMs(first, timeZone));
}

/** How far `timeZone`'s wall clock is ahead of UTC at instant `t`, in ms. */
function zoneOffsetMs(t: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(new Date(t))
      .map((p) => [p.type, Number(p.value)]),
  );
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

/** The stop rule a recorded spec holds; a stack made before issue #12 has its target's default. */
export function stopRuleOf(spec: { target: Target; stop?: StopRule }): StopRule {
  return spec.stop ?? STOP_DEFAULTS[spec.target];
}

/**
 * The end of a run that started at `startedAt`, or undefined when it runs until stopped. A budget
 * becomes a time from the hourly price: what is left of it once `spentSoFar` (the stack's earlier
 * runs) is paid; with no price it sets no end (validation keeps it off the free target).
 */
export function endOfRun(rule: StopRule, startedAt: Date, perHour: number | undefined, spentSoFar: number): Date | undefined {
  switch (rule.kind) {
    case 'none':
      return undefined;
    case 'after':
      return new Date(startedAt.getTime() + rule.seconds * 1000);
    case 'at':
      return new Date(rule.at);
    case 'budget': {
      if (!perHour || perHour <= 0) return undefined;
      const remaining = Math.max(0, rule.usd - spentSoFar);
      return new Date(startedAt.getTime() + Math.floor((remaining / perHour) * 3600) * 1000);
    }
  }
}

/** "1h 12m", "20s", "2d 3h": a span for people, to the minute once it is over a minute. */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  const rest = s % 60;
  return m >= 10 || rest === 0 ? `${m}m` : `${m}m ${rest}s`;
}

/** "22:00" when `at` falls within a day of `now`, else "2026-12-02 22:00", on the clock of `timeZone`. */
export function formatClock(at: Date, now: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const clock = `${parts.hour}:${parts.minute}`;
  return Math.abs(at.getTime() - now.getTime()) < 86_400_000 ? clock : `${parts.year}-${parts.month}-${parts.day} ${clock}`;
}

export interface PriceView {
  /** The channel's hourly price; absent on the free target (no cost part then). */
  perHour?: number;
  /** What the stack has cost until now. */
  spentSoFar?: number;
  timeZone: string;
}

/** "stops at 22:00 (in 1h 12m), ≈ $4.10 by then": the cost part only where there is a price. */
export function describeStop(at: Date, now: Date, price: PriceView): string {
  const ahead = (at.getTime() - now.getTime()) / 1000;
  const when = ahead > 0 ? `stops at ${formatClock(at, now, price.timeZone)} (in ${formatSpan(ahead)})` : `stops now (it was due at ${formatClock(at, now, price.timeZone)})`;
  if (!price.perHour) return when;
  const byThen = (price.spentSoFar ?? 0) + (Math.max(0, ahead) / 3600) * price.perHour;
  return `${when}, ≈ $${byThen.toFixed(2)} by then`;
}

/** A rule before any run, as the plan says it: "12h after each start", "when it has cost $40"... */
export function describeRule(rule: StopRule, now: Date, price: PriceView): string {
  switch (rule.kind) {
    case 'none':
      return 'runs until stopped (--stop-after none)';
    case 'after': {
      const cost = price.perHour ? `, ≈ $${((rule.seconds / 3600) * price.perHour).toFixed(2)} by then` : '';
      return `stops ${formatSpan(rule.seconds)} after each start${cost}`;
    }
    case 'at':
      return describeStop(new Date(rule.at), now, price);
    case 'budget': {
      if (!price.perHour) return `stops when it has cost $${rule.usd.toFixed(2)}`;
      const seconds = (Math.max(0, rule.usd - (price.spentSoFar ?? 0)) / price.perHour) * 3600;
      return `stops when it has cost $${rule.usd.toFixed(2)}: ${formatSpan(seconds)} after it starts, at ≈ $${price.perHour.toFixed(2)}/hour`;
    }
  }
}

/** Why a budget cannot be used with this hourly price, or undefined. */
export function checkBudget(rule: StopRule, perHour: number | undefined, spent = 0): { message: string; fix: string } | undefined {
  if (rule.kind !== 'budget' || !perHour) return undefined;
  if (spent > 0 && rule.usd <= spent) {
    return { message: `the stack has already cost ≈ $${spent.toFixed(2)}, so a budget of $${rule.usd.toFixed(2)} is spent`, fix: `give a larger budget, e.g. --budget ${Math.ceil(spent + perHour)}` };
  }
  if (spent === 0 && rule.usd < perHour) {
    return { message: `a budget of $${rule.usd.toFixed(2)} is less than the channel's first hour (≈ $${perHour.toFixed(2)})`, fix: `give at least --budget ${Math.ceil(perHour)}, or use --stop-after 30m for a short test` };
  }
  return undefined;
}


/** The plan's line: when the channel will stop and what it will have cost by then, or that nothing stops it. */
export function describePlannedStop(rule: StopRule, target: Target, now: Date, price: PriceView): string {
  const isDefault = JSON.stringify(rule) === JSON.stringify(STOP_DEFAULTS[target]);
  if (rule.kind === 'none') {
    if (target === 'local') return 'runs until stopped ("livestream stop"; --stop-after 2h or --stop-at sets an end)';
    // No stop schedule is made; "livestream schedule" can set one while the event runs.
    return `runs until stopped (--stop-after none)${price.perHour ? `: it bills ≈ $${price.perHour.toFixed(2)}/hour until "livestream stop"` : ''}; no stop schedule is made ("livestream schedule --stop-after 2h" sets one later)`;
  }
  const line = describeRule(rule, now, price);
  return isDefault && target === 'aws' ? `${line} (default; --stop-after none to run until stopped)` : line;
}
