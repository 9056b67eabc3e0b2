/**
 * Starting the detached daemon and reading its one-line answer. The source password goes over
 * the daemon's stdin, so it appears in no process listing and no environment.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LivestreamError } from '../../../core/errors.js';
import type { Secrets } from '../../../core/spec.js';
import type { DaemonInfo } from './live-status.js';
import type { StackLayout } from './stack-folder.js';

/** Run from dist/ as plain JS; from src/ (tests) through tsx, which vitest's toolchain brings. */
function daemonCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return ['--import', 'tsx', here.replace(/spawn\.ts$/, 'entry.ts')];
  return [here.replace(/spawn\.js$/, 'entry.js')];
}

/**
 * Long enough for a first start on a busy machine: a ladder whose preset is "auto" is calibrated
 * before the daemon answers (seconds, up to about 45 s in the worst case; cached afterwards).
 */
const READY_TIMEOUT_MS = 120_000;

export async function spawnDaemon(a: { stateDir: string; stack: string; secrets: Secrets; layout: StackLayout; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<DaemonInfo> {
  mkdirSync(a.layout.logs, { recursive: true });
  // Anything the daemon prints before its log is open (a crash at import) lands here, not on a closed pipe.
  const errFd = openSync(`${a.layout.logs}/daemon.stderr.log`, 'a', 0o600);
  const child = spawn(process.execPath, [...daemonCommand(), '--state-dir', a.stateDir, '--stack', a.stack], {
    detached: true,
    stdio: ['pipe', 'pipe', errFd],
    env: a.env ?? process.env,
  });
  closeSync(errFd);
  child.stdin!.end(JSON.stringify(a.secrets));

  const answer = await new Promise<{ ready?: DaemonInfo; error?: { code: string; message: string; hint?: string } }>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new LivestreamError('DAEMON_FAILED', `The local stack did not start within ${(a.timeoutMs ?? READY_TIMEOUT_MS) / 1000} s.`, { hint: `See ${a.layout.daemonLog}.` }));
    }, a.timeoutMs ?? READY_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(buf.slice(0, nl)));
        } catch {
          reject(new LivestreamError('DAEMON_FAILED', 'The local stack answered with something unreadable.', { hint: `See ${a.layout.daemonLog}.` }));
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!buf.includes('\n')) reject(new LivestreamError('DAEMON_FAILED', `The local stack exited (code ${code}) before it was ready.`, { hint: `See ${a.layout.logs}/daemon.stderr.log and ${a.layout.daemonLog}.` }));
    });
  });
  child.stdout!.destroy();
  child.unref();
  if (answer.error) {
    throw new LivestreamError(answer.error.code as never, answer.error.message, { hint: answer.error.hint ?? `See ${a.layout.daemonLog}.` });
  }
  return answer.ready!;
}
