/**
 * Turning command-line options into the validated things the engine needs: the spec, the
 * secrets, the ladder and the state store. Only the loaders here touch stdin, env and disk.
 */
import path from 'node:path';
import { LivestreamError, formatProblems } from '../core/errors.js';
import { loadProfile } from '../core/profiles.js';
import { applyLatency, resolveLatency } from '../core/latency.js';
import { checkSrtPassphrase, validateSpec, type RawSpec, type Secrets, type SpecClock, type StackSpec } from '../core/spec.js';
import { StateStore } from '../core/state.js';
import type { Ladder } from '../core/ladder.js';

export interface GlobalOptions {
  stateDir?: string;
  json?: boolean;
  debug?: boolean;
  yes?: boolean;
}

/**
 * Commander options of `up` / `plan` (camel-cased by commander): the raw spec's fields, one flag
 * each, except the source password, which never is a flag (it comes from stdin or the environment).
 */
export interface SpecOptions extends GlobalOptions, Omit<RawSpec, 'sourcePassword' | 'srtPassphrase'> {
  sourcePasswordStdin?: boolean;
  srtPassphraseStdin?: boolean;
}

export const DEFAULT_STATE_DIR = '.livestream';

export function openStore(opts: GlobalOptions & { stack?: string }): StateStore {
  return new StateStore(path.resolve(opts.stateDir ?? DEFAULT_STATE_DIR), opts.stack ?? 'livestream');
}

/** The source password (stdin or LIVESTREAM_SOURCE_PASSWORD) or the SRT passphrase (stdin); never echoed. */
export async function readSecrets(opts: SpecOptions, env: NodeJS.ProcessEnv = process.env, stdin: NodeJS.ReadableStream = process.stdin): Promise<Secrets> {
  if (opts.sourcePasswordStdin && opts.srtPassphraseStdin) {
    throw new LivestreamError('SPEC_INVALID', '--source-password-stdin and --srt-passphrase-stdin both want stdin.', { hint: 'Give the one your input uses: a source password is for URL_PULL, a passphrase for SRT.' });
  }
  if (opts.srtPassphraseStdin) {
    const passphrase = await readLine(stdin);
    if (!passphrase) throw new LivestreamError('SPEC_INVALID', '--srt-passphrase-stdin was given but stdin was empty.', { hint: 'Pipe the passphrase in: printf %s "$PASSPHRASE" | livestream up ...' });
    const why = checkSrtPassphrase(passphrase);
    if (why) throw new LivestreamError('SPEC_INVALID', `The passphrase on stdin cannot be used: ${why}.`, { hint: 'Pipe a passphrase of 10 to 79 printable characters without spaces, or leave out --srt-passphrase-stdin to have one made.' });
    return { srtPassphrase: passphrase };
  }
  if (opts.sourcePasswordStdin) {
    const password = await readLine(stdin);
    if (!password) throw new LivestreamError('SPEC_INVALID', '--source-password-stdin was given but stdin was empty.', { hint: 'Pipe the password in: printf %s "$PASS" | livestream up ...' });
    return { sourcePassword: password };
  }
  const fromEnv = env.LIVESTREAM_SOURCE_PASSWORD;
  return fromEnv ? { sourcePassword: fromEnv } : {};
}

/** All of stdin, less one trailing newline. */
async function readLine(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** The spec's fields pass through as they are; only the password becomes "one was given". */
export function toRawSpec(opts: SpecOptions, secrets: Secrets): RawSpec {
  const { stateDir: _stateDir, json: _json, debug: _debug, yes: _yes, sourcePasswordStdin: _stdin, srtPassphraseStdin: _srtStdin, ...raw } = opts;
  return { ...raw, sourcePassword: Boolean(secrets.sourcePassword), ...(secrets.srtPassphrase ? { srtPassphrase: true } : {}) };
}

/** This machine's clock and time zone: what --stop-at is read against and times are shown in. */
export function machineClock(): SpecClock {
  return { now: new Date(), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' };
}

/** Validate, or throw one error that lists every problem with its fix. */
export function requireValidSpec(raw: RawSpec): StackSpec {
  const { spec, problems } = validateSpec(raw, { clock: machineClock() });
  if (!spec) {
    throw new LivestreamError('SPEC_INVALID', `The options do not describe a stack livestream can build:\n${formatProblems(problems)}`, {
      hint: 'Fix the options above; "livestream up --help" lists them all.',
      details: { problems },
    });
  }
  return spec;
}

/** A ladder path is stored absolute so later commands find it from any folder. */
export async function resolveLadder(spec: StackSpec): Promise<{ spec: StackSpec; ladder: Ladder }> {
  // The ladder is stored as the latency mode encodes it (1 s segments for low): both targets read only the ladder.
  const written = await loadProfile(spec.profile);
  const ladder = applyLatency(written, resolveLatency(spec.latency, written));
  const builtin = ['HD-1080p', 'HD-720p', 'SD-540p'].includes(spec.profile);
  return { spec: builtin ? spec : { ...spec, profile: path.resolve(spec.profile) }, ladder };
}
