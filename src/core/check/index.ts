/**
 * `mwaa check` and the check `dags push` runs first (docs/check.md): the project's DAG files,
 * requirements.txt, plugins and startup script against the environment, and mwaa.yaml's environment
 * block with the rules `env create` applies. Pure logic over files; programs (python, bash) and the
 * network come in through CheckPorts.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import type { SelectedEnvironment } from '../config/load.js';
import { walkFiles } from '../deploy/files.js';
import { loadIgnoreRule } from '../deploy/ignore.js';
import { checkEnvironment, locator } from '../env/validate.js';
import { openCompileCache } from './cache.js';
import { checkPlugins } from './plugins.js';
import { checkDagFiles, type CompileItem } from './python.js';
import { checkRequirementsFile } from './requirements.js';
import { checkStartupScript } from './startup.js';
import type { CheckFinding, CheckPorts, CheckReport, CheckSkip } from './types.js';

export type { CheckFinding, CheckPorts, CheckReport, CheckSkip, ProgramPort, ProcessResult } from './types.js';

export interface CheckRequest {
  projectDir: string;
  dags?: string;
  plugins?: string;
  requirements?: string;
  startupScript?: string;
  /** the environment's Airflow version (the live one for a push; mwaa.yaml's for `mwaa check`, when it names one) */
  airflowVersion?: string;
  /** load a DagBag when the Python has airflow (`mwaa check`, `dags push --check=full`) */
  dagbag: boolean;
  /** where to remember the files that compiled clean (`.mwaa/check-cache.json` of the project); none: compile all */
  cacheFile?: string;
  /** mwaa.yaml's entry, validated as `env create` does */
  config?: { selected: SelectedEnvironment; local: boolean };
}

/** The Airflow version `mwaa check` checks against: mwaa.yaml's `environment.airflowVersion`, when it names one. */
export function configuredAirflowVersion(selected: SelectedEnvironment): string | undefined {
  return selected.entry.environment?.airflowVersion;
}

export async function runCheck(request: CheckRequest, ports: CheckPorts): Promise<CheckReport> {
  const started = ports.clock.now();
  const findings: CheckFinding[] = [];
  const skipped: CheckSkip[] = [];
  const ran: string[] = [];
  const label = (p: string): string => {
    const rel = relative(request.projectDir, p);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
  };
  const merge = (r: { findings: CheckFinding[]; skipped?: CheckSkip[]; ran?: string[] }): void => {
    findings.push(...r.findings);
    skipped.push(...(r.skipped ?? []));
    ran.push(...(r.ran ?? []));
  };

  // the environment block is validated as `env create` would (an entry without one is managed elsewhere)
  if (request.config?.selected.entry.environment) merge({ findings: configFindings(request.config.selected, request.config.local, label) });

  // plugins first: requirements look into the zip, the DagBag imports from it
  let pluginEntries: string[] | undefined;
  let pluginsImport: string | undefined;
  const compile: CompileItem[] = [];
  if (request.plugins) {
    const p = await checkPlugins(request.plugins, request.projectDir, label);
    merge(p);
    pluginEntries = p.entries;
    pluginsImport = p.importPath;
    compile.push(...p.compile);
  }
  if (request.requirements) {
    merge(
      await checkRequirementsFile(
        {
          path: request.requirements,
          label,
          ...(request.airflowVersion ? { airflowVersion: request.airflowVersion } : {}),
          ...(request.dags ? { dagsDir: request.dags } : {}),
          ...(pluginEntries ? { pluginEntries } : {}),
        },
        ports,
      ),
    );
  }
  if (request.startupScript) merge(await checkStartupScript(request.startupScript, label(request.startupScript), ports));

  let dagFiles: CompileItem[] = [];
  if (request.dags) {
    const st = await stat(request.dags).catch(() => undefined);
    if (!st?.isDirectory()) {
      findings.push({
        level: 'error',
        area: 'dags',
        code: 'dags.missing',
        file: label(request.dags),
        message: 'the DAGs folder does not exist',
      });
    } else {
      const walk = await walkFiles(request.dags, loadIgnoreRule(request.dags, request.projectDir));
      dagFiles = walk.files
        .filter((f) => f.rel.endsWith('.py'))
        .map((f) => ({ area: 'dags' as const, file: label(`${request.dags}/${f.rel}`), path: `${request.dags}/${f.rel}` }));
    }
  }
  const all = [...dagFiles, ...compile];
  const dagbag = request.dagbag && dagFiles.length > 0;
  // files unchanged since they last compiled clean are not compiled again (cache.ts)
  const cache = request.cacheFile && ports.python ? await openCompileCache(request.cacheFile, ports.python.executable, all) : undefined;
  const files = cache ? cache.pending : all;
  if (cache && cache.unchanged > 0)
    ran.push(`${cache.unchanged} Python file${cache.unchanged === 1 ? '' : 's'} unchanged since they last compiled clean`);
  if (files.length > 0 || dagbag || (!ports.python && all.length > 0)) {
    const result = await checkDagFiles(
      {
        dagsDir: request.dags ?? request.projectDir,
        files,
        dagbag,
        ...(pluginsImport ? { pluginsDir: pluginsImport } : {}),
        label,
        readText: (p) => readFile(p, 'utf8').catch(() => undefined),
      },
      ports,
    );
    merge(result);
    if (cache && result.compiled) await cache.save(new Set(result.findings.filter((f) => f.code.endsWith('.syntax')).map((f) => f.file)));
  }
  findings.sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : a.file < b.file ? -1 : 1));
  return {
    findings,
    skipped,
    ran,
    errors: findings.filter((f) => f.level === 'error').length,
    warnings: findings.filter((f) => f.level === 'warning').length,
    durationMs: ports.clock.now() - started,
  };
}

/** mwaa.yaml's environment block, with the rules of `env create`, located in the file. */
function configFindings(selected: SelectedEnvironment, local: boolean, label: (p: string) => string): CheckFinding[] {
  const { errors, warnings } = checkEnvironment(selected.entry, { operation: 'create', local });
  const locate = locator(selected.source.file);
  const file = label(selected.source.file);
  const base = ['environments', selected.key];
  const one =
    (level: CheckFinding['level']) =>
    (v: { field: string; message: string }): CheckFinding => {
      const path = [...base, ...v.field.split('.')];
      const at = locate(path);
      return {
        level,
        area: 'config',
        code: `config.${level === 'error' ? 'invalid' : 'warning'}`,
        file,
        ...(at.line !== undefined ? { line: at.line } : {}),
        ...(at.column !== undefined ? { column: at.column } : {}),
        message: `${path.join('.')}: ${v.message}`,
      };
    };
  return [...errors.map(one('error')), ...warnings.map(one('warning'))];
}

/** `file:line:column: level: message` lines, then what was skipped. */
export function reportText(report: CheckReport): string {
  const lines = report.findings.map((f) => {
    const where = `${f.file}${f.line !== undefined ? `:${f.line}` : ''}${f.line !== undefined && f.column !== undefined ? `:${f.column}` : ''}`;
    return `${where}: ${f.level}: ${f.message}${f.fix ? `\n  fix: ${f.fix}` : ''}`;
  });
  for (const s of report.skipped) lines.push(`skipped: ${s.what}: ${s.reason}`);
  return lines.join('\n');
}

/** One line: "2 errors, 1 warning (1.2s)". */
export function summaryLine(report: CheckReport): string {
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  return `${n(report.errors, 'error')}, ${n(report.warnings, 'warning')}${report.skipped.length ? `, ${report.skipped.length} skipped` : ''}`;
}
