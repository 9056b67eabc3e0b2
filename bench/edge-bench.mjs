#!/usr/bin/env node
// Edge benchmark (not a test): serves a live HLS window through the local edge and measures
// requests/s and bytes/s with wrk, side by side with nginx (when installed) and a bare Node server
// holding the same files in memory, each in its own process(es): the edge as the daemon runs it
// (one worker process and a shield, "x1"), with --workers processes ("xN"), and in this script's
// own process ("in-process", as one event loop shared with other work). Also counts origin
// requests per object per TTL under load.
//
//   node bench/edge-bench.mjs [--duration 4] [--connections 50] [--threads 2] [--rounds 5] [--workers N] [--use-dist]
//
// Needs wrk (Debian: apt-get install wrk). Compiles the edge and origin sources to a temporary
// folder with tsc (a few seconds); --use-dist imports dist/ from `npm run build` instead.
import { spawn, spawnSync } from 'node:child_process';
import cluster from 'node:cluster';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]?.startsWith('--') ? '' : all[i + 1]]] : [])),
);
const DURATION = Number(args.duration ?? 4);
const CONNECTIONS = Number(args.connections ?? 50);
const THREADS = Number(args.threads ?? 2);
// The machine is shared and its speed drifts by tens of percent within minutes: each figure is the
// median of several interleaved rounds, and each ratio is taken within a round (runs seconds apart).
const ROUNDS = Number(args.rounds ?? 5);
const CREDENTIAL = 'bench-credential-0123456789abcdef';
const SEGMENT_SECONDS = 4;
// Default: as many as the daemon starts on this machine (one per core, up to four).
const WORKERS = Number(args.workers ?? Math.max(1, Math.min(os.availableParallelism(), 4)));

async function loadModules() {
  let dist = path.join(repo, 'dist');
  // By default compile the current sources (dist/ may be stale); --use-dist takes npm run build's output.
  if (!('use-dist' in args) || !existsSync(path.join(dist, 'targets/local/edge/server.js'))) {
    dist = await fsp.mkdtemp(path.join(os.tmpdir(), 'edge-bench-build-'));
    const files = ['src/targets/local/edge/server.ts', 'src/targets/local/edge/cluster.ts', 'src/targets/local/edge/worker.ts', 'src/targets/local/origin/server.ts'];
    const r = spawnSync(
      'npx',
      ['tsc', '--ignoreConfig', '--outDir', dist, '--rootDir', 'src', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
        '--strict', '--skipLibCheck', '--types', 'node', '--resolveJsonModule', ...files],
      { cwd: repo, stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('could not compile the local target (try npm run build)');
    // Outside the repo, .js files are CommonJS unless a package.json says otherwise; and prom-client must resolve.
    await fsp.writeFile(path.join(dist, 'package.json'), '{"type":"module"}');
    await fsp.symlink(path.join(repo, 'node_modules'), path.join(dist, 'node_modules'));
  }
  const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
  const temporary = dist !== path.join(repo, 'dist');
  return {
    ...(await load('targets/local/edge/server.js')),
    ...(await load('targets/local/edge/cluster.js')),
    ...(await load('targets/local/origin/server.js')),
    cleanup: () => (temporary ? fsp.rm(dist, { recursive: true, force: true }) : Promise.resolve()),
  };
}

/** A live window as an HD-720p ladder writes it: master, 5 media playlists (~2 KB), segments. */
function makeWindow() {
  const renditions = ['1280x720', '960x540', '768x432', '640x360', '512x288'];
  const files = new Map();
  files.set('stream/index.m3u8', Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n' + renditions
    .map((r, i) => `#EXT-X-STREAM-INF:BANDWIDTH=${(5 - i) * 600000},RESOLUTION=${r},CODECS="avc1.42c01f,mp4a.40.2"\nindex_${r}.m3u8\n`).join('')));
  for (const r of renditions) {
    let text = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:1000\n';
    while (text.length < 2000) text += `#EXTINF:4.000000,\nindex_${r}_${String(1000 + text.length).padStart(5, '0')}.ts\n`;
    files.set(`stream/index_${r}.m3u8`, Buffer.from(text));
  }
  const fill = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));
  files.set('stream/index_640x360_01000.ts', fill(200 * 1024));
  files.set('stream/index_1280x720_01000.ts', fill(1024 * 1024));
  return files;
}

