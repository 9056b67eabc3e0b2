#!/usr/bin/env node
// Edge benchmark (not a test): serves a live HLS window through the local edge and measures
// requests/s and bytes/s with wrk, side by side with nginx (when installed) and a bare Node server
// holding the same files in memory: the single-process edge (x1) and the cluster edge (--workers
// processes and a shield, the daemon's default). Also counts origin requests per object per TTL under load.
//
//   node bench/edge-bench.mjs [--duration 5] [--connections 50] [--threads 2] [--rounds 3] [--workers 2] [--use-dist]
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
const DURATION = Number(args.duration ?? 5);
const CONNECTIONS = Number(args.connections ?? 50);
const THREADS = Number(args.threads ?? 2);
// The machine is shared: each figure is the median of several interleaved runs.
const ROUNDS = Number(args.rounds ?? 3);
const CREDENTIAL = 'bench-credential-0123456789abcdef';
const SEGMENT_SECONDS = 4;
const WORKERS = Number(args.workers ?? 2);

async function loadModules() {
  let dist = path.join(repo, 'dist');
  // By default compile the current sources (dist/ may be stale); --use-dist takes npm run build's output.
  if (!('use-dist' in args) || !existsSync(path.join(dist, 'targets/local/edge/edge-server.js'))) {
    dist = await fsp.mkdtemp(path.join(os.tmpdir(), 'edge-bench-build-'));
    const files = ['src/targets/local/edge/edge-server.ts', 'src/targets/local/edge/edge-cluster.ts', 'src/targets/local/edge/edge-worker.ts', 'src/targets/local/origin/origin-server.ts'];
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
    ...(await load('targets/local/edge/edge-server.js')),
    ...(await load('targets/local/edge/edge-cluster.js')),
    ...(await load('targets/local/origin/origin-server.js')),
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

async function startNginx(root, files) {
  const probe = spawnSync('nginx', ['-v']);
  if (probe.error) return undefined;
  const www = path.join(root, 'www');
  for (const [name, body] of files) {
    await fsp.mkdir(path.dirname(path.join(www, name)), { recursive: true });
    await fsp.writeFile(path.join(www, name), body);
  }
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

/** The floor for Node: a bare http server answering from memory, no cache logic, no logs. */
async function startBareNode(files) {
  const server = http.createServer((req, res) => {
    const body = files.get((req.url ?? '/').slice(1));
    if (body === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
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

/** CPU seconds so far of this process (the origin, and the cluster's shield) and of the cluster's workers. */
const clusterCpu = () => selfCpu() + Object.values(cluster.workers ?? {}).reduce((sum, w) => sum + processCpuSeconds(w.process.pid), 0);

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
  const edge = await startEdge({ ...edgeOpts, logDir: path.join(root, 'edge-logs') });
  const edgeCluster = await startEdgeCluster({ ...edgeOpts, logDir: path.join(root, 'edge-cluster-logs'), workers: WORKERS });
  for (const e of [edge, edgeCluster]) for (const [name] of files) await fetch(`${e.url}/${name}`).then((r) => r.arrayBuffer());
  const nginx = await startNginx(root, files);
  const bare = await startBareNode(files);

  console.log(`wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s, median of ${ROUNDS} interleaved rounds, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, Node ${process.version}`);
  const servers = [
    ...(nginx ? [{ id: 'nginx', url: nginx.url, cpu: nginx.cpu }] : []),
    { id: 'bare', url: bare.url, cpu: selfCpu },
    { id: 'edge', url: edge.url, cpu: selfCpu, label: 'edge x1' },
    { id: 'cluster', url: edgeCluster.url, cpu: clusterCpu, label: `edge x${WORKERS}` },
  ];
  // A freshly forked worker runs Node's http code unoptimised for its first second or so: warm
  // every server up (the single-process ones share their isolate with this script's warm-up fetches).
  for (const sv of servers) for (const [, name] of TARGETS) await runWrk(`${sv.url}/${name}`, 1);
  const rows = [];
  const perTtl = [];
  const median = (runs) => {
    const pick = (f) => runs.map(f).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    return { rps: pick((r) => r.rps), bytesPerSec: pick((r) => r.bytesPerSec), cpuMicrosPerRequest: pick((r) => r.cpuMicrosPerRequest), non2xx: Math.max(...runs.map((r) => r.non2xx)) };
  };
  for (const [label, name] of TARGETS) {
    const runs = Object.fromEntries(servers.map((sv) => [sv.id, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const sv of servers) {
        const before = originGets.get('/' + name) ?? 0;
        const started = Date.now();
        runs[sv.id].push(await measure(`${sv.url}/${name}`, sv.cpu));
        if (round > 0 || sv.label === undefined) continue;
        const seconds = (Date.now() - started) / 1000;
        const fetched = (originGets.get('/' + name) ?? 0) - before;
        if (name.endsWith('.m3u8')) {
          // TTL = half a segment: at most one origin request per TTL whatever the number of viewers.
          const times = originGetTimes.filter(([p, t]) => p === '/' + name && t >= started).map(([, t]) => t);
          const gaps = times.slice(1).map((t, i) => (t - times[i]) / 1000);
          const minGap = gaps.length ? Math.min(...gaps).toFixed(2) : 'n/a';
          perTtl.push(`${sv.label}, ${name}: ${fetched} origin requests in ${seconds.toFixed(1)} s with ${CONNECTIONS} connections hammering it; shortest gap between two ${minGap} s (TTL ${SEGMENT_SECONDS / 2} s)`);
        } else perTtl.push(`${sv.label}, ${name}: ${fetched} origin requests during the run (cached before it: expected 0)`);
      }
    }
    rows.push({ label, ...Object.fromEntries(servers.map((sv) => [sv.id, median(runs[sv.id])])) });
  }

  // Cold concurrent misses: many viewers ask for a segment nobody has asked for yet.
  for (const [i, e, tier] of [[1, edge, 'edge x1'], [2, edgeCluster, `edge x${WORKERS}`]]) {
    const fresh = `stream/index_640x360_0100${i}.ts`;
    await fetch(`${origin.url}/${fresh}`, { method: 'PUT', headers: { authorization: `Bearer ${CREDENTIAL}` }, body: files.get('stream/index_640x360_01000.ts') });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 500 });
    await Promise.all(Array.from({ length: 500 }, () => new Promise((resolve, reject) => {
      http.get(`${e.url}/${fresh}`, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
    })));
    agent.destroy();
    await new Promise((r) => setTimeout(r, 200));
    perTtl.push(`${tier}, ${fresh}: ${originGets.get('/' + fresh) ?? 0} origin request(s) for 500 simultaneous cold misses`);
  }

  const ratio = (a, b) => (a && b ? `${(a.rps / b.rps).toFixed(2)}x` : 'n/a');
  const us = (m) => (m && Number.isFinite(m.cpuMicrosPerRequest) ? m.cpuMicrosPerRequest.toFixed(0) : 'n/a');
  const cluster_ = `edge x${WORKERS}`;
  const header = ['object', 'nginx req/s', 'bare Node req/s', 'edge x1 req/s', `${cluster_} req/s`, `${cluster_} MB/s`,
    'x1/nginx', `x${WORKERS}/nginx`, 'bare/nginx', 'CPU µs/req nginx / bare / x1 / x' + WORKERS];
  const table = rows.map((r) => [
    r.label,
    fmtRate(r.nginx?.rps),
    fmtRate(r.bare.rps),
    fmtRate(r.edge.rps),
    fmtRate(r.cluster.rps),
    fmtBytes(r.cluster.bytesPerSec),
    ratio(r.edge, r.nginx),
    ratio(r.cluster, r.nginx),
    ratio(r.bare, r.nginx),
    `${us(r.nginx)} / ${us(r.bare)} / ${us(r.edge)} / ${us(r.cluster)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('\n' + line(header));
  console.log('| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |');
  for (const row of table) console.log(line(row));
  console.log('\nOrigin requests per object:');
  for (const l of perTtl) console.log('  ' + l);
  const errors = rows.flatMap((r) => Object.entries(r).filter(([, v]) => v?.non2xx > 0).map(([k, v]) => `${r.label} ${k}: ${v.non2xx} non-2xx`));
  if (errors.length) console.log('\nWARNING: ' + errors.join('; '));
  console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  await bare.close();
  await nginx?.close();
  await edgeCluster.close();
  await edge.close();
  await origin.close();
  await fsp.rm(root, { recursive: true, force: true });
  await cleanup();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
