/**
 * plugins: the zip MWAA extracts to /usr/local/airflow/plugins (docs/check.md): its root layout (no
 * wrapping top folder), no `__pycache__`, the size MWAA accepts; its Python files are compiled with the
 * DAG files (python.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { walkFiles } from '../deploy/files.js';
import { loadIgnoreRule } from '../deploy/ignore.js';
import type { CompileItem } from './python.js';
import type { CheckFinding } from './types.js';

/** MWAA's guidance: keep plugins.zip (and installed requirements) under 1 GB, or the update times out. */
export const PLUGINS_MAX_BYTES = 1024 ** 3;

export interface PluginsResult {
  findings: CheckFinding[];
  /** entry names of the zip */
  entries: string[];
  /** Python files to compile */
  compile: CompileItem[];
  /** a folder, or the zip file, for sys.path in a DagBag load */
  importPath?: string;
}

export async function checkPlugins(source: string, projectDir: string, label: (p: string) => string): Promise<PluginsResult> {
  const findings: CheckFinding[] = [];
  const file = label(source);
  const st = await stat(source).catch(() => undefined);
  if (!st) {
    return {
      findings: [{ level: 'error', area: 'plugins', code: 'plugins.missing', file, message: 'no such file or folder' }],
      entries: [],
      compile: [],
    };
  }
  // loaded here: the zip library builds its tables as it loads, work a check without plugins never needs
  const { checkPluginsZip, zipFolder } = await import('../deploy/zip.js');
  let bytes: Uint8Array;
  const compile: CompileItem[] = [];
  if (st.isDirectory()) {
    const walk = await walkFiles(source, loadIgnoreRule(source, projectDir));
    bytes = await zipFolder(walk);
    for (const f of walk.files)
      if (f.rel.endsWith('.py')) compile.push({ area: 'plugins', file: label(`${source}/${f.rel}`), path: `${source}/${f.rel}` });
  } else {
    bytes = await readFile(source);
  }
  const checked = checkPluginsZip(bytes, st.isDirectory() ? `plugins.zip built from ${file}` : file);
  for (const p of checked.problems)
    findings.push({ level: p.level, area: 'plugins', code: 'plugins.layout', file, message: p.message, fix: p.fix });
  const entries = checked.entries.filter((e) => !e.endsWith('/'));
  if (!st.isDirectory()) {
    const pycache = entries.filter((e) => e.split('/').includes('__pycache__') || e.endsWith('.pyc'));
    if (pycache.length > 0) {
      findings.push({
        level: 'warning',
        area: 'plugins',
        code: 'plugins.pycache',
        file,
        message: `contains ${pycache.length} compiled file${pycache.length === 1 ? '' : 's'} (__pycache__/, *.pyc), built for your Python rather than MWAA's`,
        fix: 'rebuild it without them (`zip -r ../plugins.zip . -x "*__pycache__*" "*.pyc"`), or point `plugins:` at the folder',
      });
    }
    for (const e of entries)
      if (e.endsWith('.py') && !e.startsWith('__MACOSX/'))
        compile.push({ area: 'plugins', file: `${file}:${e}`, path: `${source}/${e}`, zip: source, member: e });
    // a broken zip has no entries to read: unzipSync above already said so
    if (checked.problems.some((p) => p.message.includes('not a valid zip'))) compile.length = 0;
  }
  if (bytes.byteLength > PLUGINS_MAX_BYTES) {
    findings.push({
      level: 'error',
      area: 'plugins',
      code: 'plugins.size',
      file,
      message: `plugins.zip is ${(bytes.byteLength / 1024 ** 3).toFixed(2)} GB; MWAA installs plugins within 10 minutes and asks for less than 1 GB`,
      fix: 'move large files (data, models) to S3 and read them at run time',
    });
  }
  return { findings, entries, compile, importPath: source };
}
