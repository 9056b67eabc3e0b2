import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { findFfmpeg } from '../../../../src/targets/local/encoder/find-ffmpeg.js';
import { MODERN_FFMPEG_CAPS } from '../../../../src/targets/local/encoder/ffmpeg-caps.js';
import { LivestreamError } from '../../../../src/core/errors.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTmpDir('find-ffmpeg-');
});

/** A shell script that answers -version and -encoders like ffmpeg does (and `-h full` with helpFile's text, if given). */
async function fakeFfmpeg(folder: string, version: string, encoders: string[], name = 'ffmpeg', helpFile?: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, name);
  const list = encoders.map((e) => ` V....D ${e}              fake ${e}`).join('\n');
  await writeFile(
    file,
    `#!/bin/sh\ncase "$*" in\n  *-version*) echo "ffmpeg version ${version} Copyright";;\n  *-encoders*) printf '%s\\n' "Encoders:" " ------" "${list}";;\n${helpFile ? `  *"-h full"*) cat '${helpFile}';;\n` : ''}  *) exit 1;;\nesac\n`,
  );
  await chmod(file, 0o755);
  return file;
}

const noNpm = { loadNpmFfmpeg: async () => undefined };

describe('findFfmpeg', () => {
  it('prefers LIVESTREAM_FFMPEG over PATH', async () => {
    const fromEnv = await fakeFfmpeg(path.join(dir, 'env'), '7.0-env', ['libx264', 'aac']);
    await fakeFfmpeg(path.join(dir, 'bin'), '6.0-path', ['libx264', 'aac']);
    const found = await findFfmpeg({ LIVESTREAM_FFMPEG: fromEnv, PATH: path.join(dir, 'bin') }, noNpm);
    expect(found).toEqual({ ffmpeg: fromEnv, version: '7.0-env', caps: MODERN_FFMPEG_CAPS, source: 'env' });
  });

  it('finds ffmpeg on PATH, with the ffprobe next to it', async () => {
    const bin = path.join(dir, 'bin');
    const ffmpeg = await fakeFfmpeg(bin, '6.0-path', ['libx264', 'aac']);
    await fakeFfmpeg(bin, 'x', [], 'ffprobe');
    const found = await findFfmpeg({ PATH: `${path.join(dir, 'empty')}:${bin}` }, noNpm);
    expect(found).toEqual({ ffmpeg, ffprobe: path.join(bin, 'ffprobe'), version: '6.0-path', caps: MODERN_FFMPEG_CAPS, source: 'path' });
  });

  it('falls back to the npm binary when the one on PATH lacks libx264', async () => {
    await fakeFfmpeg(path.join(dir, 'bin'), '5.0-nox264', ['aac']);
    const npm = await fakeFfmpeg(path.join(dir, 'npm'), '6.1-static', ['libx264', 'aac']);
    const found = await findFfmpeg({ PATH: path.join(dir, 'bin') }, { loadNpmFfmpeg: async () => npm });
    expect(found).toEqual({ ffmpeg: npm, version: '6.1-static', caps: MODERN_FFMPEG_CAPS, source: 'npm' });
  });

  it("reads the binary's capabilities from its own -h full", async () => {
    const help = new URL('../../../fixtures/ffmpeg/help-full-npm-4.1-static.txt', import.meta.url).pathname;
    const npm = await fakeFfmpeg(path.join(dir, 'npm'), 'N-47683-g0e8eb07980-static', ['libx264', 'aac'], 'ffmpeg', help);
    const found = await findFfmpeg({ PATH: '' }, { loadNpmFfmpeg: async () => npm });
    expect(found.source).toBe('npm');
    expect(found.caps).toEqual({ ...MODERN_FFMPEG_CAPS, reconnectOnNetworkError: false, m3u8HoldCounters: false, hlsHeaders: false, varStreamMapNames: false });
  });

  it('says how to get one when none is usable', async () => {
    await fakeFfmpeg(path.join(dir, 'bin'), '5.0-nox264', ['aac']);
    const err = await findFfmpeg({ PATH: path.join(dir, 'bin') }, noNpm).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LivestreamError);
    expect((err as LivestreamError).code).toBe('FFMPEG_NOT_FOUND');
    expect((err as LivestreamError).message).toContain('no libx264 encoder');
    for (const how of ['apt-get install ffmpeg', 'brew install ffmpeg', 'npm i @ffmpeg-installer/ffmpeg', 'LIVESTREAM_FFMPEG=']) {
      expect((err as LivestreamError).hint).toContain(how);
    }
  });

  it('refuses an unusable LIVESTREAM_FFMPEG instead of silently using another', async () => {
    await fakeFfmpeg(path.join(dir, 'bin'), '6.0-path', ['libx264', 'aac']);
    const err = await findFfmpeg({ LIVESTREAM_FFMPEG: path.join(dir, 'missing'), PATH: path.join(dir, 'bin') }, noNpm).catch((e: unknown) => e);
    expect((err as LivestreamError).code).toBe('FFMPEG_NOT_FOUND');
    expect((err as LivestreamError).message).toContain('LIVESTREAM_FFMPEG');
  });

  it('finds the real ffmpeg of this machine with libx264 and aac', async () => {
    const found = await findFfmpeg({ PATH: process.env.PATH }, noNpm);
    expect(found.source).toBe('path');
    expect(found.version).toMatch(/^\d/);
    // Debian's 5.1 has everything the builders use by default.
    expect(found.caps).toEqual(MODERN_FFMPEG_CAPS);
  });
});
