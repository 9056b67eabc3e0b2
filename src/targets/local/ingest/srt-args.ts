/**
 * How the decoder ffmpeg reads SRT without the passphrase on its command line (which every user of
 * the machine can read in `ps`): the srt:// input is the one entry of an ffconcat list, an owner-only
 * file in the work folder, whose `option` lines ffmpeg applies when it opens the entry. ffmpeg 5.1
 * has no other way to take a protocol option from a file (its `-/opt file` syntax arrived in 7.0 and
 * does not reach protocol options). Checked with ffmpeg 5.1: the right passphrase delivers TS, a
 * wrong one is refused ("Incorrect passphrase" in the log). The list ends when the SRT peer leaves,
 * so the encoder supervisor restarts the decoder, as for RTMP's one-shot `-listen 1`.
 */
import { writeFile, rm } from 'node:fs/promises';

export interface SrtReadOptions {
  /** Whom to listen as, or whom to call: e.g. srt://127.0.0.1:40555. */
  host: string;
  port: number;
  mode: 'listener' | 'caller';
  latencyMs: number;
  streamId?: string;
  passphrase?: string;
}

/**
 * The ffconcat list. ffmpeg's `latency` is in MICROseconds (libsrt, GStreamer and MediaLive count
 * ms). Values are quoted as ffmpeg's tokenizer reads them ('...', with ' written '\''), so a
 * passphrase or stream id may hold any printable character; the URL carries none of them (ffmpeg 5.1
 * does not percent-decode srt:// query values).
 */
export function buildSrtConcatList(o: SrtReadOptions): string {
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const lines = [
    'ffconcat version 1.0',
    `file ${quoteToken(`srt://${host}:${o.port}`)}`,
    `option mode ${o.mode}`,
    `option latency ${o.latencyMs * 1000}`,
    // ffmpeg's srt:// as a caller gives up after 3 s by default; it is restarted anyway.
    ...(o.streamId !== undefined ? [`option streamid ${quoteToken(o.streamId)}`] : []),
    ...(o.passphrase !== undefined ? [`option passphrase ${quoteToken(o.passphrase)}`] : []),
  ];
  return lines.join('\n') + '\n';
}

/** The decoder's input arguments: the list above, allowed to open srt:// (and the UDP under it). */
export function buildSrtInputArgs(listFile: string): string[] {
  return ['-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,srt,udp', '-i', listFile];
}

/** Writes the list owner-only (it may hold the passphrase), replacing any left by an earlier run. */
export async function writeSrtConcatList(file: string, o: SrtReadOptions): Promise<void> {
  await rm(file, { force: true });
  await writeFile(file, buildSrtConcatList(o), { mode: 0o600, flag: 'wx' });
}

/**
 * libsrt's own log line for a handshake refused for its passphrase: the listener's
 * "processConnectRequest: rsp(REJECT): 1010 - Incorrect passphrase", the caller's
 * "processAsyncConnectRequest: REJECT reported from HS processing: Incorrect passphrase - ...".
 * One line per refused attempt on either side (libsrt 1.5.1, Debian 12).
 */
export function isPassphraseRefusal(line: string): boolean {
  return /REJECT.*Incorrect passphrase/.test(line);
}

function quoteToken(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}
