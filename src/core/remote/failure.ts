/**
 * Did a remote Airflow command fail? MWAA's `/aws_mwaa/cli` answers HTTP 200 with only the base64
 * stdout and stderr of the command: there is no exit code. So
 * failure is read from the text, by the rules of README "How a failed remote command is detected",
 * derived from how Airflow's CLI ends a failed command:
 *
 *  1. an uncaught exception: Python prints a traceback on stderr
 *     (`Traceback (most recent call last):` … `airflow.exceptions.DagNotFound: …`);
 *  2. an argparse error: `airflow <group> <cmd> command error: <msg>, see help above.` on stderr;
 *  3. the last non-empty stderr line has the form `<qualified.ClassName>: <message>`, except Python
 *     warning categories (`…Warning:`), log-level words (`WARNING:`), and the two non-fatal `Error:`
 *     notices `dags list` prints while still listing (`Error: Failed to load all files…`,
 *     `Error: Ignoring the following invalid columns…`);
 *  4. the last non-empty stderr line is one of the messages Airflow's commands exit with
 *     (`SystemExit("…")`): `… does not exist in 'dag' table`, `Variable … does not exist`, …
 *
 * Anything else on stderr (deprecation warnings, `[INFO] …` notices) is not a failure.
 *
 * Limits: a command that exits non-zero silently (`sys.exit(1)` with nothing printed) or with a
 * `SystemExit` message not listed in rule 4 looks like a success; the only such command we know
 * of is `dags list-import-errors`, whose exit 1 means "there were rows", which is data, not failure.
 * The commands this tool runs itself (trigger, state, list) also check that their output parses, so
 * for them an unrecognised failure still stops the tool with the remote stderr shown.
 */

export type FailureKind = 'exception' | 'usage' | 'exit';

export interface RemoteFailure {
  kind: FailureKind;
  /** the line that tells what went wrong (exception line, argparse message, SystemExit text) */
  message: string;
  /** for exceptions: the exception class, e.g. "airflow.exceptions.DagNotFound" */
  exception?: string;
  /** something named does not exist (DAG, run, task, variable) */
  notFound: boolean;
}

const TRACEBACK = 'Traceback (most recent call last):';
const USAGE = /^airflow\b.* command error: (.*), see help above\.$/;
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*(?:Error|Exception|NotFound|Exists)?): (.*)$/;
const NOT_WARNINGS = [/^Error: Failed to load all files\b/, /^Error: Ignoring the following invalid columns\b/];
const LOG_WORDS = /^(WARNING|WARN|INFO|DEBUG|NOTICE|NOTE|HINT|TIP)$/i;
const SYSTEM_EXITS: Array<{ re: RegExp; notFound: boolean }> = [
  { re: /does not exist in 'dag' table$/, notFound: true },
  { re: /^Variable .+ does not exist\.?$/, notFound: true },
  { re: /^DAG: .+ does not exist in the database$/, notFound: true },
  { re: /^Can not find dag\b/, notFound: true },
  { re: /^Cannot use --table and --field together$/, notFound: false },
  { re: /^Operation cancelled by user$/, notFound: false },
];
const NOT_FOUND_EXCEPTIONS = /(NotFound|DoesNotExist)$/;

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trimEnd());
}

function lastNonEmpty(text: string): string | undefined {
  const all = lines(text);
  for (let i = all.length - 1; i >= 0; i--) if (all[i].trim() !== '') return all[i];
  return undefined;
}

export function detectFailure(result: { stdout: string; stderr: string }): RemoteFailure | undefined {
  const { stderr } = result;
  const last = lastNonEmpty(stderr);
  if (last === undefined) return undefined;
  const lastTrim = last.trim();

  if (stderr.includes(TRACEBACK)) {
    const m = EXCEPTION_LINE.exec(lastTrim);
    const exception = m ? m[1] : undefined;
    return {
      kind: 'exception',
      message: lastTrim,
      exception,
      notFound: exception ? NOT_FOUND_EXCEPTIONS.test(exception) : false,
    };
  }
  const usage = USAGE.exec(lastTrim);
  if (usage) return { kind: 'usage', message: lastTrim, notFound: false };

  for (const { re, notFound } of SYSTEM_EXITS) {
    if (re.test(lastTrim)) return { kind: 'exit', message: lastTrim, notFound };
  }
  const m = EXCEPTION_LINE.exec(last); // no leading blanks: a wrapped warning continues indented
  if (m && !NOT_WARNINGS.some((re) => re.test(last))) {
    const name = m[1];
    const short = name.split('.').pop() ?? name;
    if (!/Warning$/.test(short) && !LOG_WORDS.test(short)) {
      return { kind: 'exception', message: lastTrim, exception: name, notFound: NOT_FOUND_EXCEPTIONS.test(name) };
    }
  }
  return undefined;
}

/** The lines of stderr that are warnings worth showing (everything but blank lines). */
export function stderrTail(stderr: string, max = 15): string[] {
  const all = lines(stderr).filter((l) => l.trim() !== '');
  return all.slice(-max);
}
