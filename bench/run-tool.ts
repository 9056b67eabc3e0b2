/** Running a program to completion for the bench scripts, and the machine's load beside their figures. */
import { execFile } from 'node:child_process';

export function run(cmd: string, args: string[], timeoutMs = 300_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** `uptime`'s line: the load averages the figures were measured under. */
export async function uptime(): Promise<string> {
  return (await run('uptime', [])).stdout.trim();
}
