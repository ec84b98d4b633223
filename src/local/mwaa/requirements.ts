/**
 * What the emulator "installs": a requirements.txt read line by line and answered as pip would,
 * and a startup script "executed" by echoing its `echo` lines (src/local/mwaa/README.md, "Requirements", "Startup script").
 * Pure functions of their inputs, so the simulation stays deterministic.
 */
import { compareVersions } from './validate.js';

export interface InstallResult {
  lines: string[];
  /** set when pip would exit non-zero: the first error line */
  error?: string;
}

/** PEP 503 normalised project name: lower case, runs of -_. become one "-". */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function pythonFor(airflowVersion: string): string {
  return compareVersions(airflowVersion, '2.11.0') >= 0 ? '3.12' : '3.11';
}

const OPTION_WITH_VALUE = /^(-c|--constraint|-r|--requirement|-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host)(\s+|=)(.+)$/;
const FLAG_ONLY = /^(--no-index|--pre|--prefer-binary|--only-binary|--no-binary|--require-hashes)(\s|=|$)/;
const REQUIREMENT = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;

/**
 * pip's output for `pip3 install -r requirements.txt` as the emulator simulates it.
 * @param denied normalised names of packages that "cannot be found" (SimOptions.denyPackages)
 */
export function simulatePipInstall(
  text: string,
  opts: { file: string; version: string; airflowVersion: string; denied: string[] },
): InstallResult {
  const denied = new Set(opts.denied.map(normalizeName));
  const py = pythonFor(opts.airflowVersion);
  const lines: string[] = [`Installing requirements from ${opts.file} (S3 object version ${opts.version})`];
  // MWAA adds its constraints file when the user's file has none (IMG: regex "-c |--constraint " on any line).
  if (!/-c |--constraint /.test(text)) {
    lines.push(
      `No constraints found in ${opts.file}; using https://raw.githubusercontent.com/apache/airflow/constraints-${opts.airflowVersion}/constraints-${py}.txt`,
    );
  }
  const installed: Array<{ name: string; version: string }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const opt = OPTION_WITH_VALUE.exec(line);
    if (opt) {
      const value = opt[3].trim().replace(/^["']|["']$/g, '');
      if (opt[1] === '-c' || opt[1] === '--constraint') lines.push(`Using constraints file ${value}`);
      else if (opt[1] === '-r' || opt[1] === '--requirement') lines.push(`Processing nested requirements file ${value}`);
      else lines.push(`Looking in indexes/links: ${value}`);
      continue;
    }
    if (FLAG_ONLY.test(line)) continue;
    let spec = line;
    if (spec.startsWith('-e ') || spec.startsWith('--editable ')) {
      const egg = /#egg=([A-Za-z0-9._-]+)/.exec(raw);
      spec = egg ? egg[1] : spec.replace(/^(-e|--editable)\s+/, '');
    }
    const m = REQUIREMENT.exec(spec);
    if (!m || m[3].startsWith('-') || /^[^=<>!~;@\s]/.test(m[3])) {
      const error = `ERROR: Invalid requirement: '${spec}'`;
      lines.push(error);
      return { lines, error };
    }
    const name = m[1];
    const specifier = m[3].split(';')[0].trim();
    lines.push(`Collecting ${name}${m[2] ?? ''}${specifier ? specifier.replace(/^\s*/, '') : ''}`);
    if (denied.has(normalizeName(name))) {
      const req = `${name}${specifier}`;
      const error = `ERROR: Could not find a version that satisfies the requirement ${req} (from versions: none)`;
      lines.push(error, `ERROR: No matching distribution found for ${req}`);
      return { lines, error };
    }
    const pinned = /===?\s*([0-9A-Za-z.+!*-]+)/.exec(specifier)?.[1]?.replace(/\*$/, '0') ?? '1.0.0';
    const wheel = `${name.replace(/[-.]+/g, '_')}-${pinned}-py3-none-any.whl`;
    lines.push(`  Downloading ${wheel} (${((normalizeName(name).length * 7) % 900) + 12} kB)`);
    installed.push({ name, version: pinned });
  }
  if (installed.length === 0) {
    lines.push('No requirements to install.');
    return { lines };
  }
  lines.push(`Installing collected packages: ${installed.map((p) => p.name).join(', ')}`);
  lines.push(`Successfully installed ${installed.map((p) => `${p.name}-${p.version}`).join(' ')}`);
  return { lines };
}

/** The startup script "run": its `echo` lines, then the exit status. */
export function simulateStartupScript(text: string, opts: { file: string; version: string }): string[] {
  const lines = [`Executing startup script ${opts.file} (S3 object version ${opts.version})`];
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*echo\s+(?:-[ne]+\s+)?(.*)$/.exec(raw);
    if (!m) continue;
    let out = m[1].trim();
    if ((out.startsWith('"') && out.endsWith('"')) || (out.startsWith("'") && out.endsWith("'"))) out = out.slice(1, -1);
    lines.push(out);
  }
  lines.push('Startup script execution finished with exit code 0');
  return lines;
}
