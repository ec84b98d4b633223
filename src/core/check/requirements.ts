/**
 * requirements.txt against the environment (docs/check.md): the `--constraint` line and the Airflow and
 * Python versions it names, no `apache-airflow` pin, duplicate or conflicting pins, pins that contradict
 * the constraints file, `-r`/`-c` includes resolved relative to the file, and wheels that must be in
 * plugins.zip.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { AIRFLOW_VERSIONS, constraintLine } from '../config/schema.js';
import type { CheckFinding, CheckPorts, CheckSkip } from './types.js';

/** Where MWAA extracts plugins.zip and syncs the DAGs folder. */
export const MWAA_PLUGINS_DIR = '/usr/local/airflow/plugins';
export const MWAA_DAGS_DIR = '/usr/local/airflow/dags';

export interface Requirement {
  /** normalized (PEP 503): lower case, runs of `-_.` as `-` */
  name: string;
  /** as written */
  raw: string;
  /** the exact version of `==x` (no wildcard), if any */
  pinned?: string;
  file: string;
  line: number;
}

interface Parsed {
  requirements: Requirement[];
  /** `-c` / `--constraint` values with their place */
  constraints: Array<{ value: string; file: string; line: number }>;
  /** `-r` values */
  includes: Array<{ value: string; file: string; line: number }>;
  /** direct references to files: `/usr/local/airflow/plugins/x.whl`, `./x.whl` */
  paths: Array<{ value: string; file: string; line: number }>;
  findLinks: string[];
  noIndex: boolean;
}

