/**
 * SRT_LISTENER: the user's encoder calls srt://<listen>:<srtPort>?streamid=<stack> with the stack's
 * passphrase. The SRT gate owns the public UDP port (CIDR allow-list, both directions relayed) and
 * the decoder ffmpeg listens on a loopback port chosen once at start, reading the owner-only ffconcat
 * list that holds the passphrase (srt-args.ts). ffmpeg's listener takes one caller and its input ends
 * when that caller leaves; the supervisor starts it again, so a publisher that comes back is taken
 * again while the slate covers the gap. The stream id is MediaLive's habit; the decoder ignores it.
 */
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { Ingest, IngestOptions } from './types.js';
import { SINGLE_INPUT_STREAMS } from './types.js';
import { findFreeUdpPort } from './ports.js';
import { startSrtGate } from './srt-gate.js';
import { buildSrtInputArgs, writeSrtConcatList } from './srt-args.js';
import { PassphraseRefusals } from './srt-refusals.js';
import { chooseDisplayHost } from '../plumbing/display-host.js';
import { explainListenError } from '../plumbing/listen.js';
import { LivestreamError } from '../../../core/errors.js';

/** An SRT peer heard within this window means "connected" (SRT sends keep-alives every second). */
export const SRT_LIVE_MS = 3_000;

/** What the encoder is told to call (the passphrase goes separately: it is never in a URL we show or store). */
export function buildSrtPushEndpoint(host: string, port: number, stack: string): string {
  return `srt://${host.includes(':') ? `[${host}]` : host}:${port}?streamid=${encodeURIComponent(stack)}`;
}

export async function startSrtListenerIngest(opts: IngestOptions): Promise<Ingest> {
  const log = opts.log ?? (() => {});
  const { spec } = opts;
  const srt = spec.srt;
  const passphrase = opts.secrets.srtPassphrase;
  if (!srt || !passphrase) {
    throw new LivestreamError('INTERNAL', 'SRT_LISTENER needs its passphrase, which the stack folder should hold.', { hint: `Run "livestream down --stack ${spec.stack}", then "livestream up" again to make a new one.` });
  }
  const { listen, srtPort: port } = spec.local;
  const internalPort = await findFreeUdpPort();
  const listFile = path.join(opts.workDir, 'srt-input.ffconcat');
  await writeSrtConcatList(listFile, { host: '127.0.0.1', port: internalPort, mode: 'listener', latencyMs: srt.latencyMs, passphrase });
  const gate = await startSrtGate({ host: listen, port, cidrs: spec.cidrs, targetPort: internalPort, label: 'SRT', log })
    .catch(async (err: unknown) => {
      await rm(listFile, { force: true });
      throw explainListenError(err, 'The SRT input', listen, port, 'a free --srt-port');
    });
  const refusals = new PassphraseRefusals('SRT', log);
  const host = chooseDisplayHost(listen, networkInterfaces());
  return {
    inputArgs: () => buildSrtInputArgs(listFile),
    watchDecoderLine: (line) => refusals.watch(line),
    pushEndpoint: buildSrtPushEndpoint(host, gate.port, spec.stack),
    streams: SINGLE_INPUT_STREAMS,
    state: () => {
      const remote = gate.publisher(SRT_LIVE_MS);
      return {
        connected: remote !== undefined,
        ...(remote !== undefined ? { remote } : {}),
        refused: gate.refused(),
        ...(gate.lastRefused() ? { lastRefused: gate.lastRefused() } : {}),
        ...refusals.state(),
        bytesIn: gate.bytesIn(),
      };
    },
    close: async () => {
      await gate.close();
      await rm(listFile, { force: true });
    },
  };
}
