/**
 * Turning an argv into the command line MWAA's `/aws_mwaa/cli` endpoint expects.
 *
 * The body is the Airflow command line without the leading `airflow` (README "How arguments are sent").
 * MWAA's plugin is closed source; every public caller quotes shell-style and relies on POSIX quote
 * removal without expansion, consistent with Python's `shlex.split` (src/local/airflow/README.md, "Argv").
 * So: an argument made only of `[A-Za-z0-9_./:=@+-]` goes as it is; any other argument is wrapped in
 * single quotes (inside which every character is literal: spaces, double quotes, backslashes, `$`,
 * newlines, unicode), and an embedded single quote becomes `'"'"'` (close, a double-quoted `'`, reopen).
 */
import { UsageError } from '../errors.js';

const SAFE = /^[A-Za-z0-9_./:=@+-]+$/;

export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new UsageError('an argument contains a NUL character, which no command line can carry', { code: 'remote.nul' });
  }
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'"'"'`)}'`;
}

/** The body of a `/aws_mwaa/cli` request for these Airflow arguments. */
export function commandLine(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}
