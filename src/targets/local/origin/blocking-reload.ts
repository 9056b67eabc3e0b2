/**
 * LL-HLS blocking playlist reload (RFC 8216bis 6.2.5.2), the origin's half.
 *
 * A player that read a playlist ending at part P of segment M asks for the next one with
 * `?_HLS_msn=M&_HLS_part=P+1`, and the server holds the request until the playlist has that part.
 * Without it a player polls (Shaka every PART-TARGET, hls.js once a target duration) and sees a
 * new part up to a poll late; with it the answer leaves the moment the part is listed.
 *
 * The origin stays an object store: it learns where each playlist stands by reading the playlists
 * uploaded to it (they are small, and the writer PUTs one per part), and only a playlist that
 * says CAN-BLOCK-RELOAD=YES is ever held. Pure but for the timers of the holds.
 */

/** Where a media playlist stands, as far as blocking reload is concerned. */
export interface PlaylistPosition {
  /** EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES: only then are requests held. */
  canBlockReload: boolean;
  /** EXT-X-ENDLIST: directives are then ignored (6.2.5.2). */
  ended: boolean;
  targetDurationSeconds: number;
  partTargetSeconds: number | undefined;
  /** The media sequence number of the last whole segment (-1: none yet). */
  lastWholeMsn: number;
  /** The newest part listed: the MSN of its segment and its index in that segment. */
  lastPart: { msn: number; index: number } | undefined;
}

/** What a request's query asks: nothing, a well-formed directive, or a malformed one (400). */
export type DeliveryDirectives =
  | { kind: 'none' }
  | { kind: 'bad'; reason: string }
  | { kind: 'wait-for'; msn: number; part: number | undefined };

/** Read a media playlist's position (undefined: not a media playlist). */
export function readPlaylistPosition(text: string): PlaylistPosition | undefined {
  let mediaSequence = 0;
  let targetDuration: number | undefined;
  let partTarget: number | undefined;
  let canBlockReload = false;
  let ended = false;
  let wholeSegments = 0;
  let partsOfOpenSegment = 0;
  let lastPart: PlaylistPosition['lastPart'];
  let inSegment = false; // an EXTINF seen, its URI line not yet
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-SERVER-CONTROL:')) canBlockReload = /(^|,)CAN-BLOCK-RELOAD=YES(,|$)/.test(line.slice(22));
    else if (line.startsWith('#EXT-X-PART-INF:')) partTarget = Number(/PART-TARGET=([\d.]+)/.exec(line)?.[1]);
    else if (line.startsWith('#EXT-X-PART:')) {
      lastPart = { msn: mediaSequence + wholeSegments, index: partsOfOpenSegment };
      partsOfOpenSegment++;
    } else if (line.startsWith('#EXTINF:')) inSegment = true;
    else if (line === '#EXT-X-ENDLIST') ended = true;
    else if (inSegment && line !== '' && !line.startsWith('#')) {
      inSegment = false;
      wholeSegments++;
      partsOfOpenSegment = 0;
    }
  }
  if (targetDuration === undefined || !(targetDuration > 0) || !Number.isFinite(mediaSequence)) return undefined;
  return {
    canBlockReload,
    ended,
    targetDurationSeconds: targetDuration,
    partTargetSeconds: partTarget !== undefined && partTarget > 0 ? partTarget : undefined,
    lastWholeMsn: mediaSequence + wholeSegments - 1,
    lastPart,
  };
}

const DECIMAL = /^\d{1,15}$/;

/** The `_HLS_msn` / `_HLS_part` directives of a query string. */
export function readDeliveryDirectives(query: string): DeliveryDirectives {
  if (!query.includes('_HLS_')) return { kind: 'none' };
  const params = new URLSearchParams(query);
  const msn = params.get('_HLS_msn');
  const part = params.get('_HLS_part');
  if (msn === null && part === null) return { kind: 'none' };
  if (msn === null) return { kind: 'bad', reason: '_HLS_part without _HLS_msn' };
  if (!DECIMAL.test(msn)) return { kind: 'bad', reason: '_HLS_msn is not a whole number' };
  if (part !== null && !DECIMAL.test(part)) return { kind: 'bad', reason: '_HLS_part is not a whole number' };
  return { kind: 'wait-for', msn: Number(msn), part: part === null ? undefined : Number(part) };
}

export type HoldDecision = 'answer' | 'hold' | { refuse: string };

/**
 * What to do with a directive against a playlist's position: answer now (it is there, or the
 * playlist does not block or has ended), hold, or refuse (400).
 */
