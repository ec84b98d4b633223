/**
 * `python3 -c code args…`, asynchronously (a test's in-process emulator must keep serving while it runs),
 * with what it printed; code -1 when python3 cannot be started.
 */
import { spawn } from 'node:child_process';

export function python(
  code: string,
  env: NodeJS.ProcessEnv = process.env,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('python3', ['-c', code, ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', () => resolve({ code: -1, stdout, stderr }));
    p.on('close', (c) => resolve({ code: c, stdout, stderr }));
  });
}
