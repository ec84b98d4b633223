// The CPU one PutObject costs the pushing process, on `mwaa local start`: the S3 client as mwaa builds it
// (src/aws/clients.ts + src/aws/s3.ts, bundled from src/ by esbuild) against raw node:http PUTs, the floor:
//   - raw PUT: keep-alive node:http, Content-MD5 and a fixed Authorization header (the emulator does not
//     check signatures), no SDK
//   - raw signed PUT: the same, signed with SigV4 per request (sha256 of the body, HMAC with a cached
//     signing key), the work AWS cannot do without
//   - mwaa: s3Api(client, { uploader }).putObject(bucket, key, body, { contentMd5 }) as the release
//     transaction calls it (each PUT on an uploader client, AwsClients.s3Uploader), the same on one client
//     for every call, and (MWAA_BENCH_BEFORE_SRC=<worktree>) the latter from another worktree's src/
//   - mwaa with one layer of the SDK left out or changed, each on a client of its own: the difference is
//     what that layer costs (measurement only: these clients are not what mwaa may ship)
// Each case uploads the same ~1.5 KB bodies, 16 at a time; CPU is the process's user+system time over the
// batch (the emulator runs in its own process), cases interleaved, medians of the rounds. Then one more
// mwaa batch under the inspector's CPU profiler, its samples attributed to the layers of the SDK by the
// file they ran in (self time), to show where the SDK's part goes.
//
// Reproduce: npm run build && node bench/put-cost.mjs     (MWAA_BENCH_BIN=<path> runs the emulator of another
//            build; MWAA_BENCH_BEFORE_SRC=<worktree> adds that worktree's S3 client; MWAA_BENCH_PUTS /
//            MWAA_BENCH_RUNS change the sizes; MWAA_BENCH_PROFILE=<file> keeps the CPU profile;
//            --no-write leaves bench/RESULTS.md alone)
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { benchEnv, machine, startLocalEmulator, writeSection } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.MWAA_BENCH_BIN || join(root, 'bin', 'mwaa.cjs');
const BEFORE = process.env.MWAA_BENCH_BEFORE_SRC;
const PUTS = Number(process.env.MWAA_BENCH_PUTS || 1000);
const RUNS = Number(process.env.MWAA_BENCH_RUNS || 5);
const CONCURRENCY = 16;
const WRITE = !process.argv.includes('--no-write');
const CRED = { accessKeyId: 'mwaa-local', secretAccessKey: 'mwaa-local' };
const FIXED_AUTH = 'AWS4-HMAC-SHA256 Credential=mwaa-local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0';

const dir = mkdtempSync(join(tmpdir(), 'mwaa-bench-put-'));
const env = benchEnv();

