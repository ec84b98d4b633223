/** The startup script (docs/check.md): a shebang, Unix line endings, and `bash -n` when bash is installed. */
import { readFile } from 'node:fs/promises';
import type { CheckFinding, CheckPorts, CheckSkip } from './types.js';

export async function checkStartupScript(
  path: string,
  file: string,
  ports: CheckPorts,
): Promise<{ findings: CheckFinding[]; skipped: CheckSkip[]; ran: string[] }> {
  const findings: CheckFinding[] = [];
  const skipped: CheckSkip[] = [];
  const ran: string[] = [];
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { findings: [{ level: 'error', area: 'startup', code: 'startup.missing', file, message: 'no such file' }], skipped, ran };
  }
  if (!text.startsWith('#!')) {
    findings.push({
      level: 'warning',
      area: 'startup',
      code: 'startup.shebang',
      file,
      line: 1,
      message: 'no shebang line; say which shell runs the script',
      fix: 'make the first line `#!/bin/sh` (or `#!/bin/bash`)',
    });
  }
  const crlf = text.split('\n').findIndex((l) => l.endsWith('\r'));
  if (crlf >= 0) {
    findings.push({
      level: 'error',
      area: 'startup',
      code: 'startup.crlf',
      file,
      line: crlf + 1,
      message: 'Windows line endings (CRLF): the shell on MWAA reads "\\r" as part of each command',
      fix: "convert it to LF (`dos2unix`, or your editor's line-ending setting)",
    });
  }
  if (!ports.bash) {
    skipped.push({ area: 'startup', what: 'bash -n syntax check of the startup script', reason: 'bash is not installed' });
    return { findings, skipped, ran };
  }
  const result = await ports.bash.run(['-n', path], ports.signal ? { signal: ports.signal } : {});
  ran.push(`bash -n ${file}`);
  if (result.code !== 0) {
    for (const l of result.stderr.split('\n')) {
      const m = /line (\d+): (.*)$/.exec(l);
      if (m) findings.push({ level: 'error', area: 'startup', code: 'startup.syntax', file, line: Number(m[1]), message: m[2] });
    }
    if (!findings.some((f) => f.code === 'startup.syntax'))
      findings.push({
        level: 'error',
        area: 'startup',
        code: 'startup.syntax',
        file,
        message: result.stderr.trim() || `bash -n exited with ${result.code}`,
      });
  }
  return { findings, skipped, ran };
}
