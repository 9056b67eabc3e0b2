/**
 * Reading a live HLS output the way a player does, for the end-to-end tests: parse media playlists,
 * poll them while something happens to the source, and check the timeline never goes backwards.
 */

export interface MediaSegment {
  uri: string;
  /** EXTINF, seconds. */
  duration: number;
  /** The number in the segment's name (index_480x270_00012.ts -> 12). */
  number: number;
  /** Its EXT-X-PROGRAM-DATE-TIME as written, if any. */
  programDateTime?: string;
  /** An EXT-X-DISCONTINUITY tag comes before it. */
  discontinuity: boolean;
}

export interface MediaPlaylist {
  mediaSequence: number;
  segments: MediaSegment[];
  discontinuities: number;
  /** EXT-X-DISCONTINUITY-SEQUENCE (0 when absent, as RFC 8216 says). */
  discontinuitySequence: number;
  targetDuration: number;
  ended: boolean;
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const seq = lines.find((l) => l.startsWith('#EXT-X-MEDIA-SEQUENCE:'));
  const segments: MediaSegment[] = [];
  let duration: number | undefined;
  let programDateTime: string | undefined;
  let discontinuity = false;
  for (const line of lines) {
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) programDateTime = line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length);
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line !== '' && !line.startsWith('#') && duration !== undefined) {
      const n = /_(\d+)\.ts(?:\?.*)?$/.exec(line);
      segments.push({ uri: line, duration, number: n ? Number(n[1]) : Number.NaN, ...(programDateTime ? { programDateTime } : {}), discontinuity });
      duration = undefined;
      programDateTime = undefined;
      discontinuity = false;
    }
  }
  const tag = (name: string): number | undefined => {
    const line = lines.find((l) => l.startsWith(`#${name}:`));
    return line === undefined ? undefined : Number(line.slice(name.length + 2));
  };
  return {
    mediaSequence: seq ? Number(seq.split(':')[1]) : 0,
    segments,
    discontinuities: lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length,
    discontinuitySequence: tag('EXT-X-DISCONTINUITY-SEQUENCE') ?? 0,
    targetDuration: tag('EXT-X-TARGETDURATION') ?? Number.NaN,
    ended: lines.includes('#EXT-X-ENDLIST'),
  };
}

/** One poll of one playlist: what a player saw at that moment. */
export interface PlaylistSample {
  url: string;
  at: number;
  status: number;
  playlist?: MediaPlaylist;
}

export interface PlaylistWatch {
  samples: PlaylistSample[];
  /** The highest segment number seen so far in `url`'s playlist (0 if none). */
  newest(url: string): number;
  stop(): Promise<PlaylistSample[]>;
}

/** Polls each URL every `everyMs` until stopped (a fetch that fails is recorded with status 0). */
export function watchPlaylists(urls: string[], everyMs = 1_000): PlaylistWatch {
  const samples: PlaylistSample[] = [];
  let running = true;
  const pollOne = async (url: string): Promise<void> => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      samples.push({ url, at: Date.now(), status: res.status, ...(res.ok ? { playlist: parseMediaPlaylist(text) } : {}) });
    } catch {
      samples.push({ url, at: Date.now(), status: 0 });
    }
  };
  const loop = (async () => {
    while (running) {
      await Promise.all(urls.map(pollOne));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    samples,
    newest: (url) => Math.max(0, ...samples.filter((s) => s.url === url).flatMap((s) => s.playlist?.segments.map((g) => g.number) ?? [])),
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/**
 * What a player would trip over in one URL's samples, as readable strings (empty = fine): a failed
 * fetch, a media sequence going backwards, segments not numbered one after another, a media sequence
 * not matching the first segment, or a segment number that was skipped between two polls.
 */
export function findTimelineProblems(samples: PlaylistSample[]): string[] {
  const problems: string[] = [];
  let lastSeq = -1;
  const seen = new Set<number>();
  for (const s of samples) {
    if (!s.playlist) {
      problems.push(`${s.url}: HTTP ${s.status} at ${new Date(s.at).toISOString()}`);
      continue;
    }
    const { mediaSequence, segments } = s.playlist;
    if (mediaSequence < lastSeq) problems.push(`${s.url}: media sequence went back from ${lastSeq} to ${mediaSequence}`);
    lastSeq = Math.max(lastSeq, mediaSequence);
    segments.forEach((g, i) => {
      if (i > 0 && g.number !== segments[i - 1]!.number + 1) problems.push(`${s.url}: segment ${g.number} follows ${segments[i - 1]!.number}`);
      seen.add(g.number);
    });
    if (segments.length > 0 && segments[0]!.number !== mediaSequence) {
      problems.push(`${s.url}: media sequence ${mediaSequence} but first segment ${segments[0]!.number}`);
    }
  }
  const numbers = [...seen].sort((a, b) => a - b);
  for (let i = 1; i < numbers.length; i++) {
    if (numbers[i] !== numbers[i - 1]! + 1) problems.push(`segments ${numbers[i - 1]! + 1}..${numbers[i]! - 1} never appeared in any playlist`);
  }
  return problems;
}

/** Polls `check` until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, timeoutMs = 45_000, everyMs = 250): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
