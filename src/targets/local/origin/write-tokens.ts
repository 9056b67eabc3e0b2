import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Who may do what at the origin. The stack credential reads and writes everything (the edge and
 * the daemon hold it); a write token, scoped to one key prefix and revocable, is what goes on
 * ffmpeg's command line, so `ps` never shows the stack credential.
 */
export type Grant = { kind: 'credential' } | { kind: 'token'; prefix: string } | { kind: 'none' } | { kind: 'invalid' };

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The secret in "Bearer <secret>", or the password of "Basic base64(user:password)" (ffmpeg sends Basic for http://user:pass@host/). */
export function readSecret(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const space = authorization.indexOf(' ');
  if (space === -1) return undefined;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

export class AccessControl {
  private readonly credentialDigest: Buffer;
  private readonly tokens = new Map<string, string>();
  /** Bound, so a runaway caller cannot grow the map forever. */
  private readonly maxTokens = 1024;

  constructor(credential: string) {
    if (credential.length < 16) throw new Error('The origin credential must be at least 16 characters.');
    this.credentialDigest = digest(credential);
  }

  issue(prefix: string): { token: string; revoke(): void } {
    const normalised = prefix.replace(/^\/+/, '');
    if (this.tokens.size >= this.maxTokens) {
      const oldest = this.tokens.keys().next().value;
      if (oldest !== undefined) this.tokens.delete(oldest);
    }
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, normalised);
    return { token, revoke: () => void this.tokens.delete(token) };
  }

  grantFor(authorization: string | undefined): Grant {
    const secret = readSecret(authorization);
    if (secret === undefined) return authorization === undefined ? { kind: 'none' } : { kind: 'invalid' };
    if (timingSafeEqual(digest(secret), this.credentialDigest)) return { kind: 'credential' };
    const prefix = this.tokens.get(secret);
    return prefix === undefined ? { kind: 'invalid' } : { kind: 'token', prefix };
  }
}

/** May this grant write (PUT/DELETE) the object `key`? */
export function canWrite(grant: Grant, key: string): boolean {
  return grant.kind === 'credential' || (grant.kind === 'token' && key !== '' && key.startsWith(grant.prefix));
}

/** Reading (GET/HEAD/list) is for the credential holder: the edge. */
export function canRead(grant: Grant): boolean {
  return grant.kind === 'credential';
}
