// Latency of new log events reaching a reader: a StartLiveTail session versus polling FilterLogEvents
// every 2 seconds from the newest event seen (what `mwaa logs --follow` does by default). Both read
// from `mwaa local start` while a writer puts one event every 370 ms; latency = time the reader has
// the event − time its PutLogEvents call returned. Writes the "Live Tail" section of bench/RESULTS.md.
// The emulator's numbers show the two mechanisms' cadence (Live Tail: an update every second; polling:
// the interval), not AWS's ingestion delay, which adds to both. See docs/logs-follow.md.
//
// Reproduce: npm run build && node bench/livetail.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  StartLiveTailCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { benchEnv, machine, startLocalEmulator, writeSection } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.MWAA_BENCH_BIN || join(root, 'bin', 'mwaa.cjs');
const EVENTS = 40;
const GAP_MS = 370;
const POLL_MS = 2_000;
const GROUP = 'bench-live';
const dir = mkdtempSync(join(tmpdir(), 'mwaa-bench-livetail-'));
const cleanEnv = benchEnv();
const credentials = { accessKeyId: 'mwaa-local', secretAccessKey: 'mwaa-local' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** Puts EVENTS events GAP_MS apart; returns message -> time its PutLogEvents returned. */
async function writer(logs, stream) {
  const sent = new Map();
  for (let i = 0; i < EVENTS; i++) {
    const message = `${stream} event ${i}`;
    await logs.send(
      new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, logEvents: [{ timestamp: Date.now(), message }] }),
    );
    sent.set(message, performance.now());
    await sleep(GAP_MS);
  }
  return sent;
}

async function liveTail(url, logs) {
  const tail = new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials, disableHostPrefix: true });
  const ac = new AbortController();
  const got = new Map();
  const r = await tail.send(
    new StartLiveTailCommand({ logGroupIdentifiers: [`arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}`], logStreamNames: ['tail'] }),
    { abortSignal: ac.signal },
  );
  const reading = (async () => {
    try {
      for await (const m of r.responseStream) {
        for (const e of m.sessionUpdate?.sessionResults ?? []) got.set(e.message, performance.now());
        if (got.size >= EVENTS) break;
      }
    } catch (e) {
      if (e.name !== 'AbortError') throw e;
    }
  })();
  const sent = await writer(logs, 'tail');
  await Promise.race([reading, sleep(5_000)]);
  ac.abort();
  tail.destroy();
  return [...sent].filter(([m]) => got.has(m)).map(([m, t]) => got.get(m) - t);
}

async function polling(logs) {
  const got = new Map();
  let stop = false;
  let from = Date.now();
  const seen = new Set();
  const reading = (async () => {
    while (!stop) {
      const r = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNames: ['poll'], startTime: from }));
      const now = performance.now();
      for (const e of r.events ?? []) {
        if (seen.has(e.eventId)) continue;
        seen.add(e.eventId);
        got.set(e.message, now);
        from = Math.max(from, e.timestamp);
      }
      await sleep(POLL_MS);
    }
  })();
  const sent = await writer(logs, 'poll');
  await sleep(POLL_MS + 500);
  stop = true;
  await reading;
  return [...sent].filter(([m]) => got.has(m)).map(([m, t]) => got.get(m) - t);
}

const loadBefore = loadavg()[0];
const { child, url } = await startLocalEmulator({ bin: BIN, cwd: dir, stateDir: join(dir, 'state'), env: cleanEnv });
try {
  const logs = new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials });
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  for (const s of ['tail', 'poll']) await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: s }));
  const tail = await liveTail(url, logs);
  const poll = await polling(logs);
  logs.destroy();
  const row = (name, xs) =>
    `| ${name} | ${xs.length}/${EVENTS} | ${Math.round(quantile(xs, 0.5))} ms | ${Math.round(quantile(xs, 0.95))} ms | ${Math.round(Math.max(...xs))} ms |`;
  const body = `Reproduce: \`npm run build && node bench/livetail.mjs\` (${machine()}).

Latency from a PutLogEvents call returning to a reader having the event, against \`mwaa local start\`
(${EVENTS} events, one every ${GAP_MS} ms). The emulator sends a Live Tail update every second and the
poller asks every ${POLL_MS / 1000} s, so these numbers are the mechanisms' cadence; on AWS the ingestion delay adds
to both. The decision they inform is in docs/logs-follow.md. The machine's load average was
${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after (other work was running on its 2 cores).

| reader | events received | median | p95 | max |
|---|---|---|---|---|
${row('StartLiveTail session', tail)}
${row(`FilterLogEvents every ${POLL_MS / 1000} s`, poll)}
`;
  writeSection('Live Tail', body);
  console.log(body);
} finally {
  child.kill('SIGINT');
  await new Promise((r) => child.once('close', r));
  rmSync(dir, { recursive: true, force: true });
}