const TARGETS = [
  ['playlist 2 KB', 'stream/index_1280x720.m3u8'],
  ['segment 200 KB', 'stream/index_640x360_01000.ts'],
  ['segment 1 MB', 'stream/index_1280x720_01000.ts'],
];

/** CPU seconds (user + system) used so far by a process and its children (nginx's workers). */
function processCpuSeconds(pid) {
  const ticks = (p) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // not Linux: no figure
  }
  return [pid, ...children].reduce((sum, p) => sum + ticks(p), 0) / 100;
}

/** Run wrk and measure the CPU the server used meanwhile: `cpu` is a function returning CPU seconds so far. */
async function measure(url, cpu) {
  const before = cpu();
  const result = await runWrk(url);
  const requests = result.rps * DURATION;
  return { ...result, cpuMicrosPerRequest: ((cpu() - before) * 1e6) / requests };
}

const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function runWrk(url, seconds = DURATION) {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
      const m = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(out);
      const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m?.[2] ?? 'B'];
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      resolve({ rps, bytesPerSec: Number(m?.[1] ?? NaN) * unit, non2xx });
    });
  });
}

async function writeFiles(www, files) {
  for (const [name, body] of files) {
    await fsp.mkdir(path.dirname(path.join(www, name)), { recursive: true });
    await fsp.writeFile(path.join(www, name), body);
  }
}

