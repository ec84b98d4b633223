// The emulator's latency under load while it compacts its journal: `mwaa local start` over a state
// directory pre-filled with MWAA_BENCH_OBJECTS objects (each with 1.8 KB of user metadata, ten tags and
// an 8 KB Content-Disposition, so that its snapshot is tens of MB and its journal records are big), then
// MWAA_BENCH_RATE requests a second (half PutObject overwriting a random object, half GetObject of one)
// over 64 keep-alive connections for MWAA_BENCH_SECONDS, after MWAA_BENCH_WARMUP seconds of the same
// load. The journal passes the default 32 MiB compaction threshold about every 20 s.
//
// Requests are sent at a fixed rate whatever the answers (open loop): a request's latency runs from the
// moment it was due, so a stalled event loop counts against every request that was due while it stalled
// (a closed loop would hide a stall behind the 64 requests it holds up). Compactions are counted by
// watching snapshot.json being replaced. Requests carry a SigV4-shaped Authorization header; the
// emulator does not verify signatures (src/local/README.md).
//
// Reproduce: npm run build && node bench/emulator-load.mjs
//   MWAA_BENCH_BASE_BIN=<another build's bin/mwaa.cjs> adds that build as the baseline, run interleaved
//   with this one (e.g. `git worktree add /tmp/old-emu main`, symlink node_modules, `npm run build` there);
//   MWAA_BENCH_OBJECTS / MWAA_BENCH_RATE / MWAA_BENCH_SECONDS / MWAA_BENCH_WARMUP / MWAA_BENCH_ROUNDS change the sizes.
// Writes the "Emulator under load" section of bench/RESULTS.md.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, startLocalEmulator, writeSection } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin', 'mwaa.cjs');
const BASE_BIN = process.env.MWAA_BENCH_BASE_BIN;
const OBJECTS = Number(process.env.MWAA_BENCH_OBJECTS || 5000);
const RATE = Number(process.env.MWAA_BENCH_RATE || 200);
const SECONDS = Number(process.env.MWAA_BENCH_SECONDS || 90);
// the same load, not measured, first: JIT warm-up, and the collections of what loading the snapshot left
// (they stall both builds alike for up to a few hundred ms in the first seconds)
const WARMUP = Number(process.env.MWAA_BENCH_WARMUP || 15);
const ROUNDS = Number(process.env.MWAA_BENCH_ROUNDS || 2);
const CONNECTIONS = 64;
const BUCKET = 'load';

const dir = mkdtempSync(join(tmpdir(), 'mwaa-bench-emulator-load-'));
const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };
const AUTH = 'AWS4-HMAC-SHA256 Credential=mwaa-local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00';
const METADATA = 'm'.repeat(1800);
const TAGGING = Array.from({ length: 10 }, (_, i) => `tag${i}${'k'.repeat(100)}=${'v'.repeat(250)}`).join('&');
// the emulator journals stored headers too: with this, a PutObject record is about 14 KB
const DISPOSITION = `attachment; filename="${'d'.repeat(8000)}.bin"`;
const BODY = Buffer.from('x'.repeat(100));

