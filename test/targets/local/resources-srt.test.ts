/** The SRT passphrase as a local resource: an owner-only file in the stack folder, made or as given, kept on a resume. */
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TargetRun } from '../../../src/core/lifecycle.js';
import type { LocalStackSpec, Secrets } from '../../../src/core/spec.js';
import { stackLayout } from '../../../src/targets/local/daemon/stack-folder.js';
import { localNodes, refuseChangedSrtPassphrase, type LocalContext } from '../../../src/targets/local/resources.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';
import { makeSpec } from './ingest/helpers.js';

const LISTENER = makeSpec({ input: 'SRT_LISTENER', cidrs: ['127.0.0.1/32'], srt: { latencyMs: 120, passphrase: 'generated' } });
const GIVEN = makeSpec({ input: 'SRT_LISTENER', cidrs: ['127.0.0.1/32'], srt: { latencyMs: 120, passphrase: 'given' } });
const CALLER_PLAIN = makeSpec({ input: 'SRT_CALLER', sourceUrl: 'srt://127.0.0.1:9000', srt: { latencyMs: 120, passphrase: 'none' } });

/** The parts of a run the node reads: the spec and the secrets of this `up`. */
function contextFor(dir: string, spec: LocalStackSpec, secrets: Secrets): LocalContext {
  return { run: { spec, secrets } as TargetRun<'local'>, layout: stackLayout(path.join(dir, spec.stack)) };
}

async function createPassphrase(ctx: LocalContext): Promise<string> {
  const node = localNodes(ctx.run.spec).find((n) => n.id === 'srt-passphrase')!;
  await node.create(ctx, { deps: {}, save: async () => {} });
  return readFile(ctx.layout.srtPassphrase, 'utf8');
}

describe('the SRT passphrase node', () => {
  it.each([
    ['an SRT_LISTENER', LISTENER, true],
    ['an SRT_CALLER without a passphrase', CALLER_PLAIN, false],
    ['an RTMP_PUSH', makeSpec({ input: 'RTMP_PUSH', cidrs: ['127.0.0.1/32'] }), false],
  ])('is in the graph of %s: %s, and the daemon waits for it', (_name, spec, present) => {
    const nodes = localNodes(spec);
    expect(nodes.some((n) => n.id === 'srt-passphrase')).toBe(present);
    expect(nodes.find((n) => n.id === 'daemon')!.dependsOn.includes('srt-passphrase')).toBe(present);
  });

  it('makes a passphrase of 32 letters and digits, owner-only, and keeps it on a resume', async () => {
    const dir = await makeTmpDir('srt-node-');
    const ctx = contextFor(dir, LISTENER, {});
    const made = await createPassphrase(ctx);
    expect(made).toMatch(/^[A-Za-z0-9]{32}\n$/);
    expect((await stat(ctx.layout.srtPassphrase)).mode & 0o777).toBe(0o600);
    expect(await createPassphrase(ctx)).toBe(made);
  });

  it('writes a given passphrase; a resume without it keeps the file, and with the file gone says to pipe it again', async () => {
    const dir = await makeTmpDir('srt-node-');
    const given = 'given-passphrase-!#$';
    expect(await createPassphrase(contextFor(dir, GIVEN, { srtPassphrase: given }))).toBe(`${given}\n`);
    const resume = contextFor(dir, GIVEN, {});
    expect(await createPassphrase(resume)).toBe(`${given}\n`);
    await rm(resume.layout.srtPassphrase);
    await expect(createPassphrase(resume)).rejects.toMatchObject({ code: 'SPEC_INVALID', hint: expect.stringContaining('--srt-passphrase-stdin') });
  });

  it('up again with another passphrase is refused (the running decoder keeps its own); with the same one, or none, it goes on', async () => {
    const dir = await makeTmpDir('srt-node-');
    await createPassphrase(contextFor(dir, GIVEN, { srtPassphrase: 'first-passphrase' }));
    await expect(refuseChangedSrtPassphrase(contextFor(dir, GIVEN, { srtPassphrase: 'first-passphrase' }))).resolves.toBeUndefined();
    await expect(refuseChangedSrtPassphrase(contextFor(dir, GIVEN, {}))).resolves.toBeUndefined();
    const err = await refuseChangedSrtPassphrase(contextFor(dir, GIVEN, { srtPassphrase: 'second-passphrase' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STACK_SPEC_CHANGED', hint: expect.stringContaining('livestream down') });
    expect(JSON.stringify(err) + String(err)).not.toMatch(/first-passphrase|second-passphrase/);
  });

  it('is deleted by down', async () => {
    const dir = await makeTmpDir('srt-node-');
    const ctx = contextFor(dir, LISTENER, {});
    await createPassphrase(ctx);
    const node = localNodes(LISTENER).find((n) => n.id === 'srt-passphrase')!;
    const rec = { id: node.id, kind: node.kind, name: node.name, physicalId: ctx.layout.srtPassphrase } as Parameters<typeof node.delete>[1];
    expect(await node.read(ctx, rec)).toMatchObject({ exists: true });
    await node.delete(ctx, rec);
    expect(await node.read(ctx, rec)).toMatchObject({ exists: false });
  });
});