async function startNginx(root, www) {
  const probe = spawnSync('nginx', ['-v']);
  if (probe.error) return undefined;
  const port = await freePort();
  const conf = path.join(root, 'nginx.conf');
  await fsp.writeFile(conf, `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes auto;
pid ${root}/nginx.pid;
error_log ${root}/nginx-error.log;
events { worker_connections 1024; }
http {
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  access_log ${root}/nginx-access.log combined buffer=64k;
  client_body_temp_path ${root}/cb; proxy_temp_path ${root}/pt; fastcgi_temp_path ${root}/ft; uwsgi_temp_path ${root}/ut; scgi_temp_path ${root}/st;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  server { listen 127.0.0.1:${port}; root ${www}; add_header Cache-Control "public, max-age=2"; add_header Access-Control-Allow-Origin *; }
}
`);
  const proc = spawn('nginx', ['-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if (await fetch(`http://127.0.0.1:${port}/stream/index.m3u8`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, cpu: () => processCpuSeconds(proc.pid), close: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) };
}

/**
 * The floor for Node: a bare http server answering from memory, no cache logic, no logs, in a
 * process of its own like nginx's workers and the edge's.
 */
async function startBareNode(www) {
  const script = `
    const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
    const root = process.argv[1], files = new Map();
    const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name); if (e.isDirectory()) walk(p); else files.set('/' + path.relative(root, p), fs.readFileSync(p)); } };
    walk(root);
    const server = http.createServer((req, res) => {
      const body = files.get(req.url);
      if (body === undefined) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const proc = spawn(process.execPath, ['-e', script, www], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`the bare Node server exited (${code})`)));
    proc.stdout.once('data', (d) => resolve(Number(String(d).trim())));
  });
  return { url: `http://127.0.0.1:${port}`, cpu: () => processCpuSeconds(proc.pid), close: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) };
}

function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const fmtRate = (n) => (Number.isFinite(n) ? n.toFixed(0).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : 'n/a');
const fmtBytes = (n) => (Number.isFinite(n) ? `${(n / 1024 / 1024).toFixed(1)} MB/s` : 'n/a');

const workerPids = () => new Set(Object.values(cluster.workers ?? {}).map((w) => w.process.pid));

/** Start a cluster edge and return it with a CPU meter over its worker processes (the shield is idle on hits). */
async function startCluster(startEdgeCluster, opts) {
  const before = workerPids();
  const edge = await startEdgeCluster(opts);
  const pids = [...workerPids()].filter((pid) => !before.has(pid));
  return { edge, cpu: () => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0) };
}

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
};

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log('\n' + line(header));
  console.log('| ' + widths.map((w, i) => (i === 0 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ') + ' |');
  for (const row of rows) console.log(line(row));
}

async function main() {
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed (Debian: apt-get install wrk)');
  const { startOrigin, startEdge, startEdgeCluster, cleanup } = await loadModules();
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'edge-bench-'));
  const files = makeWindow();
  const originGets = new Map();
  const originGetTimes = [];
  const origin = await startOrigin({
    root: path.join(root, 'store'),
    containerName: 'bench',
    credential: CREDENTIAL,
    accessLogDir: path.join(root, 'origin-logs'),
    onAccess: (e) => {
      if (e.Operation !== 'GetObject') return;
      originGets.set(e.Path, (originGets.get(e.Path) ?? 0) + 1);
      originGetTimes.push([e.Path, Date.parse(e.RequestTime)]);
    },
  });
  for (const [name, body] of files) {
    const r = await fetch(`${origin.url}/${name}`, { method: 'PUT', headers: { authorization: `Bearer ${CREDENTIAL}` }, body });
    if (!r.ok) throw new Error(`PUT ${name}: ${r.status}`);
  }
  const edgeOpts = { originUrl: origin.url, credential: CREDENTIAL, segmentSeconds: SEGMENT_SECONDS };
  const inProcess = await startEdge({ ...edgeOpts, logDir: path.join(root, 'edge-logs') });
  const x1 = await startCluster(startEdgeCluster, { ...edgeOpts, logDir: path.join(root, 'edge-x1-logs'), workers: 1 });
  const xN = WORKERS > 1 ? await startCluster(startEdgeCluster, { ...edgeOpts, logDir: path.join(root, 'edge-xn-logs'), workers: WORKERS }) : undefined;
  const edges = [inProcess, x1.edge, ...(xN ? [xN.edge] : [])];
  for (const e of edges) for (const [name] of files) await fetch(`${e.url}/${name}`).then((r) => r.arrayBuffer());
  const www = path.join(root, 'www');
  await writeFiles(www, files);
  const nginx = await startNginx(root, www);
  const bare = await startBareNode(www);

  console.log(`wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s, median of ${ROUNDS} interleaved rounds, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, Node ${process.version}`);
  const servers = [
    ...(nginx ? [{ id: 'nginx', label: 'nginx', url: nginx.url, cpu: nginx.cpu }] : []),
    { id: 'bare', label: 'bare Node', url: bare.url, cpu: bare.cpu },
    { id: 'x1', label: 'edge x1', url: x1.edge.url, cpu: x1.cpu, edge: true },
    ...(xN ? [{ id: 'xN', label: `edge x${WORKERS}`, url: xN.edge.url, cpu: xN.cpu, edge: true }] : []),
    { id: 'inproc', label: 'edge in-process', url: inProcess.url, cpu: selfCpu, edge: true },
  ];
  // A freshly forked worker runs Node's http code unoptimised for its first second or so: warm
  // every server up (the in-process edge shares its isolate with this script's warm-up fetches).
  for (const sv of servers) for (const [, name] of TARGETS) await runWrk(`${sv.url}/${name}`, 1);
  const rows = [];
  const perTtl = [];
  for (const [label, name] of TARGETS) {
    const runs = Object.fromEntries(servers.map((sv) => [sv.id, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const sv of servers) {
        const before = originGets.get('/' + name) ?? 0;
        const started = Date.now();
        runs[sv.id].push(await measure(`${sv.url}/${name}`, sv.cpu));
        if (round > 0 || !sv.edge) continue;
        const seconds = (Date.now() - started) / 1000;
        const fetched = (originGets.get('/' + name) ?? 0) - before;
        if (name.endsWith('.m3u8')) {
          // TTL = half a segment: at most one origin request per TTL whatever the number of viewers.
          const times = originGetTimes.filter(([p, t]) => p === '/' + name && t >= started).map(([, t]) => t);
          const gaps = times.slice(1).map((t, i) => (t - times[i]) / 1000);
          const minGap = gaps.length ? Math.min(...gaps).toFixed(2) : 'n/a';
          // Viewer requests answered per origin request: what the cache saves the origin (a figure
          // of speed, so printed here and not asserted in test/targets/local/edge/cluster.test.ts).
          const served = runs[sv.id].at(-1).rps * DURATION;
          const perOrigin = fetched > 0 ? `, ${fmtRate(served / fetched)} per origin request` : '';
          perTtl.push(`${sv.label}, ${name}: ${fetched} origin requests in ${seconds.toFixed(1)} s with ${CONNECTIONS} connections hammering it ` +
            `(${fmtRate(served)} viewer requests answered${perOrigin}); shortest gap between two ${minGap} s (TTL ${SEGMENT_SECONDS / 2} s)`);
        } else perTtl.push(`${sv.label}, ${name}: ${fetched} origin requests during the run (cached before it: expected 0)`);
      }
    }
    const row = { label, servers: {} };
    for (const sv of servers) {
      const mine = runs[sv.id];
      row.servers[sv.id] = {
        rps: median(mine.map((r) => r.rps)),
        bytesPerSec: median(mine.map((r) => r.bytesPerSec)),
        cpu: median(mine.map((r) => r.cpuMicrosPerRequest)),
        // Against nginx's run of the same round, seconds apart: the drift of the machine cancels out.
        ratio: nginx ? median(mine.map((r, i) => r.rps / runs.nginx[i].rps)) : NaN,
        ratios: nginx ? mine.map((r, i) => r.rps / runs.nginx[i].rps) : [],
        non2xx: Math.max(...mine.map((r) => r.non2xx)),
      };
    }
    rows.push(row);
  }

  // Cold concurrent misses: many viewers ask for a segment nobody has asked for yet.
  const cold = [['edge in-process', inProcess], ['edge x1', x1.edge], ...(xN ? [[`edge x${WORKERS}`, xN.edge]] : [])];
  for (const [i, [tier, e]] of cold.entries()) {
    const fresh = `stream/index_640x360_0100${i + 1}.ts`;
    await fetch(`${origin.url}/${fresh}`, { method: 'PUT', headers: { authorization: `Bearer ${CREDENTIAL}` }, body: files.get('stream/index_640x360_01000.ts') });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 500 });
    await Promise.all(Array.from({ length: 500 }, () => new Promise((resolve, reject) => {
      http.get(`${e.url}/${fresh}`, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
    })));
    agent.destroy();
    await new Promise((r) => setTimeout(r, 200));
    perTtl.push(`${tier}, ${fresh}: ${originGets.get('/' + fresh) ?? 0} origin request(s) for 500 simultaneous cold misses`);
  }

  const x = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : 'n/a');
  const us = (v) => (Number.isFinite(v) ? v.toFixed(0) : 'n/a');
  printTable(['object', ...servers.map((sv) => `${sv.label} req/s`), 'edge x1 MB/s'],
    rows.map((r) => [r.label, ...servers.map((sv) => fmtRate(r.servers[sv.id].rps)), fmtBytes(r.servers.x1.bytesPerSec)]));
  if (nginx) {
    const others = servers.filter((sv) => sv.id !== 'nginx');
    const rounds = servers.filter((sv) => sv.id === 'x1' || sv.id === 'xN');
    printTable(['object', ...others.map((sv) => `${sv.label} / nginx`), ...rounds.map((sv) => `${sv.label} / nginx, each round`)],
      rows.map((r) => [r.label, ...others.map((sv) => x(r.servers[sv.id].ratio)), ...rounds.map((sv) => r.servers[sv.id].ratios.map((v) => v.toFixed(2)).join(' '))]));
  }
  printTable(['object', ...servers.map((sv) => `${sv.label} CPU µs/req`)],
    rows.map((r) => [r.label, ...servers.map((sv) => us(r.servers[sv.id].cpu))]));
  console.log('\nOrigin requests per object:');
  for (const l of perTtl) console.log('  ' + l);
  const errors = rows.flatMap((r) => Object.entries(r.servers).filter(([, v]) => v.non2xx > 0).map(([k, v]) => `${r.label} ${k}: ${v.non2xx} non-2xx`));
  if (errors.length) console.log('\nWARNING: ' + errors.join('; '));
  console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  await bare.close();
  await nginx?.close();
  await xN?.edge.close();
  await x1.edge.close();
  await inProcess.close();
  await origin.close();
  await fsp.rm(root, { recursive: true, force: true });
  await cleanup();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
