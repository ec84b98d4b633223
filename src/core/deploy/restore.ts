/**
 * Putting keys back to their previous latest version (docs/deploy.md, "Undo"): the version a deploy created
 * is deleted (a version id given → removed for good), and the delete marker it created is removed, so
 * the previous version becomes the latest again — history is not rewritten beyond what the deploy
 * added. Where the outcome of a call is unknown (it failed after retries, or the process crashed), the
 * key's versions are listed and every version above the previous one is removed, one at a time, until
 * the previous one is the latest. Every key is verified at the end.
 */
import pLimit from 'p-limit';
import type { S3Api, VersionEntry } from '../ports/s3.js';
import type { EventSink } from '../events.js';
import type { PrevVersion } from './records.js';
import { msg } from '../messages.js';

export interface RestoreItem {
  key: string;
  prev: PrevVersion;
  /** versions (or delete markers) this deploy is known to have created, oldest first */
  created: string[];
}

export interface RestoreLeft {
  key: string;
  reason: string;
}

export interface RestoreResult {
  restored: number;
  left: RestoreLeft[];
}

export interface RestoreOptions {
  s3: S3Api;
  bucket: string;
  items: RestoreItem[];
  /** prefixes whose listing covers most items (the DAG prefix): one listing instead of one per key */
  listPrefixes?: string[];
  concurrency?: number;
  events?: EventSink;
}

function latestMatches(latest: VersionEntry | undefined, prev: PrevVersion): boolean {
  if (prev.versionId === null) return latest === undefined;
  return latest !== undefined && latest.versionId === prev.versionId;
}

function describePrev(prev: PrevVersion): string {
  if (prev.versionId === null) return 'absent';
  return prev.deleteMarker ? `deleted (delete marker ${prev.versionId})` : `version ${prev.versionId}`;
}

/** The latest entry (version or delete marker) of each key under the prefixes. */
async function latestByKey(s3: S3Api, bucket: string, prefixes: string[]): Promise<Map<string, VersionEntry>> {
  const out = new Map<string, VersionEntry>();
  for (const prefix of prefixes) {
    for (const e of await s3.listVersions(bucket, prefix, { latestOnly: true })) out.set(e.key, e);
  }
  return out;
}

/** Brings one key back by deleting whatever is above its previous version. */
async function restoreByListing(s3: S3Api, bucket: string, item: RestoreItem): Promise<RestoreLeft | undefined> {
  for (let round = 0; round < 100; round++) {
    const versions = (await s3.listVersions(bucket, item.key)).filter((v) => v.key === item.key);
    const latest = versions.find((v) => v.isLatest);
    if (latestMatches(latest, item.prev)) return undefined;
    if (item.prev.versionId !== null && !versions.some((v) => v.versionId === item.prev.versionId)) {
      return { key: item.key, reason: `its previous ${describePrev(item.prev)} no longer exists in the bucket` };
    }
    if (!latest) return { key: item.key, reason: 'the key has no latest version to remove' };
    await s3.deleteObject(bucket, item.key, latest.versionId);
  }
  return { key: item.key, reason: 'too many versions above the previous one' };
}

export async function restoreKeys(options: RestoreOptions): Promise<RestoreResult> {
  const { s3, bucket, items } = options;
  const limit = pLimit(options.concurrency ?? 16);
  const left = new Map<string, RestoreLeft>();

  // 1. Delete what we know we created, newest first.
  await Promise.all(
    items
      .filter((i) => i.created.length > 0)
      .map((item) =>
        limit(async () => {
          for (const versionId of [...item.created].reverse()) {
            try {
              await s3.deleteObject(bucket, item.key, versionId);
            } catch (error) {
              left.set(item.key, { key: item.key, reason: (error as Error).message });
              return;
            }
          }
        }),
      ),
  );

  // 2. Check every key; repair the ones that are not back (unknown outcomes, failed deletes).
  const prefixes = options.listPrefixes ?? [];
  const covered = (key: string) => prefixes.some((p) => key.startsWith(p));
  const check = async (subset: RestoreItem[]): Promise<RestoreItem[]> => {
    let latest: Map<string, VersionEntry>;
    try {
      latest = await latestByKey(
        s3,
        bucket,
        prefixes.filter((p) => subset.some((i) => i.key.startsWith(p))),
      );
    } catch (error) {
      for (const i of subset) left.set(i.key, { key: i.key, reason: (error as Error).message });
      return [];
    }
    const bad: RestoreItem[] = [];
    await Promise.all(
      subset.map((item) =>
        limit(async () => {
          let entry: VersionEntry | undefined;
          if (covered(item.key)) entry = latest.get(item.key);
          else {
            try {
              entry = (await s3.listVersions(bucket, item.key, { latestOnly: true })).find((v) => v.key === item.key);
            } catch (error) {
              left.set(item.key, { key: item.key, reason: (error as Error).message });
              return;
            }
          }
          if (!latestMatches(entry, item.prev)) bad.push(item);
          else left.delete(item.key);
        }),
      ),
    );
    return bad;
  };

  const mismatched = await check(items);
  await Promise.all(
    mismatched.map((item) =>
      limit(async () => {
        try {
          const problem = await restoreByListing(s3, bucket, item);
          if (problem) left.set(item.key, problem);
          else left.delete(item.key);
        } catch (error) {
          left.set(item.key, { key: item.key, reason: (error as Error).message });
        }
      }),
    ),
  );
  // 3. Final verification of the repaired keys.
  if (mismatched.length > 0) {
    const still = await check(mismatched.filter((i) => !left.has(i.key)));
    for (const item of still) {
      if (!left.has(item.key)) left.set(item.key, { key: item.key, reason: `it is not back at its previous ${describePrev(item.prev)}` });
    }
  }
  options.events?.(
    msg(
      'deploy.restore.done',
      { restored: items.length - left.size, left: left.size },
      `restored ${items.length - left.size} of ${items.length} keys`,
    ),
  );
  return { restored: items.length - left.size, left: [...left.values()].sort((a, b) => (a.key < b.key ? -1 : 1)) };
}
