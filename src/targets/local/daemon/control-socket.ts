/**
 * The daemon's control channel: one JSON request and one JSON answer per connection over a unix
 * socket in the stack folder (owner-only), so no port is opened and no token is needed.
 */
import net from 'node:net';
import { chmod, rm } from 'node:fs/promises';
import { LivestreamError } from '../../../core/errors.js';
import type { DaemonInfo, LiveStatus } from './live-status.js';
import type { StopTimerState } from './stop-timer.js';

/** Each command and what the daemon answers to it. */
export interface ControlReplies {
  status: { info: DaemonInfo; live: LiveStatus; schedule: StopTimerState };
  start: LiveStatus;
  stop: LiveStatus;
  /** Set (at: ISO) or clear (no at) the end of the current run. */
  schedule: StopTimerState;
  shutdown: { stopping: true };
}

export type ControlCommand = keyof ControlReplies;

/** The commands that take arguments, and which. */
export interface ControlArgs {
  schedule: { at?: string };
}

export type ArgsOf<C extends ControlCommand> = C extends keyof ControlArgs ? ControlArgs[C] : undefined;

export interface ControlRequest {
  command: ControlCommand;
  args?: unknown;
}

/** A handler gets its command's arguments as a connection sent them: it checks them itself. */
export type ControlHandlers = { [C in ControlCommand]: (args: unknown) => Promise<ControlReplies[C]> };

export type ControlAnswer = { ok: true; data?: unknown } | { ok: false; error: string };

export async function serveControl(socketPath: string, handlers: ControlHandlers): Promise<{ close(): Promise<void> }> {
  const handle = async (req: ControlRequest): Promise<unknown> => {
    // A request is whatever a connection sent: only our own commands are run.
    if (!Object.hasOwn(handlers, req.command)) throw new Error(`unknown command ${String(req.command)}`);
    return handlers[req.command](req.args);
  };
  await rm(socketPath, { force: true });
  const server = net.createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('data', (chunk) => {
      buf += chunk;
      if (buf.length > 64 * 1024) return conn.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let req: ControlRequest;
      try {
        req = JSON.parse(buf.slice(0, nl)) as ControlRequest;
      } catch {
        conn.end(JSON.stringify({ ok: false, error: 'bad request' }) + '\n');
        return;
      }
      handle(req).then(
        (data) => conn.end(JSON.stringify({ ok: true, data }) + '\n'),
        (err: Error) => conn.end(JSON.stringify({ ok: false, error: err.message }) + '\n'),
      );
    });
    conn.on('error', () => conn.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function sendControl<C extends ControlCommand>(socketPath: string, command: C, timeoutMs = 30_000, args?: ArgsOf<C>): Promise<ControlReplies[C]> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new LivestreamError('TIMEOUT', `The stack's daemon did not answer "${command}" within ${timeoutMs / 1000} s.`, { hint: 'Check the daemon log in the stack\'s logs folder; "livestream down" cleans up a stuck daemon.' }));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(JSON.stringify(args === undefined ? { command } : { command, args }) + '\n'));
    conn.on('data', (c) => (buf += c));
    conn.on('end', () => {
      clearTimeout(timer);
      try {
        const answer = JSON.parse(buf) as ControlAnswer;
        // The daemon is livestream's own (spawn.ts): its answers have the shapes ControlReplies gives.
        if (answer.ok) resolve(answer.data as ControlReplies[C]);
        else reject(new LivestreamError('DAEMON_FAILED', `The stack's daemon could not ${command}: ${answer.error}`));
      } catch {
        reject(new LivestreamError('DAEMON_FAILED', `The stack's daemon gave no answer to "${command}".`));
      }
    });
    conn.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
          ? new LivestreamError('DAEMON_NOT_RUNNING', 'The stack\'s daemon is not running.', { hint: 'Run "livestream up" to start it again, or "livestream down" to clean up.' })
          : err,
      );
    });
  });
}
