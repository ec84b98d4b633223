/** Remote Airflow: trigger, the Airflow CLI pass-through, the DAG list and the Airflow UI (README "Remote Airflow"). */
import { parseDuration } from '../../core/duration.js';
import { UsageError } from '../../core/errors.js';
import { command, option, type CommandSpec, type Loaded } from '../spec.js';

const positiveDuration = (flag: string) => (value: string) => {
  const ms = parseDuration(value, flag);
  if (ms <= 0) throw new UsageError(`${flag} must be longer than 0`);
  return ms;
};

const logLines = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new UsageError(`--log-lines must be a whole number from 1 to 10000, not "${value}"`);
  return n;
};

/** On the commands that talk to Airflow through either transport (README "Transports"). */
const TRANSPORT = option({
  flags: '--transport <rest|cli>',
  description:
    'how to reach Airflow: rest (InvokeRestApi) or cli (a CLI token); default: rest where the Airflow version has it, falling back to cli when refused (also $MWAA_TRANSPORT)',
  choices: ['rest', 'cli'],
});

export const triggerCommand = command({
  path: ['trigger'],
  summary: 'trigger a DAG run, optionally wait for its result',
  description:
    "Checks that the DAG exists on the environment and is not paused, triggers a run (with --conf as the run's " +
    "conf) and prints its run id on stdout and the Airflow UI link on stderr. With --wait it follows the run's " +
    'task states until the run ends: exit 0 when it succeeded, 1 when it failed (the last lines of each failed ' +
    "task's log are printed) or ended in any other state, or when --timeout (default 2h) passed. With --wait, a " +
    'paused DAG is refused before anything is sent (exit 1: its run could not start) unless --unpause is given. ' +
    'Ctrl-C stops waiting and leaves the run alone. --conf is validated locally (exit 2 with the position of a JSON error) and reaches ' +
    'Airflow exactly as written.',
  args: [{ name: 'dag', description: 'the DAG id', required: true }],
  options: [
    { flags: '--conf <json|@file>', description: "the run's conf: a JSON object, @file.json, or @- for stdin", complete: 'files' },
    { flags: '--run-id <id>', description: 'the run id (default: Airflow names it manual__<time>)' },
    { flags: '--unpause', description: 'unpause the DAG first if it is paused' },
    { flags: '--wait', description: 'wait for the run to end; the exit code tells its result' },
    {
      flags: '--timeout <duration>',
      description: 'with --wait: stop waiting after this long (0: no limit); exit 1',
      default: 2 * 60 * 60 * 1000,
      defaultLabel: '2h',
      parse: (value: string) => parseDuration(value, '--timeout'),
    },
    {
      flags: '--poll <duration>',
      description: 'with --wait: first poll interval, backing off up to 30s',
      default: 5000,
      defaultLabel: '5s',
      parse: positiveDuration('--poll'),
    },
    { flags: '--log-lines <n>', description: "with --wait: lines of each failed task's log to print", default: 20, parse: logLines },
    TRANSPORT,
  ],
  examples: [
    {
      command: 'mwaa trigger etl --conf \'{"date": "2024-01-31"}\' --wait',
      description: 'trigger etl with a conf and wait for the result',
    },
    { command: 'mwaa trigger etl --conf @conf.json --wait --timeout 1h', description: 'a CI step: fails the pipeline when the run fails' },
    { command: 'RUN=$(mwaa trigger etl --unpause)', description: 'unpause, trigger, keep the run id' },
  ],
  load: (): Loaded => import('../commands/trigger.js'),
});

export const airflowCommand = command({
  path: ['airflow'],
  summary: 'run a command of the remote Airflow CLI',
  description:
    "Runs an Airflow CLI command on the environment's web server (MWAA CLI token) and prints its stdout and " +
    'stderr as they are. Commands MWAA does not run are refused before anything is sent, with the supported ' +
    "alternatives for the environment's Airflow version (`mwaa airflow --help` lists them). The exit code is " +
    'non-zero when the remote command failed (a Python traceback, an argument error, or a known error message ' +
    'on its stderr): 2 for argument errors, 3 when a DAG/run/task/variable does not exist, else 1. Everything ' +
    "after `airflow` is passed on verbatim, so Airflow's own options (e.g. -o json) go to Airflow.",
  args: [{ name: 'command', description: 'the Airflow command and its arguments, e.g. dags list-runs -d etl', variadic: true }],
  passThrough: true,
  examples: [
    { command: 'mwaa airflow dags list-runs -d etl', description: 'the runs of etl (Airflow 2; on Airflow 3: dags list-runs etl)' },
    { command: 'mwaa airflow variables set env prod', description: 'set an Airflow variable' },
    { command: 'mwaa airflow tasks states-for-dag-run etl <run-id> -o json', description: 'task states of a run as JSON' },
    { command: 'mwaa airflow --help', description: 'the commands MWAA runs, per Airflow version' },
  ],
  load: (): Loaded => import('../commands/airflow.js'),
});

