/**
 * SRT_CALLER: the decoder ffmpeg calls the user's SRT listener (--source-url srt://HOST:PORT, with
 * its stream id), with the passphrase when one was given, through the owner-only ffconcat list
 * (srt-args.ts). A listener that is away or leaves ends the decoder; the supervisor calls again
 * every second while the slate shows. Nothing listens here, so there is no gate and no --cidr.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { Ingest, IngestOptions } from './types.js';
import { SINGLE_INPUT_STREAMS } from './types.js';
import { buildSrtInputArgs, writeSrtConcatList } from './srt-args.js';
import { PassphraseRefusals } from './srt-refusals.js';
import { LivestreamError } from '../../../core/errors.js';

/** ffmpeg's SRT caller failing: "Connection to srt://... failed: ..." or the list's entry failing to open. */
const CALL_FAILED = /Connection to srt:\/\/\S+ failed: (.*)$|Impossible to open '[^']*'/;

export async function startSrtCallerIngest(opts: IngestOptions): Promise<Ingest> {
  const log = opts.log ?? (() => {});
  const { spec } = opts;
  const srt = spec.srt;
  if (!srt || !spec.sourceUrl) throw new LivestreamError('INTERNAL', 'SRT_CALLER needs --source-url srt://HOST:PORT.');
  const passphrase = opts.secrets.srtPassphrase;
  if (srt.passphrase !== 'none' && !passphrase) {
    throw new LivestreamError('INTERNAL', 'SRT_CALLER was given a passphrase, which the stack folder should hold.', { hint: `Run "livestream up --stack ${spec.stack} --srt-passphrase-stdin" and pipe it again.` });
  }
  const url = new URL(spec.sourceUrl);
  const listFile = path.join(opts.workDir, 'srt-input.ffconcat');
  await writeSrtConcatList(listFile, {
    host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port), mode: 'caller', latencyMs: srt.latencyMs,
    ...(srt.streamId !== undefined ? { streamId: srt.streamId } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
  });
  const refusals = new PassphraseRefusals('SRT', log);
  let lastError: string | undefined;
  let callStartedAtMs = 0;
  return {
    inputArgs: () => {
      callStartedAtMs = Date.now();
      return buildSrtInputArgs(listFile);
    },
    watchDecoderLine: (line) => {
      refusals.watch(line);
      const failed = CALL_FAILED.exec(line);
      if (failed) lastError = `calling ${url.host} failed${failed[1] ? `: ${failed[1]}` : ''} at ${new Date().toISOString()}`;
    },
    streams: SINGLE_INPUT_STREAMS,
    state: () => ({
      // The decoder logs nothing when a call succeeds (its level is "warning"): whether frames come is
      // the encoder supervisor's to say, and `status` shows its view of the input over this one.
      connected: false,
      ...(callStartedAtMs ? { remote: url.host } : {}),
      refused: 0,
      ...refusals.state(),
      ...(lastError ? { lastError } : {}),
    }),
    close: async () => {
      await rm(listFile, { force: true });
    },
  };
}
