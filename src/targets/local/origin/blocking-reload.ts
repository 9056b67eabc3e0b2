/**
 * LL-HLS blocking playlist reload (RFC 8216bis 6.2.5.2) and preload hints (6.2.6), the origin's half.
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
  /** EXT-X-PRELOAD-HINT:TYPE=PART's URI, as written (relative to the playlist). */
  preloadHintUri: string | undefined;
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
  let preloadHintUri: string | undefined;
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
    } else if (line.startsWith('#EXT-X-PRELOAD-HINT:') && /(^|,)TYPE=PART(,|$)/.test(line.slice(20))) {
      preloadHintUri = /(?:^|,)URI="([^"]+)"/.exec(line.slice(20))?.[1];
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
    preloadHintUri,
  };
}

/** The object key a URI in the playlist at `playlistKey` names, if it is on this origin (a relative URI). */
export function resolveObjectKey(playlistKey: string, uri: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(uri)) return undefined; // absolute: another server's
  try {
    const resolved = new URL(uri, `http://origin/${playlistKey}`).pathname;
    return decodeURIComponent(resolved).slice(1);
  } catch {
    return undefined;
  }
}

/** The object keys of the parts (EXT-X-PART) a media playlist at `playlistKey` lists. */
function listedPartKeys(playlistKey: string, text: string): Set<string> {
  const keys = new Set<string>();
  for (const m of text.matchAll(/^#EXT-X-PART:(?:.*?,)?URI="([^"]+)"/gm)) {
    const key = resolveObjectKey(playlistKey, m[1]!);
    if (key !== undefined) keys.add(key);
  }
  return keys;
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
  // 6.2.5.2: more than two segments past the last, or parts past the Advance Part Limit, SHOULD get
  // 400. The last segment counted here is the one being written when it has parts (one more than
  // the last whole one): a player may ask for the part after it without being refused.
  const newestMsn = Math.max(position.lastWholeMsn, position.lastPart?.msn ?? -1);
  if (d.msn > newestMsn + 2) return { refuse: `_HLS_msn ${d.msn} is more than two segments past the playlist's last (${newestMsn})` };
  if (d.part !== undefined && position.partTargetSeconds !== undefined && position.lastPart !== undefined) {
    // The Advance Part Limit: three divided by PART-TARGET below a second, else three.
    const pt = position.partTargetSeconds;
    const limit = pt < 1 ? 3 / pt : 3;
    const perSegment = Math.max(1, Math.round(position.targetDurationSeconds / pt));
    const ahead = (d.msn - position.lastPart.msn) * perSegment + d.part - position.lastPart.index;
    if (ahead > limit) return { refuse: `_HLS_part ${d.part} is more than ${limit.toFixed(2)} parts (3 s) past the playlist's last` };
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

/** What a caller gets for a request it holds: how the hold ended, and a way to end it early (the viewer left). */
export interface HeldRequest {
  outcome: Promise<HoldOutcome>;
  cancel(): void;
}

interface Waiter<T> {
  data: T;
  settle(outcome: HoldOutcome): void;
}

/** Requests held under a key, each answered once: when settled, at its time limit, or when cancelled. */
class WaitList<T> {
  private readonly byKey = new Map<string, Set<Waiter<T>>>();

  add(key: string, data: T, limitMs: number): HeldRequest {
    let set = this.byKey.get(key);
    if (set === undefined) this.byKey.set(key, (set = new Set()));
    const waiters = set;
    let waiter!: Waiter<T>;
    const outcome = new Promise<HoldOutcome>((resolve) => {
      const timer = setTimeout(() => waiter.settle('timeout'), limitMs);
      waiter = {
        data,
        settle: (o) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (waiters.size === 0 && this.byKey.get(key) === waiters) this.byKey.delete(key);
          resolve(o);
        },
      };
      waiters.add(waiter);
    });
    return { outcome, cancel: () => waiter.settle('closed') };
  }

  /** Answer the requests held under `key` (those `which` picks) with `outcome`. */
  settle(key: string, outcome: HoldOutcome, which: (data: T) => boolean = () => true): void {
    for (const w of [...(this.byKey.get(key) ?? [])]) if (which(w.data)) w.settle(outcome);
  }

  /** Whether any request is held under `key`. */
  holds(key: string): boolean {
    return this.byKey.has(key);
  }

  settleAll(outcome: HoldOutcome): void {
    for (const key of [...this.byKey.keys()]) this.settle(key, outcome);
  }

  get size(): number {
    let n = 0;
    for (const set of this.byKey.values()) n += set.size;
    return n;
  }
}

/**
 * The playlists' positions and the requests held on them: reloads until the playlist lists their
 * part, and GETs of a hinted part until its upload is complete (6.2.6: a hinted URI must be
 * requestable as soon as the hint appears). The origin stores whole objects only, so the answer
 * then comes at once, whole.
 */
export class PlaylistHolds {
  private readonly positions = new Map<string, PlaylistPosition>();
  /** Reloads, by playlist, with the segment and part each waits for. */
  private readonly reloads = new WaitList<{ msn: number; part: number | undefined }>();
  /** GETs of a hinted part, by the part's key, held until it is stored. */
  private readonly parts = new WaitList<undefined>();
  /** Playlist -> the part it hints, and back. */
  private readonly hintOf = new Map<string, string>();
  private readonly hinted = new Map<string, string>();

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
    const hintedBefore = this.hintOf.get(key);
    this.setHint(key, position);
    // A part that was hinted and is now neither listed nor hinted will never be uploaded: a
    // restarted encoder goes on from the number after it (media-playlist.ts nextFileNumber). Its
    // held GETs get their 404 now, not three target durations later (Shaka waited those out
    // without fetching anything else, and its buffer ran dry).
    // (Read only when someone waits: this runs on every playlist upload, several a second.)
    if (hintedBefore !== undefined && hintedBefore !== this.hintOf.get(key) && this.parts.holds(hintedBefore) && !listedPartKeys(key, text).has(hintedBefore)) {
      this.parts.settle(hintedBefore, 'gone');
    }
    this.positions.set(key, position);
    // Ended, or no longer blocking: everyone gets this playlist now.
    const answerAll = !position.canBlockReload || position.ended;
    this.reloads.settle(key, 'ready', (h) => answerAll || isSatisfied(position, h.msn, h.part));
    return position;
  }

  /** The playlist was deleted: its holds, and those on the part it hinted, end (the request then finds no object: 404). */
  forget(key: string): void {
    const hintKey = this.hintOf.get(key);
    this.setHint(key, undefined);
    this.positions.delete(key);
    this.reloads.settle(key, 'gone');
    if (hintKey !== undefined) this.parts.settle(hintKey, 'gone');
  }

  /** How long a GET of the missing object `key` may be held: a hinted part's, 3 target durations; undefined: not hinted. */
  hintedPartLimitMs(key: string): number | undefined {
    const playlist = this.hinted.get(key);
    const position = playlist === undefined ? undefined : this.positions.get(playlist);
    return position === undefined ? undefined : holdLimitMs(position);
  }

  /** Wait until the hinted part `key` is stored ('ready'), at most `limitMs`; `cancel` (the client left) ends the wait. */
  waitForPart(key: string, limitMs: number): HeldRequest {
    return this.parts.add(key, undefined, limitMs);
  }

  /** An object was stored: the requests held for it (a hinted part) can have it now. */
  stored(key: string): void {
    this.parts.settle(key, 'ready');
  }

  /** Wait until the playlist at `key` has `msn`/`part`, at most `limitMs`; `cancel` (the client left) ends the wait. */
  wait(key: string, msn: number, part: number | undefined, limitMs: number): HeldRequest {
    return this.reloads.add(key, { msn, part }, limitMs);
  }

  /** Requests held now (reloads and hinted parts). */
  get held(): number {
    return this.reloads.size + this.parts.size;
  }

  /** End every hold (the origin is closing). */
  close(): void {
    this.reloads.settleAll('closed');
    this.parts.settleAll('closed');
  }

  /** Note the part a playlist now hints (none once it has ended or does not block). */
  private setHint(playlistKey: string, position: PlaylistPosition | undefined): void {
    const old = this.hintOf.get(playlistKey);
    if (old !== undefined && this.hinted.get(old) === playlistKey) this.hinted.delete(old);
    this.hintOf.delete(playlistKey);
    const uri = position !== undefined && position.canBlockReload && !position.ended ? position.preloadHintUri : undefined;
    const next = uri === undefined ? undefined : resolveObjectKey(playlistKey, uri);
    if (next === undefined) return;
    this.hinted.set(next, playlistKey);
    this.hintOf.set(playlistKey, next);
  }
}
