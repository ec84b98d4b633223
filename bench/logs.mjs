// `mwaa logs` throughput and memory: 10,000, 100,000 and 300,000 task-log events read through the CLI
// (the built bin/mwaa.cjs) from a `mwaa local start` emulator, rendered to a pipe. Reports events/s and
// the peak RSS of the mwaa process; targets: >= 50,000 events/s and memory flat
// between 10,000 and 100,000 events (300,000 shows whether it keeps growing). Writes the "Logs"
// section of bench/RESULTS.md.
//
// Then the page size: builds of the CLI made here from src/ with only the events per FilterLogEvents page
// changed (1,000, 5,000, 10,000: src/core/logs/read.ts PAGE_SIZE), each reading the 100,000 events with the
// emulator answering at once and with every FilterLogEvents request held 50 ms (a delay fault, standing for
// a network round trip): requests, wall time and peak RSS.
//
// Reproduce: npm run build && node bench/logs.mjs        (MWAA_BENCH_BIN=<path> runs another build;
//            MWAA_BENCH_PAGE_SIZES=1000,5000 changes the page sizes compared, MWAA_BENCH_DELAY_MS the delay)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { benchEnv, machine, startLocalEmulator, writeSection } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.MWAA_BENCH_BIN || join(root, 'bin', 'mwaa.cjs');
const RUNS = 5;
const PAGE_SIZES = (process.env.MWAA_BENCH_PAGE_SIZES || '1000,5000,10000').split(',').map(Number);
const DELAY_MS = Number(process.env.MWAA_BENCH_DELAY_MS || 50);
const PAGE_RUNS = 3;
const PAGE_SOURCE = /^const PAGE_SIZE = [\d_]+;$/m;
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'mwaa-local', AWS_SECRET_ACCESS_KEY: 'mwaa-local', AWS_REGION: 'us-east-1' };
// the peak RSS of the measured process, printed on stderr when it exits
const RSS_PRELOAD =
  "data:text/javascript,import{writeSync}from'node:fs';process.on('exit',()=>writeSync(2,'\\nMWAA_BENCH_MAXRSS_KB='+process.resourceUsage().maxRSS+'\\n'))";

const dir = mkdtempSync(join(tmpdir(), 'mwaa-bench-logs-'));
const cleanEnv = benchEnv();

function startEmulator() {
  return startLocalEmulator({ bin: BIN, cwd: dir, stateDir: join(dir, 'state'), env: cleanEnv, extraArgs: [] });
}

async function seed(url, dagId, events) {
  const logs = new CloudWatchLogsClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'mwaa-local', secretAccessKey: 'mwaa-local' },
  });
  const group = 'airflow-bench-Task';
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  } catch (e) {
    if (e.name !== 'ResourceAlreadyExistsException') throw e;
  }
  const tasks = 10;
  const perTask = events / tasks;
  const start = Date.now() - 3_600_000;
  for (let t = 0; t < tasks; t++) {
    const stream = `dag_id=${dagId}/run_id=manual__2026-01-01T00_00_00+00_00/task_id=task_${t}/attempt=1.log`;
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    for (let i = 0; i < perTask; i += 5000) {
      const batch = [];
      for (let j = i; j < Math.min(perTask, i + 5000); j++) {
        batch.push({
          timestamp: start + j * tasks + t,
          message: `[2026-01-01T00:00:00.000+0000] {taskinstance.py:1234} INFO - task_${t} processed record ${j} of ${perTask} (ok)`,
        });
      }
      await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: batch }));
    }
  }
  logs.destroy();
}

/**
 * The CLI built from this project's src/ with `pageSize` events per FilterLogEvents page (a copy in
 * bench/.work/, PAGE_SIZE of src/core/logs/read.ts the only change); returns its bin.
 */
function buildWithPageSize(pageSize) {
  const out = join(root, 'bench', '.work', `logs-page-${pageSize}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const part of ['src', 'scripts', 'bin', 'package.json', 'tsconfig.json'])
    cpSync(join(root, part), join(out, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
  const read = join(out, 'src', 'core', 'logs', 'read.ts');
  const text = readFileSync(read, 'utf8');
  if (!PAGE_SOURCE.test(text)) throw new Error(`no "const PAGE_SIZE = …;" line in ${read}`);
  writeFileSync(read, text.replace(PAGE_SOURCE, `const PAGE_SIZE = ${pageSize};`));
  const r = spawnSync(process.execPath, [join(out, 'scripts', 'build.mjs')], { cwd: out, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building with PAGE_SIZE ${pageSize} failed:\n${r.stderr}`);
  return join(out, 'bin', 'mwaa.cjs');
}