export const dagsListCommand = command({
  path: ['dags', 'list'],
  summary: 'DAGs as the remote Airflow sees them',
  description:
    "Lists the DAGs of the environment's Airflow (GET /dags through InvokeRestApi, or `airflow dags list -o json` " +
    'through a CLI token): id, paused, schedule, owners and tags where the Airflow version reports them. ' +
    '--import-errors lists the DAG files that failed to import instead.',
  options: [{ flags: '--import-errors', description: 'list the DAG files that failed to import' }, TRANSPORT],
  examples: [
    { command: 'mwaa dags list', description: 'the DAGs, as a table' },
    { command: "mwaa dags list --json | jq -r '.[] | select(.paused) | .dagId'", description: 'the ids of paused DAGs' },
    { command: 'mwaa dags list --import-errors', description: 'why a DAG does not show up' },
  ],
  load: (): Loaded => import('../commands/dags/list.js'),
});

export const dagsPauseCommand = command({
  path: ['dags', 'pause'],
  summary: 'pause a DAG (no new scheduled runs)',
  description:
    "Pauses the DAG on the environment's Airflow (PATCH /dags/<dag> through InvokeRestApi, or `airflow dags pause`). " +
    'Exit 3 when the DAG does not exist.',
  args: [{ name: 'dag', description: 'the DAG id', required: true }],
  options: [TRANSPORT],
  examples: [{ command: 'mwaa dags pause etl', description: 'stop scheduling etl' }],
  load: (): Loaded => import('../commands/dags/pause.js'),
});

export const dagsUnpauseCommand = command({
  path: ['dags', 'unpause'],
  summary: 'unpause a DAG',
  description:
    "Unpauses the DAG on the environment's Airflow (PATCH /dags/<dag> through InvokeRestApi, or `airflow dags unpause`). " +
    'Exit 3 when the DAG does not exist.',
  args: [{ name: 'dag', description: 'the DAG id', required: true }],
  options: [TRANSPORT],
  examples: [{ command: 'mwaa dags unpause etl', description: 'let the scheduler run etl again' }],
  load: (): Loaded => import('../commands/dags/unpause.js'),
});

export const apiCommand = command({
  path: ['api'],
  summary: 'call the Airflow REST API (InvokeRestApi)',
  description:
    "Sends one call to the environment's Airflow REST API through InvokeRestApi (IAM action airflow:InvokeRestApi; " +
    'Airflow 2.4.3 or later) and prints the JSON answer. The path is relative to the API root (API v1 on Airflow 2, ' +
    'v2 on Airflow 3) and at most 64 characters. -f/-F fields go to the query for GET and DELETE and to the JSON ' +
    'body otherwise (to the query with --input). The method is GET, or POST with --input. --paginate follows ' +
    'offset/limit up to total_entries and prints one merged array. Exit 0 for 2xx, 3 for 404, 1 for any other ' +
    'status (the problem detail on stderr). Answers over 6 MB are refused by MWAA: ask for fewer items (limit).',
  args: [{ name: 'path', description: 'e.g. /dags, /dags/etl/dagRuns, /variables/env', required: true }],
  options: [
    {
      flags: '-X, --method <method>',
      description: 'GET, PUT, POST, PATCH or DELETE (default GET; POST with --input)',
      choices: ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'],
    },
    {
      flags: '-f, --raw-field <key=value>',
      description: 'a string field (repeatable; key[]=v makes a list)',
      parse: (v: string, prev: unknown) => [...((prev as string[] | undefined) ?? []), v],
    },
    {
      flags: '-F, --field <key=value>',
      description: 'a typed field: true, false, null and numbers as JSON (repeatable)',
      parse: (v: string, prev: unknown) => [...((prev as string[] | undefined) ?? []), v],
    },
    { flags: '--input <file|->', description: 'the JSON request body from a file, or - for stdin', complete: 'files' },
    { flags: '--paginate', description: 'GET every page (offset/limit, total_entries) and print one array' },
  ],
  examples: [
    { command: 'mwaa api /dags -f limit=5', description: 'the first five DAGs' },
    { command: 'mwaa api /dags/etl/dagRuns --paginate | jq length', description: 'how many runs etl has' },
    { command: 'mwaa api /dags/etl -X PATCH -F is_paused=true', description: 'pause etl' },
    { command: 'mwaa api /variables -X POST -f key=env -f value=prod', description: 'set an Airflow variable' },
    { command: 'mwaa api /dags/etl/dagRuns --input run.json', description: 'trigger etl with the body in run.json' },
  ],
  load: (): Loaded => import('../commands/api.js'),
});

export const openCommand = command({
  path: ['open'],
  summary: 'open the Airflow UI (a web login token)',
  description:
    'Creates a web login token (valid 60 seconds) and opens the Airflow UI logged in, in your browser. Without ' +
    'a display, with --print or --json, prints the login URL instead. The URL logs in whoever opens it within ' +
    'the minute: do not paste it where others can see it.',
  options: [{ flags: '--print', description: 'print the login URL instead of opening a browser' }],
  examples: [
    { command: 'mwaa open', description: 'open the Airflow UI' },
    { command: 'mwaa open --print', description: 'print the login URL' },
  ],
  load: (): Loaded => import('../commands/open.js'),
});

export const remoteCommands: CommandSpec[] = [
  triggerCommand,
  airflowCommand,
  dagsListCommand,
  dagsPauseCommand,
  dagsUnpauseCommand,
  apiCommand,
  openCommand,
];
