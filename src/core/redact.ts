/**
 * The one redactor: secrets never reach the terminal, a log or an error message. Pure: text (and
 * the secret values the caller knows of) in, text out. The CLI, the AWS error messages and the
 * local encoder's logs all pass through it, so one rule added here covers every place.
 *
 * What it masks:
 * - secret values the caller passes (source passwords, write tokens, header values), anywhere;
 * - URL credentials: scheme://user:password@host and scheme://token@host;
 * - secret query parameters: any name holding token, key, secret, pass, auth or signature, and sig;
 * - Authorization headers and Bearer tokens.
 */

export const MASK = '***';

/** Shorter values are too likely to occur by chance ("1", "on") to be masked wherever they appear. */
const MIN_SECRET_LENGTH = 4;

/** Query parameter names whose values are secrets (token, apiKey, passphrase, X-Amz-Signature, auth, sig). */
const SECRET_PARAM = /^(?:sig|.*(?:token|key|secret|pass|auth|signature).*)$/i;

/** The credentials of a URL: everything between "//" and the last "@" before the path or query. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s?#'"]+@/gi;

/** A query parameter: its lead-in ("?" or "&"), name and value (up to the next separator or quote). */
const QUERY_PARAM = /([?&])([^=&\s#'"]+)=([^&\s#'"\\]+)/g;

const BEARER = /(Bearer\s+)[^\s\\"']+/gi;
/** An Authorization header's value, with or without its scheme word (Basic, Digest, ...). */
const AUTHORIZATION = /(Authorization\s*:\s*(?:[A-Za-z]+\s+)?)[^\s\\"']+/gi;

export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first: a secret that contains another is masked whole.
  const known = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const s of known) out = out.split(s).join(MASK);
  return out
    .replace(BEARER, `$1${MASK}`)
    .replace(AUTHORIZATION, `$1${MASK}`)
    .replace(URL_USERINFO, `$1${MASK}@`)
    .replace(QUERY_PARAM, (all, lead: string, name: string) => (SECRET_PARAM.test(name) ? `${lead}${name}=${MASK}` : all));
}

/** One URL to show people: written as the URL parser writes it (as the CLI always has), then redacted. */
export function redactUrl(url: string, secrets: readonly string[] = []): string {
  let text = url;
  try {
    text = new URL(url).toString();
  } catch {
    // Not a URL: redact it as text.
  }
  return redactText(text, secrets);
}

/** Arguments as one loggable line, each redacted, quoted when they contain spaces or quotes. */
export function redactArgs(args: readonly string[], secrets: readonly string[] = []): string {
  return args
    .map((a) => redactText(a, secrets))
    .map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a))
    .join(' ');
}
