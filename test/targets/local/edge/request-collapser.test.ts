import { expect, it } from 'vitest';
import { RequestCollapser } from '../../../../src/targets/local/edge/request-collapser.js';

/** A fetch whose answers the test hands out: each call is held until answered. */
function heldFetch() {
  const calls: Array<{ key: string; arg: string; answer: (v: string) => void; fail: (e: Error) => void }> = [];
  const send = (key: string, arg: string): Promise<string> =>
    new Promise((answer, fail) => void calls.push({ key, arg, answer, fail }));
  return { calls, send };
}

it('sends one request for many simultaneous misses of one key, and gives its answer to all', async () => {
  const f = heldFetch();
  const c = new RequestCollapser(f.send);
  const waiting = Array.from({ length: 500 }, (_, i) => c.join('stream/a.ts', `viewer ${i}`));
  expect(f.calls.map((x) => [x.key, x.arg])).toEqual([['stream/a.ts', 'viewer 0']]); // the first miss's argument (its stale copy)
  expect(c.size).toBe(1);
  f.calls[0].answer('A');
  expect(await Promise.all(waiting)).toEqual(Array(500).fill('A'));
});

it('keeps keys apart', async () => {
  const f = heldFetch();
  const c = new RequestCollapser(f.send);
  const a = c.join('a', '');
  const b = c.join('b', '');
  expect(f.calls.map((x) => x.key)).toEqual(['a', 'b']);
  f.calls[1].answer('B');
  f.calls[0].answer('A');
  expect([await a, await b]).toEqual(['A', 'B']);
});

it('asks again once the request in flight has settled', async () => {
  const f = heldFetch();
  const c = new RequestCollapser(f.send);
  const first = c.join('k', '1');
  f.calls[0].answer('old');
  // A joiner's reaction runs after the key is free: a miss it causes sends a new request.
  let second: Promise<string> | undefined;
  await first.then(() => void (second = c.join('k', '2')));
  expect(c.size).toBe(1);
  expect(f.calls.map((x) => x.arg)).toEqual(['1', '2']);
  f.calls[1].answer('new');
  expect(await second).toBe('new');
  expect(c.size).toBe(0);
});

it('frees the key after a failed request too', async () => {
  const f = heldFetch();
  const c = new RequestCollapser(f.send);
  const failing = c.join('k', '');
  f.calls[0].fail(new Error('origin down'));
  await expect(failing).rejects.toThrow('origin down');
  expect(c.size).toBe(0);
  void c.join('k', '');
  expect(f.calls).toHaveLength(2);
});
