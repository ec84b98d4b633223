/**
 * `dags push --verify` (docs/check.md): the environment's import errors before the push and after
 * MWAA's sync; a release that added import errors is rolled back by the caller.
 */
import type { Clock } from '../clock.js';
import { msg, type Notify } from '../messages.js';
import type { ImportError } from '../remote/parse.js';

export interface VerifyPorts {
  readImportErrors(): Promise<ImportError[]>;
  clock: Clock;
  events: Notify;
  signal?: AbortSignal;
}

export interface VerifyResult {
  after: ImportError[];
  /** import errors that were not there before the release */
  added: ImportError[];
}

/** The last line of an error (the exception), which identifies it across re-parses. */
function errorLine(error: string): string {
  const lines = error
    .trimEnd()
    .split('\n')
    .filter((l) => l.trim() !== '');
  return (lines[lines.length - 1] ?? '').trim();
}

export const importErrorKey = (e: ImportError): string => `${e.filepath}\n${errorLine(e.error)}`;

/** Import errors in `after` that `before` did not have (same file and same exception line). */
export function addedImportErrors(before: ImportError[], after: ImportError[]): ImportError[] {
  const known = new Set(before.map(importErrorKey));
  return after.filter((e) => !known.has(importErrorKey(e)));
}

/** Waits for MWAA's sync of the DAGs folder, then reads the import errors once more. */
export async function verifyRelease(
  before: ImportError[],
  ports: VerifyPorts,
  options: { environment: string; waitMs: number },
): Promise<VerifyResult> {
  if (options.waitMs > 0) {
    ports.events(
      msg(
        'verify.waiting',
        { environment: options.environment, waitMs: options.waitMs },
        `verify: waiting ${Math.round(options.waitMs / 1000)}s for ${options.environment} to sync and parse the DAG files`,
      ),
    );
    await ports.clock.sleep(options.waitMs, ports.signal);
  }
  const after = await ports.readImportErrors();
  const added = addedImportErrors(before, after);
  if (added.length > 0) {
    ports.events(
      msg(
        'verify.import-errors',
        { count: after.length, added: added.map((e) => e.filepath) },
        `verify: the release added ${added.length} import error${added.length === 1 ? '' : 's'}: ${added.map((e) => e.filepath).join(', ')}`,
      ),
    );
  } else {
    ports.events(
      msg(
        'verify.done',
        { importErrors: after.length, added: 0 },
        `verify: no new import errors${after.length ? ` (${after.length} already there before this release)` : ''}`,
      ),
    );
  }
  return { after, added };
}
