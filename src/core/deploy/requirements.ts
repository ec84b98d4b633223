/**
 * Pre-flight checks of requirements.txt: the `--constraint` line MWAA expects (from
 * Airflow 2.7.2 on), and packages without an exact pin (which install whatever PyPI has that day).
 */
import { constraintLine } from '../config/schema.js';

export interface RequirementsFinding {
  level: 'warning';
  code: 'requirements.no-constraint' | 'requirements.unpinned';
  message: string;
  fix: string;
}

const OPTION = /^(-[a-zA-Z]|--[a-z-]+)/;

export function checkRequirements(text: string, airflowVersion: string | undefined): RequirementsFinding[] {
  const findings: RequirementsFinding[] = [];
  const lines = text.split(/\r?\n/);
  // MWAA's own test (IMG): "-c " or "--constraint " anywhere, even in a comment.
  if (!lines.some((l) => /(^|\s)(-c\s|--constraint[\s=])/.test(l))) {
    const line = airflowVersion ? constraintLine(airflowVersion) : undefined;
    findings.push({
      level: 'warning',
      code: 'requirements.no-constraint',
      message: 'requirements.txt has no --constraint line; MWAA adds its own, which may not match your pins',
      fix: line
        ? `add this first line: ${line}`
        : 'add a --constraint line for your Airflow version at the top (reference: MWAA user guide, "Managing Python dependencies")',
    });
  }
  const unpinned: string[] = [];
  for (const raw of lines) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || OPTION.test(line)) continue;
    if (/^[a-z+]+:\/\//i.test(line) || line.includes(' @ ')) continue; // URLs / direct references pin themselves
    const name = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line)?.[1];
    if (!name) continue;
    const spec = line
      .slice(name.length)
      .replace(/^\s*\[[^\]]*\]/, '')
      .split(';')[0];
    if (!/===?\s*[0-9A-Za-z]/.test(spec) || /==\s*[^,;\s]*\*/.test(spec)) unpinned.push(name);
  }
  if (unpinned.length > 0) {
    findings.push({
      level: 'warning',
      code: 'requirements.unpinned',
      message: `requirements.txt has packages without an exact version: ${unpinned.slice(0, 8).join(', ')}${unpinned.length > 8 ? `, … (${unpinned.length})` : ''}`,
      fix: 'pin each package with == (e.g. `pip freeze` in an environment built with the constraints file)',
    });
  }
  return findings;
}
