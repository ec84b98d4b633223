/**
 * What the bucket holds under the DAG prefix, read for a plan (docs/deploy.md, "Planning"):
 *
 * - the current objects, by ListObjectsV2, in key ranges listed in parallel. Its cost follows the number
 *   of files, never the bucket's history;
 * - the latest version (or delete marker) of just the keys the plan touches, by ListObjectVersions:
 *   key by key when they are few, else folder by folder.
 */
import pLimit from 'p-limit';
import { compareKeys, type ObjectEntry, type S3Api, type VersionEntry } from '../ports/s3.js';
import type { RemoteObject } from './plan.js';
import { STATE_PREFIX } from './records.js';

/** Requests in flight at once for one listing. */
const PARALLEL = 8;
/** Up to this many keys, versions are looked up key by key. */
const FEW_KEYS = 32;
/** The keys of a full ListObjectsV2 page (S3's most, and what it sends unless asked for fewer). */
const PAGE_KEYS = 1000;
/** After every key under the tool's state folder (no key's UTF-8 bytes go past U+10FFFF's). */
const AFTER_STATE = `${STATE_PREFIX}\u{10FFFF}`;

const isDagKey = (key: string) => !key.startsWith(STATE_PREFIX) && !key.endsWith('/');

/** A range of keys to list: those after `after` up to `last` (in S3's order); an end left out is open. */
export interface KeyRange {
  after?: string;
  last?: string;
}

/**
 * The ranges the listing of `prefix` is cut into, at every 1,000th of the keys the project expects there
 * (its own files): where the bucket holds what the project does, each range is one full page, and the
 * pages are asked for at once, where a listing by continuation tokens asks for them one after the other.
 * 2,000 files: 2 requests; 20,000: 20. What the bucket holds beyond them only makes a range take more
 * pages. The tool's state is left out when it lies under the prefix.
 */
export function keyRanges(prefix: string, expected: string[], pageKeys = PAGE_KEYS): KeyRange[] {
  const sorted = expected.map((key) => Buffer.from(key)).sort(Buffer.compare);
  const cuts: string[] = [];
  for (let i = pageKeys - 1; i < sorted.length - 1; i += pageKeys) cuts.push(sorted[i].toString());
  const ranges: KeyRange[] = [];
  let after: string | undefined;
  for (const last of cuts) {
    ranges.push({ ...(after !== undefined ? { after } : {}), last });
    after = last;
  }
  ranges.push(after !== undefined ? { after } : {});
  if (!STATE_PREFIX.startsWith(prefix)) return ranges;
  // the state folder lies under the prefix: the range holding it ends before it, and goes on after it
  const i = ranges.findIndex((r) => r.last === undefined || compareKeys(STATE_PREFIX, r.last) <= 0);
  const { after: start, last: end } = ranges[i];
  if (start !== undefined && compareKeys(start, STATE_PREFIX) >= 0) return ranges; // (a key of the state folder)
  ranges.splice(
    i,
    1,
    { ...(start !== undefined ? { after: start } : {}), last: STATE_PREFIX },
    { after: AFTER_STATE, ...(end !== undefined ? { last: end } : {}) },
  );
  return ranges;
}

/**
 * The current objects under `prefix` (tool state and folder markers left out), listed in the ranges of
 * `keyRanges(prefix, expected)`, in parallel; in S3's order. (`pageKeys`: smaller pages, for tests.)
 */
export async function currentObjects(
  s3: S3Api,
  bucket: string,
  prefix: string,
  expected: string[],
  signal?: AbortSignal,
  pageKeys = PAGE_KEYS,
): Promise<Map<string, RemoteObject>> {
  const limit = pLimit(PARALLEL);
  const listed = await Promise.all(
    keyRanges(prefix, expected, pageKeys).map(({ after, last }) =>
      limit(async () => {
        const { objects } = await s3.listObjects(bucket, prefix, { startAfter: after, until: last, maxKeys: pageKeys, signal });
        return last === undefined ? objects : objects.filter((o) => compareKeys(o.key, last) <= 0);
      }),
    ),
  );
  const out = new Map<string, RemoteObject>();
  const add = (objects: ObjectEntry[]) => {
    for (const o of objects) if (isDagKey(o.key)) out.set(o.key, { etag: o.etag, size: o.size });
  };
  for (const objects of listed) add(objects);
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
