/**
 * Walking a folder to deploy: every regular file under the root, sorted by path, minus the ignore rule.
 * Symlinks are followed only while they stay inside the root; one pointing out of it is
 * skipped and reported. Directory loops through symlinks are cut.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, isAbsolute, sep } from 'node:path';
import type { IgnoreRule } from './ignore.js';

/**
 * A file found by a walk; its path is the walk's root joined with `rel` (no absolute path per file).
 * digestFiles (hash.ts) fills in its hashes in place: one object per file from the walk to the plan,
 * all of one shape (see localFile).
 */
export interface LocalFile {
  /** path relative to the root, posix separators */
  rel: string;
  /** -1 until digestFiles, which reads the file (the walk stats no file: at 2,000 files that was ~5% of a no-op push) */
  size: number;
  /** '' until digestFiles */
  sha256: string;
  /** set by digestFiles unless the last release recorded the same sha256 (the plan knows the MD5 then) */
  md5: string | undefined;
}

/** A walk's file, its fields in a fixed order: one shape for every file, from the walk to the plan. */
export function localFile(rel: string): LocalFile {
  return { rel, size: -1, sha256: '', md5: undefined };
}

export interface WalkResult {
  /** the folder walked */
  root: string;
  files: LocalFile[];
  /** symlinks left out because they point outside the root (relative paths) */
  skippedLinks: string[];
}

/**
 * The path of a walk's file: its root and `rel` joined by hand (path.join normalizes character by
 * character; `rel` came from the walk, already clean). Windows takes its `/` separators as they are.
 */
export function pathOf(root: string, rel: string): string {
  return root.endsWith('/') || root.endsWith(sep) ? `${root}${rel}` : `${root}${sep}${rel}`;
}

/** The order of a walk's files (by relative path, code unit by code unit): what hashing and planning keep too. */
export function byRel(a: { rel: string }, b: { rel: string }): number {
  return a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0;
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export async function walkFiles(root: string, ignored: IgnoreRule): Promise<WalkResult> {
  const realRoot = realpathSync(root);
  const files: LocalFile[] = [];
  const skippedLinks: string[] = [];
  const seenDirs = new Set<string>([realRoot]);

  const visit = async (dirAbs: string, dirRel: string, dirReal: string): Promise<void> => {
    // synchronous calls: thousands of tiny readdir and stat calls are several times faster than their async forms
    const entries = readdirSync(dirAbs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = pathOf(dirAbs, entry.name);
      const rel = dirRel === '' ? entry.name : `${dirRel}/${entry.name}`;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let real: string | undefined;
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(abs);
        } catch {
          skippedLinks.push(rel); // dangling
          continue;
        }
        if (!inside(realRoot, target)) {
          skippedLinks.push(rel);
          continue;
        }
        const st = statSync(abs);
        isDir = st.isDirectory();
        isFile = st.isFile();
        real = target;
        if (isDir && seenDirs.has(target)) continue;
      }
      if (ignored(rel, isDir)) continue;
      if (isDir) {
        real ??= join(dirReal, entry.name);
        seenDirs.add(real);
        await visit(abs, rel, real);
      } else if (isFile) {
        files.push(localFile(rel));
      }
    }
  };
  await visit(root, '', realRoot);
  files.sort(byRel);
  return { root, files, skippedLinks: skippedLinks.sort() };
}
