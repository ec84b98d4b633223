/**
 * The DagBag of an environment: the .py files under its DagS3Path in its source bucket (latest
 * versions), filtered like Airflow's DagBag (.airflowignore — regexp syntax on Airflow 2, glob on
 * Airflow 3 — and the safe-mode heuristic: only files containing both "airflow" and "dag"), parsed
 * statically (dagfile.ts), with Airflow's import errors: syntax errors and exceptions while "importing"
 * a file (as traceback text), duplicate DAG ids across files and dependency cycles (as `Type: message`).
 */
import type { EnvironmentRecord, World } from '../contract.js';
import { parseDagFile, type DagDef, type ParsedFile } from './dagfile.js';
import { DAGS_FOLDER, sitePackages, type AfVersion } from './versions.js';

export interface BagDag extends DagDef {
  fileloc: string;
  /** path relative to the dags folder */
  relPath: string;
  /** DAG.owner: ", ".join of the task owners */
  owner: string;
}

export interface ImportErrorRec {
  fileloc: string;
  relPath: string;
  error: string;
}

export interface DagBag {
  dags: Map<string, BagDag>;
  errors: ImportErrorRec[];
  /** every .py file considered (after ignore rules), with its etag */
  files: Array<{ key: string; relPath: string; etag: string; fileloc: string; dagIds: string[]; error?: string }>;
}

const cache = new Map<string, ParsedFile>();
const CACHE_MAX = 5000;

export function bucketOf(env: EnvironmentRecord): string {
  const arn = String(env.SourceBucketArn ?? '');
  const i = arn.indexOf(':::');
  return i >= 0 ? arn.slice(i + 3) : arn;
}

export function dagsPrefix(env: EnvironmentRecord): string {
  let p = String(env.DagS3Path ?? 'dags').replace(/^\/+/, '');
  if (p && !p.endsWith('/')) p += '/';
  return p;
}

// ---------------------------------------------------------------------------------------------- ignore rules

interface IgnoreRule {
  base: string; // relative dir ('' for the root), with trailing '/'
  test: (rel: string, isDir: boolean) => boolean | undefined; // true: ignore, false: re-include (glob !)
}

function regexpRules(base: string, text: string): IgnoreRule[] {
  const out: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s*#.*/, '').trim();
    if (!line) continue;
    let re: RegExp;
    try {
      re = new RegExp(line);
    } catch {
      continue;
    }
    out.push({ base, test: (rel) => (re.test(rel) ? true : undefined) });
  }
  return out;
}

function globToRegExp(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = glob.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, j).replace(/^!/, '^')}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return re;
}

function globRules(base: string, text: string): IgnoreRule[] {
  const out: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    }
    let dirOnly = false;
    if (line.endsWith('/')) {
      dirOnly = true;
      line = line.slice(0, -1);
    }
    const anchored = line.includes('/');
    const body = globToRegExp(line.replace(/^\//, ''));
    const re = new RegExp(anchored ? `^${body}(?:/.*)?$` : `(?:^|/)${body}(?:/.*)?$`);
    out.push({
      base,
      test: (rel, isDir) => {
        if (dirOnly && !isDir && !re.test(rel.split('/').slice(0, -1).join('/'))) return undefined;
        return re.test(rel) ? !negate : undefined;
      },
    });
  }
  return out;
}

