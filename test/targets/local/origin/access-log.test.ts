import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { RotatingLogWriter } from '../../../../src/targets/local/plumbing/rotating-log.js';
import { originLogFileName } from '../../../../src/targets/local/origin/access-log.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTmpDir('access-log-');
});

it('rotates every hour and when a file reaches its size cap, with a header on each new file', async () => {
  let clock = Date.UTC(2026, 10, 25, 4, 59, 59);
  const log = new RotatingLogWriter({ dir, fileName: originLogFileName, header: '#h\n', maxFileBytes: 20, now: () => clock });
  log.write('aaaa'); // "#h\n" + "aaaa\n" = 8 bytes
  log.write('bbbb'); // 13
  log.write('cccc'); // 18
  log.write('dddd'); // would pass 20: next part
  clock += 1_000; // 05:00:00
  log.write('eeee');
  await log.close();
  expect((await fsp.readdir(dir)).sort()).toEqual([
    'origin-access-20261125T04.1.jsonl',
    'origin-access-20261125T04.jsonl',
    'origin-access-20261125T05.jsonl',
  ]);
  expect(await fsp.readFile(path.join(dir, 'origin-access-20261125T04.jsonl'), 'utf8')).toBe('#h\naaaa\nbbbb\ncccc\n');
  expect(await fsp.readFile(path.join(dir, 'origin-access-20261125T04.1.jsonl'), 'utf8')).toBe('#h\ndddd\n');
  expect(await fsp.readFile(path.join(dir, 'origin-access-20261125T05.jsonl'), 'utf8')).toBe('#h\neeee\n');
});

it('drops and counts lines rather than buffering without bound', async () => {
  const log = new RotatingLogWriter({ dir, fileName: originLogFileName, maxPendingBytes: 10, maxBufferBytes: 1_000_000, flushMs: 60_000 });
  for (let i = 0; i < 5; i++) log.write('0123456789');
  expect(log.dropped).toBe(4);
  await log.close();
  expect((await fsp.readFile(path.join(dir, (await fsp.readdir(dir))[0]), 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
});

it('makes its folder with the first file, again if it was removed, and counts writes that cannot land', async () => {
  const logDir = path.join(dir, 'logs');
  const log = new RotatingLogWriter({ dir: logDir, fileName: originLogFileName, flushMs: 60_000 });
  log.write('one');
  await log.flush();
  await fsp.rm(logDir, { recursive: true });
  log.write('two');
  await log.flush();
  expect(await fsp.readFile(path.join(logDir, (await fsp.readdir(logDir))[0]), 'utf8')).toBe('two\n');
  expect(log.writeErrors).toBe(0);

  await fsp.rm(logDir, { recursive: true });
  await fsp.writeFile(logDir, 'a file where the folder was');
  log.write('three');
  await log.close();
  expect(log.writeErrors).toBe(1);
});
