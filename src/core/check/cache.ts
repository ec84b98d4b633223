/**
 * The files that compiled clean at the last check, by path, size and modification time (docs/check.md):
 * a push of an unchanged checkout compiles nothing again and starts no Python at all. A file written
 * since has another mtime; a file whose compile failed is never recorded.
 */
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CompileItem } from './python.js';

interface CacheFile {
  version: 1;
  /** the Python that compiled them */
  python: string;
  files: Record<string, string>;
}

export interface CompileCache {
  /** the items that still need compiling */
  pending: CompileItem[];
  /** how many were skipped as unchanged */
  unchanged: number;
  /** records what compiled clean (every item given to `open` minus those with a syntax error) */
  save(failed: ReadonlySet<string>): Promise<void>;
}

// synchronous, one file after the other: the async form for every file at once held a pending request and
// its stat buffers per file (12 MB of 20,000 files' at once), and tiny stat calls are faster synchronous
function signature(path: string): string | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? `${st.size}:${Math.trunc(st.mtimeMs)}` : undefined;
}

/** Splits the items into the unchanged ones (skipped) and the ones to compile; zip members are always compiled. */
export async function openCompileCache(file: string, python: string, items: CompileItem[]): Promise<CompileCache> {
  let cached: CacheFile | undefined;
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
    if (parsed.version === 1 && parsed.python === python && typeof parsed.files === 'object') cached = parsed;
  } catch {
    cached = undefined;
  }
  const signatures = new Map<string, string>();
  const pending: CompileItem[] = [];
  let unchanged = 0;
  for (const item of items) {
    const sig = item.zip ? undefined : signature(item.path);
    if (sig) signatures.set(item.path, sig);
    if (sig && cached?.files[item.path] === sig) unchanged++;
    else pending.push(item);
  }
  return {
    pending,
    unchanged,
    async save(failed) {
      const files: Record<string, string> = {};
      for (const item of items) {
        const sig = signatures.get(item.path);
        if (sig && !failed.has(item.file)) files[item.path] = sig;
      }
      const body: CacheFile = { version: 1, python, files };
      try {
        await mkdir(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(body));
        await rename(tmp, file);
      } catch {
        // a cache only: the next check compiles everything again
      }
    },
  };
}