/** Sets (or, with 0, clears) a delay on every FilterLogEvents request of the emulator; returns the fault's id. */
async function delayFilterLogEvents(url, delayMs) {
  await fetch(`${url}/_mwaa_local/faults`, { method: 'DELETE' });
  if (delayMs === 0) return undefined;
  const r = await fetch(`${url}/_mwaa_local/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'logs', operation: 'FilterLogEvents', delayMs, times: 1_000_000 }),
  });
  if (!r.ok) throw new Error(`POST /_mwaa_local/faults: ${r.status} ${await r.text()}`);
  return (await r.json()).id;
}

/** How many requests the fault has seen. */
async function faultSeen(url, id) {
  const { faults } = await (await fetch(`${url}/_mwaa_local/faults`)).json();
  return faults.find((f) => f.id === id)?.seen ?? 0;
}

/** Runs `mwaa logs …` with stdout to a pipe read here; returns wall ms, lines seen and peak RSS (KB). */
function measure(url, args, bin = BIN) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [`--import=${RSS_PRELOAD}`, bin, '--endpoint-url', url, ...args], {
      cwd: dir,
      env: { ...cleanEnv, ...CREDENTIALS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    let err = '';
    child.stdout.on('data', (chunk) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const rss = /MWAA_BENCH_MAXRSS_KB=(\d+)/.exec(err);
      if (code !== 0 || !rss) return reject(new Error(`mwaa ${args.join(' ')} exited ${code}: ${err}`));
      resolve({ wallMs, lines, rssKb: Number(rss[1]) });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const PAGE_SIZE = Number(PAGE_SOURCE.exec(readFileSync(join(root, 'src', 'core', 'logs', 'read.ts'), 'utf8'))?.[0].replace(/\D/g, ''));

let emulator;
try {
  writeFileSync(join(dir, 'mwaa.yaml'), 'environments:\n  bench:\n    name: bench\n    region: us-east-1\n    bucket: bench-bucket\n');
  emulator = await startEmulator();
  console.log(`emulator at ${emulator.url}; writing 410,000 events…`);
  await seed(emulator.url, 'bench10k', 10_000);
  await seed(emulator.url, 'bench100k', 100_000);
  await seed(emulator.url, 'bench300k', 300_000);

  const cases = [
    {
      name: 'one event (start-up, GetEnvironment, stream lookup)',
      events: 1,
      args: ['logs', 'bench10k', '--run', 'manual__2026-01-01T00:00:00+00:00', '--limit', '1'],
    },
    { name: '10,000 events', events: 10_000, args: ['logs', 'bench10k', '--run', 'manual__2026-01-01T00:00:00+00:00'] },
    { name: '100,000 events', events: 100_000, args: ['logs', 'bench100k', '--run', 'manual__2026-01-01T00:00:00+00:00'] },
    { name: '300,000 events', events: 300_000, args: ['logs', 'bench300k', '--run', 'manual__2026-01-01T00:00:00+00:00'] },
    {
      name: '100,000 events, --json',
      events: 100_000,
      args: ['logs', 'bench100k', '--run', 'manual__2026-01-01T00:00:00+00:00', '--json'],
    },
  ];
  // interleaved (case after case, RUNS rounds) so that a busy moment of the machine spreads over all cases
  const loadBefore = loadavg()[0];
  const runs = cases.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (const [i, c] of cases.entries()) {
      const r = await measure(emulator.url, c.args);
      if (r.lines < c.events) throw new Error(`${c.name}: expected ${c.events} lines, got ${r.lines}`);
      runs[i].push(r);
    }
  }
  // the page size: the 100,000 events read by builds that differ only in it, at once and with a delay
  const RUN = 'manual__2026-01-01T00:00:00+00:00';
  const bins = PAGE_SIZES.map((n) => buildWithPageSize(n));
  const pages = PAGE_SIZES.map(() => ({ fast: [], slow: [], small: [], requests: [] }));
  for (let round = 0; round < PAGE_RUNS; round++) {
    for (const delay of [0, DELAY_MS]) {
      const fault = await delayFilterLogEvents(emulator.url, delay);
      for (const [i, bin] of bins.entries()) {
        const seen = fault ? await faultSeen(emulator.url, fault) : 0;
        const r = await measure(emulator.url, ['logs', 'bench100k', '--run', RUN], bin);
        if (r.lines < 100_000) throw new Error(`page size ${PAGE_SIZES[i]}: expected 100,000 lines, got ${r.lines}`);
        if (fault) pages[i].requests.push((await faultSeen(emulator.url, fault)) - seen);
        pages[i][delay ? 'slow' : 'fast'].push(r);
        // and the 10,000-event case, for memory flat in the number of events
        if (!delay) pages[i].small.push(await measure(emulator.url, ['logs', 'bench10k', '--run', RUN], bin));
      }
    }
  }
  await delayFilterLogEvents(emulator.url, 0);
  const loadAfter = loadavg()[0];
  const pageRows = PAGE_SIZES.map((n, i) => {
    const p = pages[i];
    const fast = median(p.fast.map((r) => r.wallMs));
    const slow = median(p.slow.map((r) => r.wallMs));
    const peak = (runs) => Math.max(...runs.map((r) => r.rssKb));
    const rss = (runs) => `${(peak(runs) / 1024).toFixed(1)} MiB`;
    return `| ${n.toLocaleString('en-US')}${n === PAGE_SIZE ? ' (chosen)' : ''} | ${median(p.requests)} | ${fast.toFixed(0)} ms | ${rss(p.small)} → ${rss(p.fast)} (×${(peak(p.fast) / peak(p.small)).toFixed(2)}) | ${slow.toFixed(0)} ms | ${Math.round(100_000 / (slow / 1000)).toLocaleString('en-US')} | ${rss(p.slow)} |`;
  });
  for (const row of pageRows) console.log(row);

  const results = cases.map((c, i) => ({
    ...c,
    wallMs: median(runs[i].map((r) => r.wallMs)),
    rssKb: Math.max(...runs[i].map((r) => r.rssKb)),
  }));
  for (const r of results) console.log(`${r.name}: ${r.wallMs.toFixed(0)} ms, peak RSS ${(r.rssKb / 1024).toFixed(1)} MiB`);

  const base = results[0].wallMs;
  const rate = (r) => Math.round(r.events / (r.wallMs / 1000));
  const net = (r) => Math.round(r.events / ((r.wallMs - base) / 1000));
  const mib = (kb) => `${(kb / 1024).toFixed(1)} MiB`;
  const [, small, big, huge, json] = results;
  const rssGrowth = big.rssKb / small.rssKb;
  const rssLater = huge.rssKb / big.rssKb;
  const rateOk = rate(big) >= 50_000;
  const flat = rssGrowth <= 1.1;
  const plateau = rssLater <= 1.05;
  const rows = results.map(
    (r, i) =>
      `| ${r.name} | ${r.wallMs.toFixed(0)} ms | ${i === 0 ? '–' : rate(r).toLocaleString('en-US')} | ${i === 0 ? '–' : net(r).toLocaleString('en-US')} | ${mib(r.rssKb)} |`,
  );
  writeSection(
    'Logs',
    `Reproduce: \`npm run build && node bench/logs.mjs\` (${machine()}; median wall time, highest peak RSS).

\`mwaa logs <dag> --run <run>\` as a process (bin/mwaa.cjs) reading task-log events of 10 streams from
\`mwaa local start\` and rendering them to a pipe that the benchmark reads. Wall time covers the whole
process (start-up, GetEnvironment, stream lookup, every FilterLogEvents page of ${PAGE_SIZE.toLocaleString('en-US')} events, the next
page asked for while the current one is written); "net" leaves out the one-event run's time. Cases run
interleaved, ${RUNS} rounds. Peak RSS is the process's \`maxRSS\`. The machine's load average was
${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after (other work was running on its 2 cores: wall times are noisy).

| case | wall time | events/s | events/s, net of start-up | peak RSS |
|---|---|---|---|---|
${rows.join('\n')}

Targets:
- at least 50,000 events/s rendered to a pipe: **${rateOk ? 'met' : 'NOT met'}** (${rate(big).toLocaleString('en-US')} events/s over 100,000 events including start-up; ${rate(json).toLocaleString('en-US')} with --json).
- memory flat between 10,000 and 100,000 events (within 10%): **${flat ? 'met' : 'NOT met'}** (peak RSS ${mib(small.rssKb)} → ${mib(big.rssKb)}, ×${rssGrowth.toFixed(2)}).
- memory does not grow with the number of events beyond that (100,000 → 300,000 within 5%): **${plateau ? 'met' : 'NOT met'}** (${mib(big.rssKb)} → ${mib(huge.rssKb)}, ×${rssLater.toFixed(2)}).

Page size (events per FilterLogEvents page; the service allows up to 10,000): the 100,000-event case read by
builds that differ only in it (bench/.work/logs-page-<n>, made from src/ by the benchmark), ${PAGE_RUNS} interleaved rounds,
medians and highest peak RSS; once with the emulator answering at once, once with each FilterLogEvents request
held ${DELAY_MS} ms by the emulator (\`POST /_mwaa_local/faults\` with \`delayMs\`), standing for a network round trip.
Requests are the FilterLogEvents calls of one run. The chosen size is the biggest that keeps memory flat
(the 10,000-event case read by the same build, within 10%): bigger pages are fewer round trips, but two are
held at a time (the one written and the next), each as text and as parsed events.

| events per page | requests | wall time, no delay | peak RSS, 10,000 → 100,000 events | wall time, ${DELAY_MS} ms per request | events/s, ${DELAY_MS} ms per request | peak RSS |
|---|---|---|---|---|---|---|
${pageRows.join('\n')}

Per source, only the page being written and the next one are held, so what is live does not depend on
the number of events. Two things keep the process's size from growing with the amount of work: each
FilterLogEvents page is read with one \`JSON.parse\` instead of the SDK's schema walk (src/aws/logs-events.ts;
a third less allocation), and bin/heap.cjs stops V8's young generation at 4 MiB per semi-space (V8 doubles
it up to 16 MiB as bytes survive, which is what made peak RSS rise ×1.25 between 10,000 and 100,000 events
before) and lets the old generation grow by 50% over what is live before a full collection.`,
  );
  console.log(`events/s (100k): ${rate(big)}; RSS 10k→100k ×${rssGrowth.toFixed(2)}`);
} finally {
  emulator?.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dir, { recursive: true, force: true });
}
