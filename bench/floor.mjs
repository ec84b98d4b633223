// The physical floor of a no-op push, as a process: walk the DAG folder and sha256 every file, list the
// bucket's current objects the way a plan needs them (ListObjectsV2 of the prefix with a delimiter, then
// each top-level folder, 8 at a time), and GET the release index and the current record. node:http with
// keep-alive and a fixed Authorization header (the emulator does not check signatures): no SDK, no
// parsing beyond the index. What a push cannot do without; bench/push.mjs compares mwaa with it.
//
// Usage: node bench/floor.mjs <endpoint-url> <bucket> <dag-prefix> <dags-folder> <environment-name>
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

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

async function listAll(p, delimiter) {
  const bodies = [];
  let token;
  do {
    const q = `?list-type=2&prefix=${encodeURIComponent(p)}${delimiter ? '&delimiter=%2F' : ''}${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
    const body = await get(q);
    bodies.push(body);
    token = /<IsTruncated>true<\/IsTruncated>/.test(body) ? /<NextContinuationToken>([^<]*)</.exec(body)?.[1] : undefined;
  } while (token);
  return bodies;
}

async function listing() {
  const top = await listAll(prefix, true);
  const folders = [...top.join('').matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix>/g)].map((m) => m[1]);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < folders.length) await listAll(folders[next++], false);
    }),
  );
}

async function record() {
  const index = JSON.parse(await get('/.mwaa/releases/index.json'));
  const id = index.current[environment];
  if (id) await get(`/.mwaa/releases/${id}.json`);
}

function hashAll() {
  let n = 0;
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    createHash('sha256')
      .update(readFileSync(join(entry.parentPath ?? entry.path, entry.name)))
      .digest('hex');
    n++;
  }
  return n;
}

await Promise.all([listing(), record(), Promise.resolve().then(hashAll)]);
agent.destroy();