/** mwaa's S3 adapter, bundled from the src/ of a worktree the way dist/ is (the SDK stays in node_modules). */
async function loadMwaaS3(src, name) {
  const out = join(root, 'bench', '.work', `put-cost-${name}.mjs`); // inside the project: the SDK resolves from its node_modules
  mkdirSync(dirname(out), { recursive: true });
  await build({
    stdin: {
      contents: `export { createAwsClients } from ${JSON.stringify(join(src, 'src/aws/clients.ts'))};
export { s3Api } from ${JSON.stringify(join(src, 'src/aws/s3.ts'))};`,
      resolveDir: src,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: out,
    external: ['@aws-sdk/*', '@smithy/*'],
    logLevel: 'warning',
  });
  return import(`${pathToFileURL(out).href}?${Date.now()}`);
}

/** A ~1.5 KB body, different per index (like bench/push.mjs's DAG files). */
function body(i) {
  const id = `etl_${String(i).padStart(5, '0')}`;
  const lines = [`from airflow import DAG  # ${id}`];
  for (let t = 0; t < 24; t++) lines.push(`t${t} = BashOperator(task_id="step_${t}", bash_command="echo ${id} ${t}")`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

const bodies = Array.from({ length: PUTS }, (_, i) => {
  const b = body(i);
  return { bytes: b, md5: createHash('md5').update(b).digest('base64') };
});

async function bounded(n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** node:http PUT; `sign` adds SigV4 headers, otherwise a fixed Authorization header. */
function rawPut(base, agent, sign) {
  const u = new URL(base);
  return (bucket, key, b) =>
    new Promise((resolve, reject) => {
      const path = `/${bucket}/${key}`;
      const headers = { 'content-length': String(b.bytes.byteLength), 'content-md5': b.md5, host: u.host };
      if (sign) Object.assign(headers, sigv4('PUT', path, headers, b.bytes));
      else headers.authorization = FIXED_AUTH;
      const req = request({ host: u.hostname, port: u.port, method: 'PUT', path, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${path}: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(b.bytes);
    });
}

const signingKeys = new Map();
/** SigV4 of an S3 request: the headers it adds (the signing key cached per day, as the SDK does). */
function sigv4(method, path, headers, payload) {
  const now = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = now.slice(0, 8);
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const hash = createHash('sha256').update(payload).digest('hex');
  const all = { ...headers, 'x-amz-content-sha256': hash, 'x-amz-date': now };
  const names = Object.keys(all).sort();
  const canonical = [method, path, '', ...names.map((n) => `${n}:${all[n]}`), '', names.join(';'), hash].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', now, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key = signingKeys.get(day);
  if (!key) {
    key = ['us-east-1', 's3', 'aws4_request'].reduce(
      (k, part) => createHmac('sha256', k).update(part).digest(),
      createHmac('sha256', `AWS4${CRED.secretAccessKey}`).update(day).digest(),
    );
    signingKeys.set(day, key);
  }
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    'x-amz-content-sha256': hash,
    'x-amz-date': now,
    authorization: `AWS4-HMAC-SHA256 Credential=${CRED.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

/** CPU microseconds per PUT and wall ms of one batch of `put`. */
async function batch(put, bucket, round) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  await bounded(PUTS, (i) => put(bucket, `dags/r${round}/etl_${i}.py`, bodies[i]));
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / PUTS, wallMs: performance.now() - wall };
}

// self time by the file a sample ran in: the layers of the SDK (first match wins)
const LAYERS = [
  ['signing (SigV4)', /signature-v4|middleware-signing|httpAuthSchemes|core\/dist-cjs\/submodules\/httpAuth|credential/],
  ['endpoint resolution', /endpoint|util-endpoints|ruleset/],
  ['checksums (flexible checksums, MD5)', /checksum|md5|crc32|hash-node|sha256/],
  ['retries (adaptive mode)', /retry/],
  ['serialize / deserialize (XML)', /xml|serde|protocols|smithy-client|schema/],
  ['HTTP handler (SDK side)', /node-http-handler|protocol-http|querystring|url-parser/],
  ['middleware stack and the rest of the SDK', /@smithy|@aws-sdk/],
  ['Node: http, net, streams', /^node:|^internal\/|^(http|net|_http_\w+|stream|events)\b/],
  ['mwaa (src/aws/s3.ts) and the bench', /mwaa-bench|put-cost/],
];

function layersOf(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    let node = byId.get(profile.samples[i]);
    const us = profile.timeDeltas[i] ?? 0;
    const { functionName } = node.callFrame;
    let layer = 'other';
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') layer = functionName;
    else {
      // a built-in (no file: JSON.parse, Buffer methods, crypto bindings) counts for its caller
      while (node && !node.callFrame.url) node = parent.get(node.id);
      const url = node?.callFrame.url.replace(/^file:\/\/.*node_modules\//, '') ?? '';
      const found = LAYERS.find(([, re]) => re.test(url));
      if (found) layer = found[0];
    }
    self.set(layer, (self.get(layer) ?? 0) + us);
  }
  return self;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const load0 = loadavg()[0];
const emulator = await startLocalEmulator({ bin: BIN, cwd: dir, stateDir: join(dir, 'state'), env });
try {
  const mwaa = await loadMwaaS3(root, 'current');
  const before = BEFORE ? await loadMwaaS3(BEFORE, 'before') : undefined;
  const clients = mwaa.createAwsClients({ region: 'us-east-1', endpoints: { s3: emulator.url }, credentials: CRED, local: true });
  const client = await clients.s3();
  const { CreateBucketCommand, PutBucketVersioningCommand } = await import('@aws-sdk/client-s3');
  const bucket = 'put-cost';
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));

  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  /** mwaa's putObject on a client of its own, changed by `alter` (a layer left out, to measure what it costs). */
  const mwaaPut = async (alter, { createAwsClients, s3Api } = mwaa) => {
    const c = await createAwsClients({ region: 'us-east-1', endpoints: { s3: emulator.url }, credentials: CRED, local: true }).s3();
    alter?.(c);
    const api = s3Api(c);
    return async (b, key, x) => {
      const r = await api.putObject(b, key, x.bytes, { contentMd5: x.md5 });
      if (!r.versionId) throw new Error(`PutObject ${key}: no version id`);
    };
  };
  /** mwaa's putObject as a deploy wires it: each PUT on an uploader client no other call is using. */
  const mwaaUploaderPut = async () => {
    const aws = mwaa.createAwsClients({ region: 'us-east-1', endpoints: { s3: emulator.url }, credentials: CRED, local: true });
    const api = mwaa.s3Api(await aws.s3(), { uploader: () => aws.s3Uploader() });
    return async (b, key, x) => {
      const r = await api.putObject(b, key, x.bytes, { contentMd5: x.md5 });
      if (!r.versionId) throw new Error(`PutObject ${key}: no version id`);
    };
  };
  const without =
    (...names) =>
    (c) => {
      for (const name of names) if (!c.middlewareStack.remove(name)) throw new Error(`no middleware ${name}`);
    };
  const cases = [
    ['raw PUT (node:http, fixed Authorization)', rawPut(emulator.url, agent, false)],
    ['raw signed PUT (node:http + SigV4)', rawPut(emulator.url, agent, true)],
    ...(before ? [['mwaa, the build at MWAA_BENCH_BEFORE_SRC', await mwaaPut(undefined, before)]] : []),
    ['mwaa, one S3Client for every call (s3Api.putObject without uploader clients)', await mwaaPut()],
  ];
  /** the row the layer rows are compared with: they change that one client */
  const MWAA = cases.length - 1;
  cases.push(['mwaa as a deploy runs it: each PUT on an uploader client (`AwsClients.s3Uploader`)', await mwaaUploaderPut()]);
  /** the row profiled: what mwaa ships */
  const SHIPPED = cases.length - 1;
  // the same, each with one layer left out (not for use: the difference is what that layer costs)
  const layerCases = [
    [
      'one client for every call, the middleware resolved once per command class (`cacheMiddleware: true`; unsafe, see below)',
      (c) => (c.config.cacheMiddleware = true),
    ],
    [
      'no SigV4 signing (a fixed Authorization header instead)',
      (c) => {
        without('httpSigningMiddleware')(c);
        const fixed = (next) => (args) => {
          args.request.headers.authorization = FIXED_AUTH;
          return next(args);
        };
        c.middlewareStack.add(fixed, { step: 'finalizeRequest', name: 'benchFixedAuthorization' });
      },
    ],
    [
      'no retry strategy (retryMiddleware passes the request through)',
      (c) => {
        without('retryMiddleware')(c);
        c.middlewareStack.add((next) => next, { step: 'finalizeRequest', priority: 'high', name: 'retryMiddleware' });
      },
    ],
    ['no logger and region-redirect middleware (both only pass the call on here)', without('loggerMiddleware', 'regionRedirectMiddleware')],
    ['no bucket-name check (validateBucketNameMiddleware)', without('validateBucketNameMiddleware')],
    ['no S3 Express check (s3ExpressMiddleware)', without('s3ExpressMiddleware')],
    ['no user agent (getUserAgentMiddleware)', without('getUserAgentMiddleware')],
  ];
  for (const [name, alter] of layerCases) cases.push([`mwaa, ${name}`, await mwaaPut(alter)]);
  // warm-up: connections, JIT, the SDK's lazy parts
  for (const [, put] of cases) await batch(put, bucket, 'warm');
  const results = cases.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    for (let c = 0; c < cases.length; c++) results[c].push(await batch(cases[c][1], bucket, `${r}-${c}`));
  }

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const profiled = await batch(cases[SHIPPED][1], bucket, 'profiled');
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  if (process.env.MWAA_BENCH_PROFILE) writeFileSync(process.env.MWAA_BENCH_PROFILE, JSON.stringify(profile));
  agent.destroy();
  const load1 = loadavg()[0];

  const floor = median(results[0].map((x) => x.cpuUs));
  const mwaaCpu = median(results[MWAA].map((x) => x.cpuUs));
  const rows = cases.map(([name], c) => {
    const cpu = median(results[c].map((x) => x.cpuUs));
    const wall = median(results[c].map((x) => x.wallMs));
    const saved = c !== MWAA && c > 1 ? ` (${Math.abs(mwaaCpu - cpu).toFixed(0)} µs ${cpu < mwaaCpu ? 'less' : 'more'})` : '';
    return `| ${name} | ${cpu.toFixed(0)} µs${saved} | ${(cpu / floor).toFixed(2)}× | ${wall.toFixed(0)} ms |`;
  });
  const layers = layersOf(profile);
  const total = [...layers.values()].reduce((a, b) => a + b, 0);
  const busy = total - (layers.get('(idle)') ?? 0);
  const layerRows = [...layers.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `| ${name} | ${(us / PUTS).toFixed(0)} µs | ${((100 * us) / busy).toFixed(0)}% |`);

  const text = `Reproduce: \`npm run build && ${BEFORE ? 'MWAA_BENCH_BEFORE_SRC=<worktree of the build before> ' : ''}node bench/put-cost.mjs\` (${machine()}; ${PUTS} PUTs of ~1.5 KB per batch, ${CONCURRENCY} at a time, ${RUNS} interleaved rounds, medians).

CPU of the uploading process per PutObject on \`mwaa local start\` (a separate process, so its CPU is not counted).
The load average was ${load0.toFixed(1)} before and ${load1.toFixed(1)} after (2 cores shared with other work: wall times are noisy, CPU per PUT much less).

| case | CPU per PUT | vs raw PUT | wall time of ${PUTS} PUTs |
| ---- | ----------- | ---------- | ------------------------- |
${rows.join('\n')}

Where mwaa's CPU per PUT goes: one more batch as a deploy runs it, under the CPU profiler (100 µs sampling; the profiler slows it,
${profiled.cpuUs.toFixed(0)} µs per PUT), self time by the file the sample ran in:

| layer | self time per PUT | share |
| ----- | ----------------- | ----- |
${layerRows.join('\n')}

The profile samples the main thread's wall time, so a syscall that waits for a core (writev under load)
counts in full; the toggles above are CPU time.

Nothing in the S3 client's stack is both redundant and measurable. The logger and region-redirect middleware only
pass each call on for mwaa (a silent logger, redirects off), but leaving them out saves little (the row above;
in an earlier run of 9 rounds, within noise), so the client stays as the SDK makes it. What
costs, and why it stays: SigV4 signing (AWS checks it; the SDK's signer costs more than the raw one, but it is the
SDK's). The retry strategy (adaptive retries keep a push through S3's 503 SlowDown), the bucket-name and S3 Express
checks and the user agent cost little each, within the noise of these rows. Checksums: every PUT carries Content-MD5 (S3 checks it; a bucket with a
default Object Lock retention requires it); the SDK's own CRC32 is computed only where S3 requires one
(\`requestChecksumCalculation: 'WHEN_REQUIRED'\`, src/aws/clients.ts), so it costs nothing per PUT.
The SDK clones and sorts its middleware stack on every call; its \`cacheMiddleware\` option resolves it once
per command class (the row above), but then shares one per-call context among the calls of that class, and
concurrent PUTs to two buckets on one such client went to the wrong bucket
(test/integration/s3-client-concurrency.test.ts). mwaa's deploys use it on clients lent to one call at a
time (\`AwsClients.s3Uploader\`, src/aws/s3.ts), which shares nothing between calls in flight. The rest of the
distance to the raw signed PUT is the SDK's middleware machinery itself; only a PUT path of mwaa's own (SigV4,
retries, credential refresh, error
mapping) would close it, and that would duplicate the SDK: not written.
`;
  console.log(text);
  if (WRITE) writeSection('Per-PUT cost', text);
} finally {
  const exited = new Promise((resolve) => emulator.child.once('exit', resolve));
  emulator.child.kill();
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
