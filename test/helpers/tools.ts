/**
 * Whether an optional outside tool is there, for tests that skip without it: asked once per worker
 * process (test files share workers), and without running the tool when a cheaper look answers (the AWS
 * CLI takes ~0.7 s of CPU to print its version; importing boto3 ~0.2 s).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** An executable named `command` in a folder of PATH. */
export function onPath(command: string): boolean {
  return whereOnPath(command) !== undefined;
}

/** The path of the executable named `command` that PATH finds first, if any. */
export function whereOnPath(command: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(folder, command), constants.X_OK);
      return join(folder, command);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

let boto3: string | undefined;
/**
 * Why python3 cannot give boto3 ('' when it can): the module is looked up, not imported. Synchronous, for
 * `it.skipIf` while a file's tests are collected (no emulator of the file runs yet).
 */
export function boto3Missing(): string {
  boto3 ??= (() => {
    const probe = spawnSync('python3', ['-c', "import importlib.util, sys; sys.exit(importlib.util.find_spec('boto3') is None)"], {
      encoding: 'utf8',
    });
    if (probe.error) return `python3 cannot be started: ${probe.error.message}`;
    return probe.status === 0 ? '' : 'python3 has no module boto3';
  })();
  return boto3;
}
