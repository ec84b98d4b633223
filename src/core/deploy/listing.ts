/**
 * What the bucket holds under the DAG prefix, read for a plan (docs/deploy.md, "Planning"):
 *
 * - the current objects, by ListObjectsV2: one delimited page for the prefix, then every top-level
 *   folder in parallel. Its cost follows the number of files, never the bucket's history;
 * - the latest version (or delete marker) of just the keys the plan touches, by ListObjectVersions:
 *   key by key when they are few, else folder by folder.
 */
import pLimit from 'p-limit';
import type { ObjectEntry, S3Api, VersionEntry } from '../ports/s3.js';
import type { RemoteObject } from './plan.js';
import { STATE_PREFIX } from './records.js';

/** Requests in flight at once for one listing. */
const PARALLEL = 8;
/** Up to this many keys, versions are looked up key by key. */
const FEW_KEYS = 32;

const isDagKey = (key: string) => !key.startsWith(STATE_PREFIX) && !key.endsWith('/');

/** The current objects under `prefix` (tool state and folder markers left out). */
export async function currentObjects(s3: S3Api, bucket: string, prefix: string, signal?: AbortSignal): Promise<Map<string, RemoteObject>> {
  const out = new Map<string, RemoteObject>();
  const add = (objects: ObjectEntry[]) => {
    for (const o of objects) if (isDagKey(o.key)) out.set(o.key, { etag: o.etag, size: o.size });
  };
  const top = await s3.listObjects(bucket, prefix, { delimiter: '/', signal });
  add(top.objects);
  const limit = pLimit(PARALLEL);
  const folders = top.prefixes.filter((p) => !p.startsWith(STATE_PREFIX));
  await Promise.all(folders.map((folder) => limit(async () => add((await s3.listObjects(bucket, folder, { signal })).objects))));
  return out;
}

/** The folder a key is listed with: its top-level folder under the prefix, or the key itself. */
function groupOf(prefix: string, key: string): string {
  const slash = key.indexOf('/', prefix.length);
  return slash < 0 ? key : key.slice(0, slash + 1);
}

/** The latest entry (version or delete marker) of each key that has one. */
export async function latestVersions(
  s3: S3Api,
  bucket: string,
  prefix: string,
  keys: string[],
  signal?: AbortSignal,
): Promise<Map<string, VersionEntry>> {
  const wanted = new Set(keys);
  const groups = keys.length <= FEW_KEYS ? keys : [...new Set(keys.map((k) => groupOf(prefix, k)))];
  const out = new Map<string, VersionEntry>();
  const limit = pLimit(PARALLEL);
  await Promise.all(
    groups.map((group) =>
      limit(async () => {
        for (const e of await s3.listVersions(bucket, group, { latestOnly: true, signal })) if (wanted.has(e.key)) out.set(e.key, e);
      }),
    ),
  );
  return out;
}