function ignored(rel: string, rules: IgnoreRule[]): boolean {
  let result = false;
  // a file is ignored when it or any of its parent directories is
  const parts = rel.split('/');
  for (let k = 1; k <= parts.length; k++) {
    const sub = parts.slice(0, k).join('/');
    const isDir = k < parts.length;
    for (const r of rules) {
      if (!sub.startsWith(r.base)) continue;
      const v = r.test(sub.slice(r.base.length), isDir);
      if (v !== undefined) result = v;
    }
    if (result) return true;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------- the bag

function formatImportFailure(p: ParsedFile, fileloc: string, v: AfVersion): string {
  const f = p.failure!;
  if (f.syntax) {
    const stripped = f.sourceLine.replace(/^\s+/, '').replace(/\s+$/, '');
    const lead = f.sourceLine.length - f.sourceLine.replace(/^\s+/, '').length;
    const caretCol = f.offset > 0 ? Math.max(0, f.offset - 1 - lead) : -1;
    const ext = v.python === '3.12' ? ['1133', '1063', '488'] : ['1128', '1058', '241'];
    return [
      'Traceback (most recent call last):',
      `  File "<frozen importlib._bootstrap_external>", line ${ext[1]}, in source_to_code`,
      `  File "<frozen importlib._bootstrap>", line ${ext[2]}, in _call_with_frames_removed`,
      `  File "${fileloc}", line ${f.lineno}`,
      `    ${stripped}`,
      ...(caretCol >= 0 ? [`    ${' '.repeat(caretCol)}^`] : []),
      `${f.type}: ${f.message}`,
      '',
    ].join('\n');
  }
  const internal =
    f.type === 'airflow.exceptions.DuplicateTaskIdFound'
      ? [
          `  File "${sitePackages(v)}/airflow/models/dag.py", line 2962, in add_task`,
          `    raise DuplicateTaskIdFound(f"Task id '{task_id}' has already been added to the DAG")`,
        ]
      : [`  File "${sitePackages(v)}/airflow/utils/helpers.py", line 57, in validate_key`, '    raise AirflowException('];
  return [
    'Traceback (most recent call last):',
    `  File "${fileloc}", line ${f.lineno}, in <module>`,
    `    ${f.sourceLine.trim()}`,
    ...internal,
    `${f.type}: ${f.message}`,
    '',
  ].join('\n');
}

function findCycle(dag: DagDef): string | undefined {
  const down = new Map<string, string[]>();
  for (const id of dag.tasks.keys()) down.set(id, []);
  for (const t of dag.tasks.values()) for (const u of t.upstream) down.get(u)?.push(t.taskId);
  const state = new Map<string, number>(); // 0 new, 1 in progress, 2 done
  for (const start of dag.tasks.keys()) {
    if (state.get(start) === 2) continue;
    const stack = [start];
    while (stack.length) {
      const cur = stack[stack.length - 1];
      if (!state.get(cur)) state.set(cur, 1);
      let child: string | undefined;
      for (const adj of down.get(cur) ?? []) {
        if (state.get(adj) === 1) return cur;
        if (!state.get(adj)) {
          child = adj;
          break;
        }
      }
      if (child === undefined) {
        state.set(cur, 2);
        stack.pop();
      } else stack.push(child);
    }
  }
  return undefined;
}

export function loadDagBag(world: World, env: EnvironmentRecord, v: AfVersion): DagBag {
  const bucket = bucketOf(env);
  const prefix = dagsPrefix(env);
  const bag: DagBag = { dags: new Map(), errors: [], files: [] };
  if (!bucket || !world.s3.bucketExists(bucket)) return bag;
  const objects = world.s3.listLatest(bucket, prefix).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rules: IgnoreRule[] = [];
  for (const o of objects) {
    const rel = o.key.slice(prefix.length);
    if (rel === '.airflowignore' || rel.endsWith('/.airflowignore')) {
      const body = world.s3.getObjectBody(bucket, o.key);
      if (!body) continue;
      const base = rel.slice(0, rel.length - '.airflowignore'.length);
      rules.push(...(v.af3 ? globRules(base, body.toString('utf8')) : regexpRules(base, body.toString('utf8'))));
    }
  }
  for (const o of objects) {
    const rel = o.key.slice(prefix.length);
    if (!rel.endsWith('.py') || rel.split('/').some((p) => p === '__pycache__')) continue;
    if (ignored(rel, rules)) continue;
    const fileloc = `${DAGS_FOLDER}/${rel}`;
    const cacheKey = `${v.af3 ? 3 : 2}|${bucket}/${o.key}@${o.etag}#${o.versionId}`;
    let parsed = cache.get(cacheKey);
    if (!parsed) {
      const body = world.s3.getObjectBody(bucket, o.key);
      if (!body) continue;
      const lower = body.toString('latin1').toLowerCase();
      if (!(lower.includes('dag') && lower.includes('airflow'))) parsed = { dags: [] };
      else {
        try {
          parsed = parseDagFile(body.toString('utf8'), { fileloc });
        } catch {
          // a construct the static parser cannot handle (e.g. absurd nesting): treat the file as DAG-less
          parsed = { dags: [] };
        }
      }
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
      cache.set(cacheKey, parsed);
    }
    const entry: DagBag['files'][number] = { key: o.key, relPath: rel, etag: o.etag, fileloc, dagIds: [] };
    bag.files.push(entry);
    if (parsed.failure) {
      entry.error = formatImportFailure(parsed, fileloc, v);
      bag.errors.push({ fileloc, relPath: rel, error: entry.error });
      continue;
    }
    for (const d of parsed.dags) {
      const existing = bag.dags.get(d.dagId);
      if (existing && existing.fileloc !== fileloc) {
        entry.error = `AirflowDagDuplicatedIdException: Ignoring DAG ${d.dagId} from ${fileloc} - also found in ${existing.fileloc}`;
        continue;
      }
      const faulty = findCycle(d);
      if (faulty !== undefined) {
        entry.error = `AirflowDagCycleException: Cycle detected in DAG: ${d.dagId}. Faulty task: ${faulty}`;
        continue;
      }
      const owners: string[] = [];
      for (const t of d.tasks.values()) {
        const o2 = t.owner ?? d.defaultOwner ?? 'airflow';
        if (!owners.includes(o2)) owners.push(o2);
      }
      bag.dags.set(d.dagId, { ...d, fileloc, relPath: rel, owner: owners.join(', ') });
      entry.dagIds.push(d.dagId);
    }
    if (entry.error) bag.errors.push({ fileloc, relPath: rel, error: entry.error });
  }
  return bag;
}

/** The owner of a task as Airflow resolves it. */
export function taskOwner(dag: DagDef, taskId: string): string {
  return dag.tasks.get(taskId)?.owner ?? dag.defaultOwner ?? 'airflow';
}
