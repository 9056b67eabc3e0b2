/**
 * An ffmpeg publisher, as an encoder in the field would push to the stack's RTMP, RTP or SRT input:
 * 640x360@30 test pattern + tone, H.264/AAC with a 1 s GOP, in real time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { requireTool } from './tools.js';

const FFMPEG = await requireTool('ffmpeg');

const running = new Set<ChildProcess>();

/**
 * Pushes `format` to `url` for at most `seconds`; `stopPublishers()` ends it sooner. SRT is
 * `mpegts` to srt://...?mode=caller&passphrase=... (the test's own passphrase may sit on its command line).
 */
export function startPublisher(format: 'flv' | 'rtp_mpegts' | 'mpegts', url: string, seconds = 120): ChildProcess {
  const child = spawn(FFMPEG, [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-re', '-f', 'lavfi', '-i', 'sine=sample_rate=48000',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac', '-f', format, url,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Kills every publisher still running and waits for them to exit. */
export async function stopPublishers(): Promise<void> {
  await Promise.all([...running].map(async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }));
  running.clear();
}
