import type { TargetName } from '../core/spec.js';
import type { TargetDriver } from '../core/target.js';
export type { PlannedEncoder } from '../targets/local/encoder/encoder-note.js';

/** Drivers load lazily: `livestream --help` must load neither the AWS SDK nor the local servers. */
export async function loadDriver(target: TargetName): Promise<TargetDriver> {
  if (target === 'aws') {
    const { createAwsDriver } = await import('../targets/aws/driver.js');
    // The AWS player is the local target's player page, uploaded: the CLI is where the two targets meet.
    return createAwsDriver({
      playerAssets: async () => (await import('../targets/local/web/web-handler.js')).playerAssets(),
      // Recordings download as MP4 through the local ffmpeg (#13).
      remuxToMp4: async (input, output) => (await import('../targets/local/encoder/remux-mp4.js')).remuxToMp4(input, output),
    });
  }
  return (await import('../targets/local/driver.js')).createLocalDriver();
}

/** `up --foreground`: the local stack in this process (loaded only when asked for). */
export async function loadForeground(): Promise<typeof import('../targets/local/foreground.js')> {
  return import('../targets/local/foreground.js');
}

/** The local encoder's preset as the plan tells it, and `up --recalibrate` (loaded only for local stacks). */
export async function loadEncoderNote(): Promise<typeof import('../targets/local/encoder/encoder-note.js')> {
  return import('../targets/local/encoder/encoder-note.js');
}
