/**
 * What the ffmpeg at hand can do, read from its own `-h full` output (capability detection rather
 * than version-string guessing: static builds say "N-47683-g0e8eb07980-static", distributions say "5.1.x").
 *
 * Why it matters: the npm package @ffmpeg-installer/ffmpeg ships a 2018 static build (~4.1-dev) that
 * lacks options the argument builders use with a modern ffmpeg, e.g.
 *   decoder: "Unrecognized option 'reconnect_on_network_error'" (then "Error splitting the argument list: Option not found")
 *   encoder: "[hls] Invalid keyval name:_480x270" / "Variant stream info update failed" (var_stream_map has no name: key)
 * and whose hls muxer has no `-headers` option: its HTTP PUTs go out without the Authorization header
 * (seen at a test server), and `-auth_type basic` is not passed on to the protocol either.
 * Pure: help text in, capabilities out.
 */
export interface FfmpegCaps {
  /** http protocol `-reconnect_on_network_error` (ffmpeg 4.4+). */
  reconnectOnNetworkError: boolean;
  /** hls demuxer `-m3u8_hold_counters` (ffmpeg 4.3+): end the input when the playlist stops growing. */
  m3u8HoldCounters: boolean;
  /** hls muxer `-ignore_io_errors`. */
  ignoreIoErrors: boolean;
  /** hls muxer `-hls_delete_threshold`. */
  hlsDeleteThreshold: boolean;
  /** hls muxer `-headers`: custom HTTP headers on its PUTs (the write token). */
  hlsHeaders: boolean;
  /**
   * `-var_stream_map` accepts the `name:` key. The help text does not say so; the key and the hls
   * muxer's `-headers` option arrived within the same releases (absent in the 2018 static build,
   * present in 5.1), so `-headers` stands for it. A false "no" only costs the per-rendition outputs,
   * which work with both.
   */
  varStreamMapNames: boolean;
}

/** What the builders assume when told nothing: a modern ffmpeg (5.1, as Debian ships). */
export const MODERN_FFMPEG_CAPS: FfmpegCaps = {
  reconnectOnNetworkError: true,
  m3u8HoldCounters: true,
  ignoreIoErrors: true,
  hlsDeleteThreshold: true,
  hlsHeaders: true,
  varStreamMapNames: true,
};

/** The help sections that tell, by their heading in `ffmpeg -hide_banner -h full`. */
const HTTP = /^http$/;
const HLS_MUXER = /^hls muxer$/;
/** "hls demuxer" in 5.1, "hls,applehttp" in the 2018 build. */
const HLS_DEMUXER = /^hls(?: demuxer|,applehttp)$/;

/** Help text with no option sections at all (not an ffmpeg, or cut short) tells nothing: assume modern. */
export function parseFfmpegCaps(fullHelp: string): FfmpegCaps {
  const sections = readOptionSections(fullHelp);
  if (sections.size === 0) return MODERN_FFMPEG_CAPS;
  const has = (section: RegExp, option: string): boolean =>
    [...sections].some(([name, options]) => section.test(name) && options.has(option));
  const hlsHeaders = has(HLS_MUXER, 'headers');
  return {
    reconnectOnNetworkError: has(HTTP, 'reconnect_on_network_error'),
    m3u8HoldCounters: has(HLS_DEMUXER, 'm3u8_hold_counters'),
    ignoreIoErrors: has(HLS_MUXER, 'ignore_io_errors'),
    hlsDeleteThreshold: has(HLS_MUXER, 'hls_delete_threshold'),
    hlsHeaders,
    varStreamMapNames: hlsHeaders,
  };
}

/** "<name> AVOptions:" headings and the options listed under each ("  -name   <type> ..."). */
export function readOptionSections(text: string): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const line of text.split('\n')) {
    const heading = /^(\S.*) AVOptions:\s*$/.exec(line);
    if (heading) {
      current = sections.get(heading[1]!) ?? new Set<string>();
      sections.set(heading[1]!, current);
      continue;
    }
    if (/^\S/.test(line)) current = undefined;
    const option = /^ {2}-([A-Za-z0-9_]+)\s+</.exec(line);
    if (option && current) current.add(option[1]!);
  }
  return sections;
}
