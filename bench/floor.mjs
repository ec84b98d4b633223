// The physical floor of a no-op push, as a process: walk the DAG folder and sha256 every file, list the
// bucket's current objects the way a plan needs them (ListObjectsV2 in key ranges cut at every 1,000th of
// the local files' keys, 8 ranges at a time, as src/core/deploy/listing.ts does), and GET the release
// index and the current record. node:http with
// keep-alive and a fixed Authorization header (the emulator does not check signatures): no SDK, no
// parsing beyond the index. What a push cannot do without; bench/push.mjs compares mwaa with it.
//
// Usage: node bench/floor.mjs <endpoint-url> <bucket> <dag-prefix> <dags-folder> <environment-name>
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, relative } from 'node:path';

const [url, bucket, prefix, folder, environment] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const AUTH = 'AWS4-HMAC-SHA256 Credential=mwaa-local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0';

function get(path) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/${bucket}${path}`, { agent, headers: { authorization: AUTH } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The keys after `after` up to `last` (more pages only while a page ends before `last`). */
async function listRange(after, last) {
  let token;
  do {
    const from = token ? `&continuation-token=${encodeURIComponent(token)}` : after ? `&start-after=${encodeURIComponent(after)}` : '';
    const body = await get(`?list-type=2&prefix=${encodeURIComponent(prefix)}${from}`);
    const at = body.lastIndexOf('<Key>');
    const end = at < 0 ? undefined : body.slice(at + 5, body.indexOf('</Key>', at));
    const past = last !== undefined && end !== undefined && Buffer.compare(Buffer.from(end), Buffer.from(last)) >= 0;
    token = /<IsTruncated>true<\/IsTruncated>/.test(body) && !past ? /<NextContinuationToken>([^<]*)</.exec(body)?.[1] : undefined;
  } while (token);
}

async function listing(files) {
  const sorted = files.map((f) => Buffer.from(prefix + f)).sort(Buffer.compare);
  const cuts = [];
  for (let i = 999; i < sorted.length - 1; i += 1000) cuts.push(sorted[i].toString());
  const ranges = [...cuts.map((last, i) => [cuts[i - 1], last]), [cuts.at(-1), undefined]];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ranges.length) await listRange(...ranges[next++]);
    }),
  );
}

async function record() {
  const index = JSON.parse(await get('/.mwaa/releases/index.json'));
  const id = index.current[environment];
  if (id) await get(`/.mwaa/releases/${id}.json`);
}

function walk() {
  const files = [];
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.push(relative(folder, join(entry.parentPath ?? entry.path, entry.name)));
  }
  return files;
}

function hashAll(files) {
  for (const f of files)
    createHash('sha256')
      .update(readFileSync(join(folder, f)))
      .digest('hex');
}

const files = walk();
await Promise.all([listing(files), record(), Promise.resolve().then(() => hashAll(files))]);
agent.destroy();