function request(agent, url, method, key, body) {
  return new Promise((resolve, reject) => {
    const headers = { authorization: AUTH, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    if (method === 'PUT')
      Object.assign(headers, {
        'content-length': body.length,
        'x-amz-meta-pad': METADATA,
        'x-amz-tagging': TAGGING,
        'content-disposition': DISPOSITION,
      });
    const req = http.request(`${url}/${BUCKET}${key ? `/${key}` : ''}`, { method, agent, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${method} ${key}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const keyOf = (i) => `objects/${String(i).padStart(6, '0')}.bin`;

/** Fills a state directory with the objects (as fast as the emulator takes them) and closes it cleanly. */
async function fill(stateDir) {
  const { child, url } = await startLocalEmulator({ bin: BIN, cwd: dir, stateDir, env });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  await request(agent, url, 'PUT', '', Buffer.alloc(0));
  let next = 0;
  const worker = async () => {
    while (next < OBJECTS) await request(agent, url, 'PUT', keyOf(next++), BODY);
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
  await stop(child);
}

function stop(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('close');
    child.once('close', resolve);
    child.kill('SIGINT');
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** One run of `bin` over a copy of the filled state directory. */
async function run(bin, seed, label) {
  const stateDir = join(dir, `run-${label}-${Date.now()}`);
  cpSync(seed, stateDir, { recursive: true });
  const snapshot = join(stateDir, 'snapshot.json');
  const { child, url } = await startLocalEmulator({ bin, cwd: dir, stateDir, env });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  // warm the connections
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => request(agent, url, 'GET', keyOf(i), undefined)));

  let compactions = 0;
  let lastIno = statSync(snapshot).ino;
  // a background compaction shows as a sealed journal segment (journal.<n>.ndjson); a synchronous one
  // (the baseline) cannot be seen from outside until it has renamed its snapshot
  let compacting = false;
  const watcher = setInterval(() => {
    const ino = existsSync(snapshot) ? statSync(snapshot).ino : lastIno;
    if (ino !== lastIno) compactions++;
    lastIno = ino;
    compacting = readdirSync(stateDir).some((f) => /^journal\.\d+\.ndjson$/.test(f));
  }, 20);

  const latencies = [];
  const whileCompacting = [];
  let errors = 0;
  let sent = 0;
  const pending = new Set();
  const start = performance.now();
  const total = RATE * (WARMUP + SECONDS);
  const measuredFrom = RATE * WARMUP;
  let compactionsBefore = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) / 1000) * RATE));
      for (; sent < due; sent++) {
        if (sent === measuredFrom) compactionsBefore = compactions;
        const measured = sent >= measuredFrom;
        const dueAt = start + (sent * 1000) / RATE;
        const i = Math.floor(Math.random() * OBJECTS);
        const during = compacting;
        const p = (sent % 2 === 0 ? request(agent, url, 'PUT', keyOf(i), BODY) : request(agent, url, 'GET', keyOf(i), undefined)).then(
          () => {
            if (!measured) return;
            const ms = performance.now() - dueAt;
            latencies.push(ms);
            if (during || compacting) whileCompacting.push(ms);
          },
          () => errors++,
        );
        pending.add(p);
        p.finally(() => pending.delete(p));
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  await Promise.all(pending);
  clearInterval(watcher);
  agent.destroy();
  await stop(child);
  rmSync(stateDir, { recursive: true, force: true });
  return { latencies, whileCompacting, errors, compactions: compactions - compactionsBefore, load: loadavg()[0] };
}

const seed = join(dir, 'seed');
const fillStart = performance.now();
await fill(seed);
const seedMb = statSync(join(seed, 'snapshot.json')).size / 1e6;
process.stderr.write(
  `filled ${OBJECTS} objects (snapshot ${seedMb.toFixed(1)} MB) in ${((performance.now() - fillStart) / 1000).toFixed(0)} s\n`,
);

const builds = [...(BASE_BIN ? [{ name: 'baseline', bin: BASE_BIN }] : []), { name: 'this build', bin: BIN }];
const results = new Map(builds.map((b) => [b.name, { latencies: [], whileCompacting: [], errors: 0, compactions: 0, loads: [] }]));
const roundLines = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const b of round % 2 === 0 ? builds : [...builds].reverse()) {
    const r = await run(b.bin, seed, b.name.replace(/\W/g, ''));
    const acc = results.get(b.name);
    acc.latencies.push(...r.latencies);
    acc.whileCompacting.push(...r.whileCompacting);
    acc.errors += r.errors;
    acc.compactions += r.compactions;
    acc.loads.push(r.load);
    const s = [...r.latencies].sort((x, y) => x - y);
    const c = [...r.whileCompacting].sort((x, y) => x - y);
    const line =
      `${b.name} round ${round + 1}: p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms, ` +
      `max ${s.at(-1).toFixed(0)} ms, while compacting p99 ${c.length ? percentile(c, 99).toFixed(1) : '–'} ms (${c.length}), ${r.compactions} compactions, ${r.errors} errors, load ${r.load.toFixed(2)}`;
    roundLines.push(line);
    process.stderr.write(`${line}\n`);
  }
}
rmSync(dir, { recursive: true, force: true });

const f = (v) => (v === undefined ? '–' : v.toFixed(1));
const rows = builds.map((b) => {
  const r = results.get(b.name);
  const s = r.latencies.sort((x, y) => x - y);
  const c = r.whileCompacting.sort((x, y) => x - y);
  return `| ${b.name} | ${s.length} | ${f(percentile(s, 50))} | ${f(percentile(s, 99))} | ${f(percentile(s, 99.9))} | ${s.at(-1).toFixed(0)} | ${c.length ? `${f(percentile(c, 99))} (${c.length})` : '–'} | ${r.compactions} | ${r.errors} | ${r.loads.map((l) => l.toFixed(1)).join(', ')} |`;
});
const mine = [...results.get('this build').whileCompacting].sort((x, y) => x - y);
const verdict = mine.length
  ? `Target (this build): p99 while compacting ${f(percentile(mine, 99))} ms, below 50 ms: ${percentile(mine, 99) < 50 ? 'met' : '**NOT met**'}.`
  : 'Target: no compaction was seen during the runs (make them longer).';
const body = `Latency of \`mwaa local start\` while it compacts: ${OBJECTS} objects pre-filled (snapshot ${seedMb.toFixed(0)} MB),
then ${RATE} requests/s (half PutObject with 1.8 KB of metadata, ten tags and an 8 KB Content-Disposition, half GetObject, random keys)
over ${CONNECTIONS} keep-alive connections for ${SECONDS} s (after ${WARMUP} s of the same load, not measured), ${ROUNDS} rounds per build, builds interleaved. Open
loop: latency counts from when a request was due, so a stall counts against every request due during it.
Compactions: times snapshot.json was replaced during the runs (default threshold, 32 MiB of journal).
"p99 while compacting": requests due or answered while a sealed journal segment existed (a background
compaction; the baseline's synchronous one cannot be seen from outside, its stalls are in p99 and max).
Target: p99 below 50 ms while compacting.

| build | requests | p50 ms | p99 ms | p99.9 ms | max ms | p99 while compacting ms (requests) | compactions | errors | load avg (1 min, per run) |
| ----- | -------- | ------ | ------ | -------- | ------ | ---------------------------------- | ----------- | ------ | ------------------------- |
${rows.join('\n')}

${verdict}

Per run, in order:

${roundLines.map((l) => `- ${l}`).join('\n')}

${machine()}, ${new Date().toISOString().slice(0, 10)}. Reproduce: \`npm run build && MWAA_BENCH_BASE_BIN=<baseline build>/bin/mwaa.cjs node bench/emulator-load.mjs\`
(baseline: the build before background compaction, checked out with \`git worktree add\` and built there).`;
writeSection('Emulator under load', body);
process.stdout.write(`${body}\n`);
