/**
 * Two versions of the edge head to head: `node bench/edge-ab.mjs --base /path/to/other/checkout`.
 * Each checkout's built dist/ (run `npm run build` in both) serves the same 2 KB playlist and 200 KB
 * segment from a one-worker cluster edge in a process of its own; wrk then alternates between the
 * two, swapping which goes first every round, and prints each round's ratio (this checkout / base)
 * and their median. For a refactor of the edge, this is the figure that says whether the hit path
 * got slower: the drift of a shared machine over minutes cancels out in each round's ratio.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])));
const ROUNDS = Number(args.rounds ?? 8);
const SECONDS = Number(args.duration ?? 3);
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!args.base) throw new Error('usage: node bench/edge-ab.mjs --base /path/to/other/checkout [--rounds 8] [--duration 3]');
if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed (Debian: apt-get install wrk)');

/** The module paths of a checkout's dist/ (the edge and origin files were renamed once). */
function modulesOf(repo) {
  const dist = path.join(path.resolve(repo), 'dist');
  const pick = (...names) => names.map((n) => path.join(dist, n)).find(existsSync);
  const origin = pick('targets/local/origin/server.js', 'targets/local/origin/origin-server.js');
  const cluster = pick('targets/local/edge/cluster.js', 'targets/local/edge/edge-cluster.js');
  if (!origin || !cluster) throw new Error(`${repo}: no built edge in dist/ (run npm run build there)`);
  return { origin, cluster };
}

// The child: origin + one-worker edge, the objects uploaded and fetched once; prints the edge URL.
const CHILD = `
  const [origin, cluster, tmp] = process.argv.slice(1);
  const { startOrigin } = await import(origin);
  const { startEdgeCluster } = await import(cluster);
  const credential = 'c'.repeat(64);
  const o = await startOrigin({ root: tmp + '/store', containerName: 'ab', credential, accessLogDir: tmp + '/origin-logs' });
  let playlist = '#EXTM3U\\n#EXT-X-VERSION:3\\n#EXT-X-TARGETDURATION:4\\n#EXT-X-MEDIA-SEQUENCE:1000\\n';
  while (playlist.length < 2000) playlist += '#EXTINF:4.000000,\\nindex_1280x720_' + (1000 + playlist.length) + '.ts\\n';
  const objects = { 'stream/index_1280x720.m3u8': playlist, 'stream/index_640x360_01000.ts': Buffer.alloc(200 * 1024, 7) };
  for (const [name, body] of Object.entries(objects)) await fetch(o.url + '/' + name, { method: 'PUT', headers: { authorization: 'Bearer ' + credential }, body });
  const edge = await startEdgeCluster({ originUrl: o.url, credential, segmentSeconds: 4, logDir: tmp + '/edge-logs', workers: 1 });
  for (const name of Object.keys(objects)) await (await fetch(edge.url + '/' + name)).arrayBuffer();
  console.log(edge.url);`;

async function startEdgeOf(repo) {
  const { origin, cluster } = modulesOf(repo);
  const tmp = path.join(os.tmpdir(), `edge-ab-${process.pid}-${path.basename(path.resolve(repo))}-${Date.now()}`);
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, `file://${origin}`, `file://${cluster}`, tmp], { stdio: ['ignore', 'pipe', 'inherit'], cwd: path.resolve(repo) });
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${repo}: the edge exited (${code})`)));
    child.stdout.once('data', (d) => resolve(String(d).trim()));
  });
  return { url, stop: () => { child.kill('SIGTERM'); spawnSync('rm', ['-rf', tmp]); } };
}

function wrk(url, seconds) {
  const out = spawnSync('wrk', ['-t2', '-c50', `-d${seconds}s`, url], { encoding: 'utf8' }).stdout;
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mine = await startEdgeOf(here);
const base = await startEdgeOf(args.base);
try {
  console.log(`edge x1, this checkout vs ${args.base}: wrk -t2 -c50 -d${SECONDS}s, ${ROUNDS} rounds, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, Node ${process.version}`);
  for (const [label, object] of [['playlist 2 KB', 'stream/index_1280x720.m3u8'], ['segment 200 KB', 'stream/index_640x360_01000.ts']]) {
    for (const e of [mine, base]) wrk(`${e.url}/${object}`, 1); // warm the workers' JIT
    const ratios = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [mine, base] : [base, mine];
      const [a, b] = order.map((e) => wrk(`${e.url}/${object}`, SECONDS));
      const [m, bs] = order[0] === mine ? [a, b] : [b, a];
      ratios.push(m / bs);
    }
    console.log(`${label.padEnd(15)} this / base per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}   median ${median(ratios).toFixed(2)}x`);
  }
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  mine.stop();
  base.stop();
}
