/**
 * The programs the tests run besides node, found as the product finds them. A missing one fails the
 * test (or, awaited at a file's top, the whole file) with how to install it, never a skip: a run that
 * skipped what it could not run would pass without having tested it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findFfmpeg, loadNpmFfmpeg, type FoundFfmpeg } from '../../src/targets/local/encoder/find-ffmpeg.js';

export type Tool = 'ffmpeg' | 'ffprobe' | 'npm-ffmpeg' | 'gst-launch-1.0' | 'chromium';

const HOW_TO_INSTALL: Record<Tool, string> = {
  ffmpeg: 'apt-get install ffmpeg, or set LIVESTREAM_FFMPEG=/path/to/ffmpeg',
  ffprobe: 'apt-get install ffmpeg (ffprobe comes with it), or put ffprobe beside LIVESTREAM_FFMPEG',
  'npm-ffmpeg': 'npm ci installs @ffmpeg-installer/ffmpeg (an optional dependency), or npm i @ffmpeg-installer/ffmpeg',
  'gst-launch-1.0':
    'apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly',
  chromium: 'apt-get install chromium, or set CHROMIUM_PATH=/path/to/chromium',
};

let found: Promise<FoundFfmpeg> | undefined;

/** The tool's path; throws "<tool> is needed by this test: <how to install it>" when there is none. */
export async function requireTool(tool: Tool): Promise<string> {
  const file = await locate(tool);
  if (typeof file === 'string') return file;
  throw new Error(`${tool} is needed by this test: ${HOW_TO_INSTALL[tool]}${file.why ? ` (${file.why})` : ''}`);
}

async function locate(tool: Tool): Promise<string | { why?: string }> {
  switch (tool) {
    case 'ffmpeg':
      return findProductFfmpeg().then((f) => f.ffmpeg, (err: Error) => ({ why: err.message }));
    case 'ffprobe':
      // Beside the ffmpeg found, else on PATH, as the product looks for it (the npm package ships none).
      return findProductFfmpeg().then((f) => f.ffprobe ?? {}, (err: Error) => ({ why: err.message }));
    case 'npm-ffmpeg':
      return (await loadNpmFfmpeg()) ?? {};
    case 'gst-launch-1.0':
      return spawnSync(tool, ['--version']).status === 0 ? tool : {};
    case 'chromium': {
      const file = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
      return existsSync(file) ? file : { why: `no ${file}` };
    }
  }
}

/** Once per test file: LIVESTREAM_FFMPEG, then PATH, then the npm package, each checked for libx264 and aac. */
function findProductFfmpeg(): Promise<FoundFfmpeg> {
  found ??= findFfmpeg();
  return found;
}
