/**
 * The burned-in wall clock of the demo sources, so glass-to-glass latency can be read off the player
 * (compare with the viewer's clock). drawtext's %{localtime} has no milliseconds, and mixing it with the
 * stream time `t` gives a millisecond part unrelated to the seconds; instead the clock is
 * `%{pts:hms:<offset>}` with offset = UTC time of day when the generator starts, so it reads
 * HH:MM:SS.mmm in UTC. Off by the generator's start-up delay (a few hundred ms at most); hours
 * run past 24 if the demo runs across midnight.
 */
export const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf',
  '/Library/Fonts/Arial.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
];

/** The first candidate font that exists, or undefined (then the demo has no clock). */
export function chooseFont(exists: (path: string) => boolean, candidates: readonly string[] = FONT_CANDIDATES): string | undefined {
  return candidates.find((p) => exists(p));
}

/** Seconds since UTC midnight, with milliseconds, for the hms offset. */
export function clockOffsetSeconds(startMs: number): string {
  const msOfDay = ((startMs % 86_400_000) + 86_400_000) % 86_400_000;
  return (msOfDay / 1000).toFixed(3);
}

/**
 * The drawtext filter. Escaping: `\:` keeps the colons of %{pts:hms:...} from ending the option, and
 * the value is single-quoted for the filtergraph parser; the font path is quoted the same way
 * (paths with a quote are not supported).
 */
export function buildClockFilter(fontFile: string, startMs: number, fontSize: number): string {
  const text = `UTC %{pts\\:hms\\:${clockOffsetSeconds(startMs)}}`;
  return `drawtext=fontfile='${fontFile}':text='${text}':x=(w-text_w)/2:y=h/12:fontsize=${fontSize}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=12`;
}