export function decideHold(position: PlaylistPosition, d: Extract<DeliveryDirectives, { kind: 'wait-for' }>): HoldDecision {
  if (!position.canBlockReload || position.ended) return 'answer';
  const newestMsn = Math.max(position.lastWholeMsn, position.lastPart?.msn ?? -1);
  // 6.2.5.2: more than two segments ahead, or parts past the Advance Part Limit, SHOULD get 400.
  if (d.msn > newestMsn + 2) return { refuse: `_HLS_msn ${d.msn} is more than two segments past the playlist's last (${newestMsn})` };
  if (d.part !== undefined && position.partTargetSeconds !== undefined && position.lastPart !== undefined) {
    const limit = Math.ceil(3 / position.partTargetSeconds - 1e-6);
    const perSegment = Math.max(1, Math.round(position.targetDurationSeconds / position.partTargetSeconds));
    const ahead = (d.msn - position.lastPart.msn) * perSegment + d.part - position.lastPart.index;
    if (ahead > limit) return { refuse: `_HLS_part ${d.part} is more than ${limit} parts past the playlist's last` };
  }
  return isSatisfied(position, d.msn, d.part) ? 'answer' : 'hold';
}

/**
 * Whether the playlist has segment `msn` (whole), or with `part` that part of it. A part index past
 * the segment's last part means part 0 of the next segment (6.2.5.2): comparing (msn, index) pairs
 * in order gives exactly that, since the next segment's first part is the next pair after the last.
 */
export function isSatisfied(position: PlaylistPosition, msn: number, part: number | undefined): boolean {
  if (position.lastWholeMsn > msn) return true;
  if (part === undefined) return position.lastWholeMsn >= msn;
  const last = position.lastPart;
  return last !== undefined && (last.msn > msn || (last.msn === msn && last.index >= part));
}

/** How long a request may be held: three target durations (6.2.5.2: then 503). */
export function holdLimitMs(position: PlaylistPosition): number {
  return 3 * position.targetDurationSeconds * 1000;
}

export type HoldOutcome = 'ready' | 'timeout' | 'gone' | 'closed';

interface Hold {
  msn: number;
  part: number | undefined;
  settle(outcome: HoldOutcome): void;
}

/** The playlists' positions and the requests held on them. */
export class PlaylistHolds {
  private readonly positions = new Map<string, PlaylistPosition>();
  private readonly holds = new Map<string, Set<Hold>>();

  position(key: string): PlaylistPosition | undefined {
    return this.positions.get(key);
  }

  /** A new version of the playlist at `key` was stored: note where it stands and answer the holds it satisfies. */
  update(key: string, text: string): PlaylistPosition | undefined {
    const position = readPlaylistPosition(text);
    if (position === undefined) {
      this.forget(key);
      return undefined;
    }
    this.positions.set(key, position);
    const waiting = this.holds.get(key);
    if (waiting !== undefined) {
      for (const h of waiting) {
        // Ended, or no longer blocking: everyone gets this playlist now.
        if (!position.canBlockReload || position.ended || isSatisfied(position, h.msn, h.part)) h.settle('ready');
      }
    }
    return position;
  }

  /** The playlist was deleted: its holds end (the request then finds no object: 404). */
  forget(key: string): void {
    this.positions.delete(key);
    for (const h of this.holds.get(key) ?? []) h.settle('gone');
  }

  /** Wait until the playlist at `key` has `msn`/`part`, at most `limitMs`; `cancel` (the client left) ends the wait. */
  wait(key: string, msn: number, part: number | undefined, limitMs: number): { outcome: Promise<HoldOutcome>; cancel(): void } {
    let set = this.holds.get(key);
    if (set === undefined) this.holds.set(key, (set = new Set()));
    const holds = set;
    let hold!: Hold;
    const outcome = new Promise<HoldOutcome>((resolve) => {
      const timer = setTimeout(() => hold.settle('timeout'), limitMs);
      hold = {
        msn,
        part,
        settle: (o) => {
          clearTimeout(timer);
          holds.delete(hold);
          if (holds.size === 0 && this.holds.get(key) === holds) this.holds.delete(key);
          resolve(o);
        },
      };
      holds.add(hold);
    });
    return { outcome, cancel: () => hold.settle('closed') };
  }

  /** Requests held now (all playlists). */
  get held(): number {
    let n = 0;
    for (const s of this.holds.values()) n += s.size;
    return n;
  }

  /** End every hold (the origin is closing). */
  close(): void {
    for (const s of [...this.holds.values()]) for (const h of [...s]) h.settle('closed');
  }
}