export const normalizeName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The logical lines of a requirements file (`\` continuations joined, comments dropped), with line numbers. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  const physical = text.split(/\r?\n/);
  for (let i = 0; i < physical.length; i++) {
    const start = i;
    let t = physical[i];
    while (t.endsWith('\\') && i + 1 < physical.length) t = t.slice(0, -1) + physical[++i];
    t = t.replace(/(^|\s)#.*$/, '').trim();
    if (t) out.push({ text: t, line: start + 1 });
  }
  return out;
}

function optionValue(text: string, short: string, long: string): string | undefined {
  const m = new RegExp(`^(?:${short}\\s*|${long}(?:\\s+|=))(.+)$`).exec(text);
  return m ? m[1].trim().replace(/^["']|["']$/g, '') : undefined;
}

export function parseRequirements(text: string, file: string): Parsed {
  const parsed: Parsed = { requirements: [], constraints: [], includes: [], paths: [], findLinks: [], noIndex: false };
  for (const { text: t, line } of logicalLines(text)) {
    if (t.startsWith('-')) {
      const c = optionValue(t, '-c', '--constraint');
      const r = optionValue(t, '-r', '--requirement');
      const f = optionValue(t, '-f', '--find-links');
      if (c !== undefined) parsed.constraints.push({ value: c, file, line });
      else if (r !== undefined) parsed.includes.push({ value: r, file, line });
      else if (f !== undefined) parsed.findLinks.push(f);
      else if (/^--no-index\b/.test(t)) parsed.noIndex = true;
      continue;
    }
    if (/^[a-z+]+:\/\//i.test(t)) continue; // a URL pins itself
    const first = t.split(/\s|;/)[0];
    if (first.startsWith('/') || first.startsWith('./') || first.startsWith('../') || /\.(whl|tar\.gz|zip)$/.test(first)) {
      parsed.paths.push({ value: first, file, line });
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(t);
    if (!m) continue;
    const spec = m[3].split(';')[0];
    if (spec.startsWith('@')) {
      const ref = spec.slice(1).trim();
      if (ref.startsWith('file:') || ref.startsWith('/')) parsed.paths.push({ value: ref.replace(/^file:(\/\/)?/, ''), file, line });
      continue;
    }
    const pin = /^===?\s*([0-9A-Za-z.+!-]+)\s*$/.exec(spec.trim());
    parsed.requirements.push({ name: normalizeName(m[1]), raw: t, file, line, ...(pin ? { pinned: pin[1] } : {}) });
  }
  return parsed;
}

/** The Airflow and Python versions a constraints URL names (`constraints-2.10.3/constraints-3.11.txt`). */
export function constraintVersions(url: string): { airflow?: string; python?: string } {
  const m = /constraints-([0-9][0-9a-z.]*)\/constraints-(?:no-providers-)?([0-9]+\.[0-9]+)\.txt/.exec(url);
  return m ? { airflow: m[1], python: m[2] } : {};
}

export function pythonOf(airflowVersion: string): string | undefined {
  return AIRFLOW_VERSIONS.find((v) => v.version === airflowVersion)?.python;
}

/** `name==version` lines of a constraints file. */
export function parseConstraints(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const { text: t } of logicalLines(text)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;,]+)/.exec(t);
    if (m) out.set(normalizeName(m[1]), m[2]);
  }
  return out;
}

export interface RequirementsInput {
  /** absolute path of requirements.txt */
  path: string;
  /** how findings name it */
  label: (absolute: string) => string;
  /** the environment's Airflow version; undefined when not known (the constraint line is then not compared) */
  airflowVersion?: string;
  /** local DAGs folder (for `/usr/local/airflow/dags/...` constraints) */
  dagsDir?: string;
  /** the file names inside plugins.zip, when there is one */
  pluginEntries?: string[];
}

export async function checkRequirementsFile(
  input: RequirementsInput,
  ports: CheckPorts,
): Promise<{ findings: CheckFinding[]; skipped: CheckSkip[]; ran: string[] }> {
  const findings: CheckFinding[] = [];
  const skipped: CheckSkip[] = [];
  const ran: string[] = [];
  const add = (level: CheckFinding['level'], code: string, file: string, line: number | undefined, message: string, fix?: string) =>
    findings.push({
      level,
      area: 'requirements',
      code,
      file: input.label(file),
      ...(line !== undefined ? { line } : {}),
      message,
      ...(fix ? { fix } : {}),
    });

  // the file and its -r includes, depth first, each once
  const all: Parsed = { requirements: [], constraints: [], includes: [], paths: [], findLinks: [], noIndex: false };
  const seen = new Set<string>();
  const load = async (path: string, from?: { file: string; line: number }): Promise<void> => {
    if (seen.has(path)) return;
    seen.add(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      if (from)
        add(
          'error',
          'requirements.include-missing',
          from.file,
          from.line,
          `-r ${input.label(path)}: no such file (includes are resolved relative to the including file)`,
        );
      return;
    }
    const p = parseRequirements(text, path);
    all.requirements.push(...p.requirements);
    all.paths.push(...p.paths);
    all.findLinks.push(...p.findLinks);
    all.noIndex ||= p.noIndex;
    for (const c of p.constraints) all.constraints.push(c);
    for (const inc of p.includes) {
      const target =
        inc.value.startsWith(`${MWAA_DAGS_DIR}/`) && input.dagsDir
          ? join(input.dagsDir, inc.value.slice(MWAA_DAGS_DIR.length + 1))
          : resolve(dirname(path), inc.value);
      await load(target, { file: inc.file, line: inc.line });
    }
  };
  await load(input.path);

  // --constraint: present, and naming the environment's versions
  const remote = all.constraints.filter((c) => /^https?:\/\//.test(c.value));
  const airflow = input.airflowVersion ?? remote.map((c) => constraintVersions(c.value).airflow).find((v) => v !== undefined);
  const python = airflow ? pythonOf(airflow) : undefined;
  const expected = airflow ? constraintLine(airflow) : undefined;
  if (all.constraints.length === 0) {
    add(
      'warning',
      'requirements.no-constraint',
      input.path,
      undefined,
      `no --constraint line; MWAA adds the one for the environment's Airflow version, which may not match your pins`,
      expected ? `add this first line: ${expected}` : undefined,
    );
  }
  if (!input.airflowVersion && remote.length > 0) {
    skipped.push({
      area: 'requirements',
      what: "the --constraint line against the environment's Airflow version",
      reason: 'mwaa.yaml names no environment.airflowVersion',
    });
  }
  for (const c of remote) {
    const v = constraintVersions(c.value);
    if (input.airflowVersion && v.airflow && v.airflow !== input.airflowVersion) {
      add(
        'error',
        'requirements.constraint-version',
        c.file,
        c.line,
        `the --constraint line names Airflow ${v.airflow}, but the environment runs Airflow ${input.airflowVersion}`,
        expected ? `use: ${expected}` : undefined,
      );
    } else if (v.python && python && v.python !== python) {
      add(
        'error',
        'requirements.constraint-python',
        c.file,
        c.line,
        `the --constraint line names Python ${v.python}, but Airflow ${airflow} on MWAA runs Python ${python}`,
        expected ? `use: ${expected}` : undefined,
      );
    }
  }

  // apache-airflow itself, duplicates and conflicts
  const byName = new Map<string, Requirement>();
  for (const r of all.requirements) {
    if (r.name === 'apache-airflow') {
      add(
        'error',
        'requirements.airflow-pin',
        r.file,
        r.line,
        `"${r.raw}": MWAA installs Airflow itself; a requirement on apache-airflow makes pip try to replace it`,
        'remove the line (use apache-airflow-providers-* packages for extras)',
      );
      continue;
    }
    const prev = byName.get(r.name);
    if (!prev) {
      byName.set(r.name, r);
      continue;
    }
    const where = `${input.label(prev.file)}:${prev.line}`;
    if (prev.pinned && r.pinned && prev.pinned !== r.pinned) {
      add(
        'error',
        'requirements.conflict',
        r.file,
        r.line,
        `"${r.raw}" conflicts with "${prev.raw}" (${where}); pip cannot install both`,
        'keep one version',
      );
    } else {
      add('warning', 'requirements.duplicate', r.file, r.line, `${r.name} is listed twice (also ${where})`, 'keep one line');
    }
  }

  // pins against the constraints file
  const constraints = new Map<string, string>();
  let constraintSource: { file: string; line: number; value: string } | undefined;
  for (const c of all.constraints) {
    let text: string | undefined;
    if (/^https?:\/\//.test(c.value)) {
      if (!ports.fetchText) {
        skipped.push({ area: 'requirements', what: `pins against ${c.value}`, reason: 'no network access configured' });
        continue;
      }
      const got = await ports.fetchText(c.value);
      if ('offline' in got) {
        skipped.push({ area: 'requirements', what: `pins against the constraints file ${c.value}`, reason: got.offline });
        continue;
      }
      text = got.text;
      ran.push(`constraints ${c.value}${got.cached ? ' (cached)' : ''}`);
    } else {
      const local =
        c.value.startsWith(`${MWAA_DAGS_DIR}/`) && input.dagsDir
          ? join(input.dagsDir, c.value.slice(MWAA_DAGS_DIR.length + 1))
          : isAbsolute(c.value)
            ? undefined
            : resolve(dirname(c.file), c.value);
      if (!local) {
        skipped.push({ area: 'requirements', what: `pins against ${c.value}`, reason: 'the path exists only on MWAA' });
        continue;
      }
      try {
        text = await readFile(local, 'utf8');
      } catch {
        add('error', 'requirements.constraint-missing', c.file, c.line, `-c ${c.value}: no such file (resolved to ${input.label(local)})`);
        continue;
      }
    }
    for (const [k, v] of parseConstraints(text)) constraints.set(k, v);
    constraintSource ??= c;
  }
  if (constraintSource) {
    for (const r of byName.values()) {
      const want = constraints.get(r.name);
      if (r.pinned && want && want !== r.pinned) {
        add(
          'error',
          'requirements.constraint-conflict',
          r.file,
          r.line,
          `"${r.raw}" contradicts the constraints file, which pins ${r.name}==${want}; pip cannot resolve it (MWAA would fail the update after 20–40 minutes)`,
          `pin ${r.name}==${want}, or leave the version to the constraints file`,
        );
      }
    }
  }

  // wheels and archives that must be in plugins.zip
  const entries = input.pluginEntries;
  for (const p of all.paths) {
    if (!p.value.startsWith(`${MWAA_PLUGINS_DIR}/`)) continue;
    const name = p.value.slice(MWAA_PLUGINS_DIR.length + 1);
    if (!entries)
      add('error', 'requirements.wheel-missing', p.file, p.line, `${p.value} is read from plugins.zip, but the environment has no plugins`);
    else if (!entries.includes(name))
      add(
        'error',
        'requirements.wheel-missing',
        p.file,
        p.line,
        `${p.value} is not in plugins.zip`,
        `put ${name} at the root of the plugins folder`,
      );
  }
  const fromPlugins = all.noIndex && all.findLinks.some((f) => f.replace(/\/+$/, '') === MWAA_PLUGINS_DIR);
  if (fromPlugins) {
    const available = new Set(
      (entries ?? []).filter((e) => !e.includes('/') && /\.(whl|tar\.gz|zip)$/.test(e)).map((e) => normalizeName(e.split('-')[0])),
    );
    for (const r of byName.values()) {
      if (!available.has(r.name)) {
        add(
          'error',
          'requirements.wheel-missing',
          r.file,
          r.line,
          `${r.name}: --no-index with --find-links ${MWAA_PLUGINS_DIR}, but plugins.zip has no wheel or archive for it`,
          `add ${r.name.replace(/-/g, '_')}-<version>-….whl to the plugins folder (e.g. \`pip download\` / \`pip wheel\`)`,
        );
      }
    }
  }
  return { findings, skipped, ran };
}
