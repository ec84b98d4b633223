/**
 * plugins.zip: built from a folder byte-for-byte deterministically (entries sorted by path, a fixed
 * timestamp, fixed permissions, no directory entries, fixed compression level), so an unchanged folder
 * always gives the same sha256 and never causes an environment update; and checked when given as a
 * .zip (valid zip, no `__MACOSX`, no wrapping top folder, no `..` or absolute entry names).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Zip, ZipDeflate, unzipSync } from 'fflate';
import type { LocalFile } from './files.js';

/** 1980-01-01 00:00:00 in local time: DOS timestamps are local, so this encodes the same everywhere. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;
const EXEC_MODE = 0o100755;

export interface ZipEntryInput {
  name: string;
  data: Uint8Array;
  executable?: boolean;
}

/** Zips entries in name order with fixed metadata. */
export function deterministicZip(entries: ZipEntryInput[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of sorted) {
    const problem = entryNameProblem(e.name);
    if (problem) throw new Error(`cannot zip "${e.name}": ${problem}`);
  }
  const chunks: Uint8Array[] = [];
  let failure: Error | undefined;
  const zip = new Zip((err, data) => {
    if (err) failure = err;
    else chunks.push(data);
  });
  for (const e of sorted) {
    const file = new ZipDeflate(e.name, { level: 6 });
    file.mtime = FIXED_MTIME;
    file.os = 3;
    file.attrs = ((e.executable ? EXEC_MODE : FILE_MODE) << 16) >>> 0;
    zip.add(file);
    file.push(e.data, true);
  }
  zip.end();
  if (failure) throw failure;
  return Buffer.concat(chunks);
}

/** Zips the files of a folder walk (already filtered by the ignore rule). */
export async function zipFolder(walk: { root: string; files: LocalFile[] }): Promise<Buffer> {
  const entries: ZipEntryInput[] = [];
  for (const f of walk.files) {
    const path = join(walk.root, f.rel);
    entries.push({ name: f.rel, data: await readFile(path), executable: ((await stat(path)).mode & 0o100) !== 0 });
  }
  return deterministicZip(entries);
}

/** Why an entry name is unsafe, or undefined. */
export function entryNameProblem(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split(/[\\/]/).includes('..')) return 'a ".." path segment (directory traversal)';
  return undefined;
}

export interface ZipProblem {
  level: 'error' | 'warning';
  message: string;
  fix: string;
}

/** Checks a plugins.zip (the pre-flight of docs/deploy.md). */
export function checkPluginsZip(data: Uint8Array, label = 'plugins.zip'): { entries: string[]; problems: ZipProblem[] } {
  const entries: string[] = [];
  try {
    unzipSync(data, {
      filter: (file) => {
        entries.push(file.name);
        return false;
      },
    });
  } catch (error) {
    return {
      entries,
      problems: [
        {
          level: 'error',
          message: `${label} is not a valid zip file (${(error as Error).message})`,
          fix: 'rebuild it with `cd plugins && zip -r ../plugins.zip .`, or point `plugins:` at the folder',
        },
      ],
    };
  }
  const problems: ZipProblem[] = [];
  const unsafe = entries.filter((n) => entryNameProblem(n) !== undefined);
  if (unsafe.length > 0) {
    problems.push({
      level: 'error',
      message: `${label} has unsafe entry names: ${unsafe.slice(0, 5).join(', ')}${unsafe.length > 5 ? ', …' : ''}`,
      fix: 'rebuild the zip from inside the plugins folder; entries must be relative paths without ".."',
    });
  }
  const mac = entries.filter((n) => n === '__MACOSX' || n.startsWith('__MACOSX/'));
  if (mac.length > 0) {
    problems.push({
      level: 'error',
      message: `${label} contains __MACOSX/ (${mac.length} entries) added by macOS Finder`,
      fix: 'rebuild it with `zip -r ../plugins.zip . -x "__MACOSX/*"` or point `plugins:` at the folder (mwaa zips it)',
    });
  }
  const files = entries.filter((n) => !n.endsWith('/') && !n.startsWith('__MACOSX/'));
  const tops = new Set(files.map((n) => n.split('/')[0]));
  const rootFiles = files.filter((n) => !n.includes('/'));
  if (files.length > 0 && rootFiles.length === 0 && tops.size === 1) {
    const [top] = [...tops];
    if (!files.includes(`${top}/__init__.py`)) {
      problems.push({
        level: 'error',
        message: `${label} wraps everything in one top folder "${top}/": MWAA would extract it to /usr/local/airflow/plugins/${top}/`,
        fix: `zip the folder's contents instead: \`cd ${top} && zip -r ../plugins.zip .\` (or point \`plugins:\` at the folder)`,
      });
    }
  }
  return { entries, problems };
}
