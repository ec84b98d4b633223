/**
 * The Airflow CLI commands the emulator answers, with the arguments, output bytes, log lines, errors
 * and exit behaviour of Airflow 2.x and 3.x (src/local/airflow/README.md, "Commands"). Each command returns the
 * stdout/stderr text and the exit code the real `airflow` process would have produced.
 */
import type { EnvironmentRecord, World } from '../contract.js';
import { ArgTypeError, formatHelp, parseArgs, type ArgSpec, type CommandSpec } from './argparse.js';
import { OUTPUT_FORMATS, printAs, type OutputFormat, type Row } from './console.js';
import { loadDagBag, type BagDag, type DagBag } from './dagbag.js';
import { DateParseError, isoformat, logTimestamp, parseDate, strDatetime } from './dates.js';
import { JSONDecodeError, PyDict, PyFloat, PyInt, jsonDumps, jsonLoads, pyStr, pyTypeName, type Py } from './py.js';
import { manualDataInterval, nextExecutions } from './schedule.js';
import { snapshotTasks } from './scheduler.js';
import type { AirflowStoreImpl, EnvAf, RunRec } from './store.js';
import { configBool, logTarget } from './store.js';
import { runStateAt, tiStateAt } from './timeline.js';
import { DAGS_FOLDER, sitePackages, type AfVersion } from './versions.js';
import { MarkupError } from './tables.js';

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CliContext {
  world: World;
  store: AirflowStoreImpl;
  rec: EnvironmentRecord;
  v: AfVersion;
}

// ---------------------------------------------------------------------------------------------- failures

/** raise SystemExit("msg"): msg on stderr, exit 1 */
class SystemExitMsg extends Error {
  constructor(readonly msg: string) {
    super(msg);
  }
}
/** sys.exit(n) without a message */
class SysExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
/** an uncaught Python exception: a traceback on stderr, exit 1 */
class PyException extends Error {
  constructor(
    readonly type: string,
    readonly msg: string,
    readonly frames: Array<[string, number, string, string]> = [],
  ) {
    super(`${type}: ${msg}`);
  }
}

function traceback(v: AfVersion, e: PyException): string {
  const sp = sitePackages(v);
  const frames: Array<[string, number, string, string]> = [
    ['/usr/local/airflow/.local/bin/airflow', 8, '<module>', 'sys.exit(main())'],
    [`${sp}/airflow/__main__.py`, 62, 'main', 'args.func(args)'],
    [`${sp}/airflow/cli/cli_config.py`, 49, 'command', 'return func(*args, **kwargs)'],
    [`${sp}/airflow/utils/cli.py`, 115, 'wrapper', 'return f(*args, **kwargs)'],
    ...e.frames.map(([f, l, fn, code]) => [f.startsWith('/') ? f : `${sp}/airflow/${f}`, l, fn, code] as [string, number, string, string]),
  ];
  const out = ['Traceback (most recent call last):'];
  for (const [file, line, fn, code] of frames) {
    out.push(`  File "${file}", line ${line}, in ${fn}`);
    out.push(`    ${code}`);
  }
  out.push(e.msg === '' ? e.type : `${e.type}: ${e.msg}`);
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------- arguments

const parsedateType = {
  name: 'parse',
  fn: (s: string): number => parseDate(s),
};
const positiveInt = {
  name: 'positive_int',
  fn: (s: string): number => {
    if (/^\s*[+-]?\d+\s*$/.test(s) && Number(s) > 0) return Number(s);
    throw new ArgTypeError(`invalid positive int value: '${s}'`);
  },
};
const intType = {
  name: 'int',
  fn: (s: string): number => {
    if (!/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(s)) throw new Error('bad int');
    return Number(s.replace(/_/g, ''));
  },
};
const stringList = { name: 'string_list_type', fn: (s: string): string[] => s.split(',').map((x) => x.trim()) };

const A = {
  dagId: { flags: [], dest: 'dag_id', help: 'The id of the dag' } as ArgSpec,
  taskId: { flags: [], dest: 'task_id', help: 'The id of the task' } as ArgSpec,
  executionDate: { flags: [], dest: 'execution_date', type: parsedateType, help: 'The execution_date of the DAG' } as ArgSpec,
  execDateOrRunId: {
    flags: [],
    dest: 'execution_date_or_run_id',
    help: 'The execution_date of the DAG or run_id of the DAGRun',
  } as ArgSpec,
  logicalDateOrRunId: { flags: [], dest: 'logical_date_or_run_id', help: 'The logical date of the DAG or run_id of the DAGRun' } as ArgSpec,
  subdir: {
    flags: ['-S', '--subdir'],
    dest: 'subdir',
    help: "File location or directory from which to look for the dag. Defaults to '[AIRFLOW_HOME]/dags'",
  } as ArgSpec,
  output: {
    flags: ['-o', '--output'],
    dest: 'output',
    choices: OUTPUT_FORMATS,
    metavar: '(table, json, yaml, plain)',
    default: 'table',
    help: 'Output format. Allowed values: json, yaml, plain, table (default: table)',
  } as ArgSpec,
  verbose: { flags: ['-v', '--verbose'], dest: 'verbose', action: 'store_true', help: 'Make logging output more verbose' } as ArgSpec,
  columns: {
    flags: ['--columns'],
    dest: 'columns',
    type: stringList,
    help: "List of columns to render. (default: ['dag_id', 'fileloc', 'owner', 'is_paused'])",
  } as ArgSpec,
  bundleName: {
    flags: ['-B', '--bundle-name'],
    dest: 'bundle_name',
    action: 'append',
    help: 'The name of the DAG bundle to use; may be provided more than once',
  } as ArgSpec,
  local: {
    flags: ['-l', '--local'],
    dest: 'local',
    action: 'store_true',
    help: 'Shows local parsed DAGs and their import errors, ignores content serialized in DB',
  } as ArgSpec,
  dagIdFlag: { flags: ['-d', '--dag-id'], dest: 'dag_id', required: true, help: 'The id of the dag' } as ArgSpec,
  noBackfill: {
    flags: ['--no-backfill'],
    dest: 'no_backfill',
    action: 'store_true',
    help: 'filter all the backfill dagruns given the dag id',
  } as ArgSpec,
  drState: {
    flags: ['--state'],
    dest: 'state',
    choices: ['queued', 'running', 'success', 'failed'],
    help: 'Only list the DAG runs corresponding to the state',
  } as ArgSpec,
  startDate: { flags: ['-s', '--start-date'], dest: 'start_date', type: parsedateType, help: 'Override start_date YYYY-MM-DD' } as ArgSpec,
  endDate: { flags: ['-e', '--end-date'], dest: 'end_date', type: parsedateType, help: 'Override end_date YYYY-MM-DD' } as ArgSpec,
  runId: { flags: ['-r', '--run-id'], dest: 'run_id', help: 'Helps to identify this run' } as ArgSpec,
  conf: { flags: ['-c', '--conf'], dest: 'conf', help: "JSON string that gets pickled into the DagRun's conf attribute" } as ArgSpec,
  execDate: { flags: ['-e', '--exec-date'], dest: 'exec_date', type: parsedateType, help: 'The execution date of the DAG' } as ArgSpec,
  logicalDate: {
    flags: ['-l', '--logical-date'],
    dest: 'logical_date',
    type: parsedateType,
    help: 'The logical date of the DAG',
  } as ArgSpec,
  replaceMicro: {
    flags: ['--no-replace-microseconds'],
    dest: 'replace_microseconds',
    action: 'store_false',
    help: 'whether microseconds should be zeroed',
  } as ArgSpec,
  regex: {
    flags: ['--treat-dag-id-as-regex'],
    dest: 'treat_dag_id_as_regex',
    action: 'store_true',
    help: 'if set, dag_id will be treated as regex instead of an exact string',
  } as ArgSpec,
  yes: { flags: ['-y', '--yes'], dest: 'yes', action: 'store_true', help: 'Do not prompt to confirm. Use with care!' } as ArgSpec,
  numExecutions: {
    flags: ['-n', '--num-executions'],
    dest: 'num_executions',
    type: positiveInt,
    default: 1,
    help: 'The number of next execution datetimes to show',
  } as ArgSpec,
  mapIndex: { flags: ['--map-index'], dest: 'map_index', type: intType, default: -1, help: 'Mapped task index' } as ArgSpec,
  tree: { flags: ['-t', '--tree'], dest: 'tree', action: 'store_true', help: 'Tree view' } as ArgSpec,
  key: { flags: [], dest: 'key', help: 'Variable key' } as ArgSpec,
  value: { flags: [], dest: 'value', metavar: 'VALUE', help: 'Variable value' } as ArgSpec,
  description: { flags: ['--description'], dest: 'description', help: 'Variable description, optional when setting a variable' } as ArgSpec,
  serializeJson: { flags: ['-j', '--json'], dest: 'json', action: 'store_true', help: 'Serialize JSON variable' } as ArgSpec,
  deserializeJson: { flags: ['-j', '--json'], dest: 'json', action: 'store_true', help: 'Deserialize JSON variable' } as ArgSpec,
  default: {
    flags: ['-d', '--default'],
    dest: 'default',
    metavar: 'VAL',
    help: 'Default value returned if variable does not exist',
  } as ArgSpec,
};

function specFor(v: AfVersion, group: string, cmd: string): { spec: CommandSpec; suppressed: boolean } | undefined {
  const prog = `airflow ${group} ${cmd}`.trim();
  const mk = (help: string, args: ArgSpec[], suppressed: boolean): { spec: CommandSpec; suppressed: boolean } => ({
    spec: { prog, help, args },
    suppressed,
  });
  const af3 = v.af3;
  switch (`${group} ${cmd}`) {
    case 'version ':
      return mk('Show the version', [], false);
    case 'dags list':
      if (af3) return mk('List all the DAGs', [A.output, A.verbose, A.columns, A.bundleName, A.local], true);
      return mk(
        'List all the DAGs',
        v.legacyListAndPause ? [A.subdir, A.output, A.verbose] : [A.subdir, A.output, A.verbose, A.columns],
        true,
      );
    case 'dags list-import-errors':
      return mk(
        'List all the DAGs that have import errors',
        af3 ? [A.bundleName, A.output, A.verbose, A.local] : [A.subdir, A.output, A.verbose],
        true,
      );
    case 'dags list-runs':
      return mk(
        'List DAG runs given a DAG id. If state option is given, it will only search for all the dagruns with the given state. If start_date is given, it will only search for all the dagruns that were executed after this date. If end_date is given, it will only search for all the dagruns that were executed before this date.',
        [af3 ? A.dagId : A.dagIdFlag, A.noBackfill, A.drState, A.output, A.verbose, A.startDate, A.endDate],
        true,
      );
    case 'dags trigger':
      return mk(
        "Trigger a new DAG run. If DAG is paused then dagrun state will remain queued, and the task won't run.",
        af3
          ? [A.dagId, A.runId, A.conf, A.logicalDate, A.verbose, A.replaceMicro, A.output]
          : [A.dagId, A.subdir, A.runId, A.conf, A.execDate, A.verbose, A.replaceMicro, A.output],
        false,
      );
    case 'dags state':
      return mk(
        'Get the status of a dag run',
        af3 ? [A.dagId, A.logicalDateOrRunId, A.verbose] : [A.dagId, A.executionDate, A.subdir, A.verbose],
        false,
      );
    case 'dags pause':
    case 'dags unpause':
      return mk(
        cmd === 'pause'
          ? 'Pause one or more DAGs. This command allows to halt the execution of specified DAGs, disabling further task scheduling. Use `--treat-dag-id-as-regex` to target multiple DAGs by treating the `--dag-id` as a regex pattern.'
          : 'Resume one or more DAGs. This command allows to restore the execution of specified DAGs, enabling further task scheduling. Use `--treat-dag-id-as-regex` to target multiple DAGs treating the `--dag-id` as a regex pattern.',
        v.legacyListAndPause
          ? [A.dagId, A.subdir, A.verbose]
          : af3
            ? [A.dagId, A.regex, A.yes, A.output, A.verbose]
            : [A.dagId, A.subdir, A.regex, A.yes, A.output, A.verbose],
        false,
      );
    case 'dags next-execution':
      return mk(
        'Get the next execution datetimes of a DAG. It returns one execution unless the num-executions option is given',
        af3 ? [A.dagId, A.numExecutions, A.verbose] : [A.dagId, A.subdir, A.numExecutions, A.verbose],
        false,
      );
    case 'dags delete':
      return mk('Delete all DB records related to the specified DAG', [A.dagId, A.yes, A.verbose], false);
    case 'tasks list':
      return mk('List the tasks within a DAG', af3 ? [A.dagId, A.bundleName, A.verbose] : [A.dagId, A.subdir, A.tree, A.verbose], true);
    case 'tasks state':
      return mk(
        'Get the status of a task instance',
        af3
          ? [A.dagId, A.taskId, A.logicalDateOrRunId, A.bundleName, A.verbose, A.mapIndex]
          : [A.dagId, A.taskId, A.execDateOrRunId, A.subdir, A.verbose, A.mapIndex],
        true,
      );
    case 'tasks states-for-dag-run':
      return mk(
        'Get the status of all task instances in a dag run',
        [A.dagId, af3 ? A.logicalDateOrRunId : A.execDateOrRunId, A.output, A.verbose],
        true,
      );
    case 'variables list':
      return mk('List variables', [A.output, A.verbose], true);
    case 'variables get':
      return mk('Get variable', [A.key, A.deserializeJson, A.default, A.verbose], true);
    case 'variables set':
      return mk('Set variable', [A.key, A.value, A.description, A.serializeJson, A.verbose], false);
    case 'variables delete':
      return mk('Delete variable', [A.key, A.verbose], false);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------- MWAA allow-list

const V2_ALLOWED = [
  'cheat-sheet',
  'connections add',
  'connections delete',
  'dags backfill',
  'dags delete',
  'dags list',
  'dags list-jobs',
  'dags list-import-errors',
  'dags list-runs',
  'dags next-execution',
  'dags pause',
  'dags report',
  'dags reserialize',
  'dags show',
  'dags state',
  'dags test',
  'dags trigger',
  'dags unpause',
  'db clean',
  'providers behaviours',
  'providers get',
  'providers hooks',
  'providers links',
  'providers list',
  'providers widgets',
  'providers notifications',
  'providers secrets',
  'providers triggerer',
  'roles add-perms',
  'roles del-perms',
  'roles create',
  'roles list',
  'tasks clear',
  'tasks failed-deps',
  'tasks list',
  'tasks render',
  'tasks run',
  'tasks state',
  'tasks states-for-dag-run',
  'tasks test',
  'variables delete',
  'variables get',
  'variables set',
  'variables list',
  'version',
];
const V3_ALLOWED = [
  'assets details',
  'assets list',
  'assets materialize',
  'backfill create',
  'cheat-sheet',
  'connections add',
  'connections delete',
  'dags delete',
  'dags list',
  'dags list-jobs',
  'dags list-import-errors',
  'dags list-runs',
  'dags next-execution',
  'dags pause',
  'dags report',
  'dags reserialize',
  'dags show',
  'dags state',
  'dags test',
  'dags trigger',
  'dags unpause',
  'db clean',
  'providers behaviours',
  'providers get',
  'providers hooks',
  'providers links',
  'providers list',
  'providers notifications',
  'providers secrets',
  'providers triggerer',
  'providers widgets',
  'roles add-perms',
  'roles del-perms',
  'roles create',
  'roles list',
  'tasks clear',
  'tasks failed-deps',
  'tasks list',
  'tasks render',
  'tasks state',
  'tasks states-for-dag-run',
  'tasks test',
  'variables delete',
  'variables get',
  'variables set',
  'variables list',
  'version',
];

/** The command name MWAA checks against its supported list ("dags trigger", "version"), or undefined. */
export function allowedCommand(v: AfVersion, argv: string[]): string | undefined {
  const list = v.af3 ? V3_ALLOWED : V2_ALLOWED;
  if (argv.length >= 2 && list.includes(`${argv[0]} ${argv[1]}`)) return `${argv[0]} ${argv[1]}`;
  if (argv.length >= 1 && list.includes(argv[0])) return argv[0];
  return undefined;
}

// ---------------------------------------------------------------------------------------------- running

class Out {
  stdout = '';
  stderr = '';
  constructor(
    readonly ctx: CliContext,
    /** the command has -o (3.3.1+ routes log records to stderr then) */
    readonly hasOutput: boolean,
    readonly suppressed: boolean,
  ) {}
  print(s: string): void {
    this.stdout += `${s}\n`;
  }
  raw(s: string): void {
    this.stdout += s;
  }
  err(s: string): void {
    this.stderr += `${s}\n`;
  }
  /** a log record through Airflow's console handler (stdout), filtered by the web server log level */
  log(level: 'INFO' | 'WARNING' | 'ERROR', src: string, msg: string): void {
    if (this.suppressed) return;
    const threshold = logTarget(this.ctx.rec, 'WebserverLogs').level;
    const lv = { INFO: 20, WARNING: 30, ERROR: 40 }[level];
    if (lv < threshold) return;
    const line = `[${logTimestamp(this.ctx.store.nowUs())}] {${src}} ${level} - ${msg}\n`;
    if (this.hasOutput && this.ctx.v.logsToStderrWithOutput) this.stderr += line;
    else this.stdout += line;
  }
}

export function runCli(ctx: CliContext, argv: string[]): CliResult {
  const v = ctx.v;
  const group = argv[0] ?? '';
  const isSingle = group === 'version' || group === 'cheat-sheet';
  const cmd = isSingle ? '' : (argv[1] ?? '');
  const rest = argv.slice(isSingle ? 1 : 2);
  const found = specFor(v, group, cmd);
  const preamble = logTarget(ctx.rec, 'TaskLogs').enabled ? '' : 'CloudWatch logging is disabled for TaskLogHandler\n';
  if (!found) {
    const e = new PyException(
      'NotImplementedError',
      `the mwaa local emulator does not implement \`airflow ${argv.slice(0, isSingle ? 1 : 2).join(' ')}\``,
    );
    return { stdout: preamble, stderr: traceback(v, e), exitCode: 1 };
  }
  const parsed = parseArgs(found.spec, rest);
  if (parsed.kind === 'help') return { stdout: preamble + formatHelp(found.spec), stderr: '', exitCode: 0 };
  if (parsed.kind === 'error') {
    return {
      stdout: preamble + formatHelp(found.spec),
      stderr: `\n${parsed.prog} command error: ${parsed.message}, see help above.\n`,
      exitCode: 2,
    };
  }
  if (parsed.extras.length) {
    return {
      stdout: preamble + topHelp(v),
      stderr: `\nairflow command error: unrecognized arguments: ${parsed.extras.join(' ')}, see help above.\n`,
      exitCode: 2,
    };
  }
  const args = parsed.values;
  const out = new Out(ctx, found.spec.args.includes(A.output), found.suppressed && !args.verbose);
  out.raw(preamble);
  try {
    COMMANDS[`${group} ${cmd}`](ctx, args, out);
    return { stdout: out.stdout, stderr: out.stderr, exitCode: 0 };
  } catch (e) {
    if (e instanceof SystemExitMsg) return { stdout: out.stdout, stderr: `${out.stderr}${e.msg}\n`, exitCode: 1 };
    if (e instanceof SysExit) return { stdout: out.stdout, stderr: out.stderr, exitCode: e.code };
    if (e instanceof PyException) return { stdout: out.stdout, stderr: out.stderr + traceback(v, e), exitCode: 1 };
    if (e instanceof MarkupError)
      return { stdout: out.stdout, stderr: out.stderr + traceback(v, new PyException(e.name, e.message)), exitCode: 1 };
    throw e;
  }
}

function topHelp(v: AfVersion): string {
  const groups = v.af3
    ? [
        'assets',
        'backfill',
        'cheat-sheet',
        'config',
        'connections',
        'dag-processor',
        'dags',
        'db',
        'info',
        'jobs',
        'kerberos',
        'plugins',
        'pools',
        'providers',
        'rotate-fernet-key',
        'scheduler',
        'standalone',
        'tasks',
        'triggerer',
        'variables',
        'version',
      ]
    : [
        'cheat-sheet',
        'config',
        'connections',
        'dag-processor',
        'dags',
        'db',
        'info',
        'jobs',
        'kerberos',
        'plugins',
        'pools',
        'providers',
        'roles',
        'rotate-fernet-key',
        'scheduler',
        'standalone',
        'sync-perm',
        'tasks',
        'triggerer',
        'users',
        'variables',
        'version',
        'webserver',
      ];
  return `Usage: airflow [-h] GROUP_OR_COMMAND ...\n\nPositional Arguments:\n  GROUP_OR_COMMAND\n\n${groups.map((g) => `    ${g}`).join('\n')}\n\nOptions:\n  -h, --help         show this help message and exit\n`;
}

// ---------------------------------------------------------------------------------------------- helpers

function bagOf(ctx: CliContext): DagBag {
  const bag = loadDagBag(ctx.world, ctx.rec, ctx.v);
  ctx.store.seeDags(ctx.rec, bag, ctx.v);
  return bag;
}

function envOf(ctx: CliContext): EnvAf {
  return ctx.store.env(ctx.rec);
}

function sortedDags(bag: DagBag): BagDag[] {
  return [...bag.dags.values()].sort((a, b) => (a.dagId < b.dagId ? -1 : a.dagId > b.dagId ? 1 : 0));
}

const CMD_FILE = 'cli/commands/dag_command.py';

function dagNotInTable(dagId: string): SystemExitMsg {
  return new SystemExitMsg(`DAG: ${dagId} does not exist in 'dag' table`);
}

function getDagLocal(ctx: CliContext, out: Out, dagId: string): BagDag {
  out.log('INFO', 'dagbag.py:588', `Filling up the DagBag from ${DAGS_FOLDER}`);
  const bag = bagOf(ctx);
  const dag = bag.dags.get(dagId);
  if (dag) return dag;
  out.log('WARNING', 'cli.py:257', `Dag '${dagId}' not found in path ${DAGS_FOLDER}; trying path ${DAGS_FOLDER}`);
  out.log('INFO', 'dagbag.py:588', `Filling up the DagBag from ${DAGS_FOLDER}`);
  throw new PyException(
    'airflow.exceptions.AirflowException',
    `Dag '${dagId}' could not be found; either it does not exist or it failed to parse.`,
    [['utils/cli.py', 271, 'get_dag', 'raise AirflowException(']],
  );
}

function runsOf(e: EnvAf, dagId: string): RunRec[] {
  return e.runs.filter((r) => r.dagId === dagId);
}

function runDate(r: RunRec): number {
  return r.logicalDate ?? r.runAfter;
}

function findRunByIdOrDate(e: EnvAf, dagId: string, value: string): RunRec | undefined | 'unparseable' {
  const byId = runsOf(e, dagId).find((r) => r.runId === value);
  if (byId) return byId;
  let d: number;
  try {
    d = parseDate(value);
  } catch {
    return 'unparseable';
  }
  const matches = runsOf(e, dagId).filter((r) => r.logicalDate === d);
  return matches[matches.length - 1];
}

function confValue(r: RunRec): Py {
  return r.conf === null ? new PyDict() : jsonLoads(r.conf);
}

// ---------------------------------------------------------------------------------------------- commands

type Cmd = (ctx: CliContext, args: Record<string, unknown>, out: Out) => void;

const DAG_COLUMNS_2 = [
  'dag_id',
  'dag_display_name',
  'root_dag_id',
  'is_paused',
  'is_active',
  'is_subdag',
  'last_parsed_time',
  'last_pickled',
  'last_expired',
  'scheduler_lock',
  'pickle_id',
  'default_view',
  'fileloc',
  'file_token',
  'owners',
  'description',
  'schedule_interval',
  'timetable_description',
  'tags',
  'max_active_tasks',
  'max_active_runs',
  'max_consecutive_failed_dag_runs',
  'has_task_concurrency_limits',
  'has_import_errors',
  'next_dagrun',
  'next_dagrun_data_interval_start',
  'next_dagrun_data_interval_end',
  'next_dagrun_create_after',
];
const DAG_COLUMNS_3 = [
  'dag_id',
  'dag_display_name',
  'is_paused',
  'is_stale',
  'last_parsed_time',
  'last_expired',
  'bundle_name',
  'bundle_version',
  'relative_fileloc',
  'fileloc',
  'description',
  'timetable_summary',
  'timetable_description',
  'tags',
  'max_active_tasks',
  'max_active_runs',
  'max_consecutive_failed_dag_runs',
  'has_task_concurrency_limits',
  'has_import_errors',
  'next_dagrun_logical_date',
  'next_dagrun_data_interval_start',
  'next_dagrun_data_interval_end',
  'next_dagrun_run_after',
  'owners',
  'file_token',
];

function scheduleDetail(d: BagDag, af3: boolean): { interval: Py; summary: Py; description: string } {
  const s = d.schedule;
  if (s.kind === 'default' && !af3) {
    return {
      interval: PyDict.of([
        ['__type', 'TimeDelta'],
        ['days', '1'],
        ['seconds', '0'],
        ['microseconds', '0'],
      ]),
      summary: '1 day, 0:00:00',
      description: '',
    };
  }
  if (s.kind === 'none' || (s.kind === 'default' && af3))
    return { interval: null, summary: null, description: 'Never, external triggers only' };
  if (s.kind === 'once')
    return {
      interval: PyDict.of([
        ['__type', 'CronExpression'],
        ['value', '@once'],
      ]),
      summary: '@once',
      description: 'Once, as soon as possible',
    };
  if (s.kind === 'continuous')
    return {
      interval: PyDict.of([
        ['__type', 'CronExpression'],
        ['value', '@continuous'],
      ]),
      summary: '@continuous',
      description: 'As frequently as possible, but only one run at a time.',
    };
  if (s.kind === 'cron')
    return {
      interval: PyDict.of([
        ['__type', 'CronExpression'],
        ['value', s.expr],
      ]),
      summary: s.expr,
      description: `Cron: ${s.expr}`,
    };
  if (s.kind === 'delta') {
    const days = Math.floor(s.us / 86_400_000_000);
    const secs = Math.floor((s.us % 86_400_000_000) / 1e6);
    return {
      interval: PyDict.of([
        ['__type', 'TimeDelta'],
        ['days', String(days)],
        ['seconds', String(secs)],
        ['microseconds', String(s.us % 1e6)],
      ]),
      summary: `${days} day${days === 1 ? '' : 's'}, ${Math.floor(secs / 3600)}:${String(Math.floor((secs % 3600) / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`,
      description: '',
    };
  }
  if (s.kind === 'dataset')
    return { interval: null, summary: af3 ? 'Asset' : 'Dataset', description: af3 ? 'Triggered by assets' : 'Triggered by datasets' };
  return { interval: null, summary: null, description: '' };
}

function dagDetail(ctx: CliContext, e: EnvAf, d: BagDag, now: number): Map<string, Py> {
  const af3 = ctx.v.af3;
  const sched = scheduleDetail(d, af3);
  const m = new Map<string, Py>();
  const paused = ctx.store.isPaused(e, d.dagId, now);
  const parsedAt = isoformat(e.dags[d.dagId]?.firstSeen ?? now);
  m.set('dag_id', d.dagId);
  m.set('dag_display_name', d.displayName ?? d.dagId);
  m.set('root_dag_id', null);
  m.set('is_paused', paused);
  m.set('is_active', true);
  m.set('is_stale', false);
  m.set('is_subdag', false);
  m.set('last_parsed_time', parsedAt);
  m.set('last_pickled', null);
  m.set('last_expired', null);
  m.set('scheduler_lock', null);
  m.set('pickle_id', null);
  m.set('default_view', 'grid');
  m.set('bundle_name', 'dags-folder');
  m.set('bundle_version', null);
  m.set('relative_fileloc', d.relPath);
  m.set('fileloc', d.fileloc);
  m.set('file_token', Buffer.from(d.fileloc).toString('base64url'));
  m.set('owners', d.owner.split(','));
  m.set('description', d.description);
  m.set('schedule_interval', sched.interval);
  m.set('timetable_summary', sched.summary);
  m.set('timetable_description', sched.description);
  m.set(
    'tags',
    d.tags.map((t) =>
      af3
        ? PyDict.of([
            ['name', t],
            ['dag_id', d.dagId],
          ])
        : PyDict.of([['name', t]]),
    ),
  );
  m.set('max_active_tasks', String(d.maxActiveTasks ?? 16));
  m.set('max_active_runs', String(d.maxActiveRuns ?? 16));
  m.set('max_consecutive_failed_dag_runs', '0');
  m.set('has_task_concurrency_limits', false);
  m.set('has_import_errors', false);
  for (const k of [
    'next_dagrun',
    'next_dagrun_data_interval_start',
    'next_dagrun_data_interval_end',
    'next_dagrun_create_after',
    'next_dagrun_logical_date',
    'next_dagrun_run_after',
  ])
    m.set(k, null);
  return m;
}

const dagsList: Cmd = (ctx, args, out) => {
  const v = ctx.v;
  const valid = v.af3 ? DAG_COLUMNS_3 : DAG_COLUMNS_2;
  const cols =
    (args.columns as string[] | null) ??
    (v.af3 ? ['dag_id', 'fileloc', 'owners', 'is_paused', 'bundle_name', 'bundle_version'] : ['dag_id', 'fileloc', 'owners', 'is_paused']);
  if (!v.legacyListAndPause) {
    const invalid = cols.filter((c) => !valid.includes(c));
    if (invalid.length) {
      out.err(
        `Error: Ignoring the following invalid columns: [${invalid.map((c) => `'${c}'`).join(', ')}].  List of valid columns: [${valid.map((c) => `'${c}'`).join(', ')}]`,
      );
    }
  }
  if (args.verbose) out.log('INFO', 'dagbag.py:588', `Filling up the DagBag from ${DAGS_FOLDER}`);
  const bag = bagOf(ctx);
  const e = envOf(ctx);
  if (bag.errors.length) out.err('Error: Failed to load all files. For details, run `airflow dags list-import-errors`');
  const now = ctx.store.nowUs();
  let rows: Row[];
  if (v.legacyListAndPause) {
    rows = sortedDags(bag).map((d) => [
      ['dag_id', d.dagId],
      ['filepath', d.relPath],
      ['owner', d.owner],
      ['paused', ctx.store.isPaused(e, d.dagId, now)],
    ]);
  } else {
    const use = cols.filter((c) => valid.includes(c));
    rows = sortedDags(bag).map((d) => {
      const det = dagDetail(ctx, e, d, now);
      return use.map((c) => [c, det.get(c) ?? null] as [string, Py]);
    });
  }
  out.raw(printAs(rows, args.output as OutputFormat));
};

const dagsListImportErrors: Cmd = (ctx, args, out) => {
  if (args.verbose) out.log('INFO', 'dagbag.py:588', `Filling up the DagBag from ${DAGS_FOLDER}`);
  const bag = bagOf(ctx);
  let rows: Row[];
  if (ctx.v.af3 && !args.local)
    rows = bag.errors.map((x) => [
      ['bundle_name', 'dags-folder'],
      ['filepath', x.relPath],
      ['error', x.error],
    ]);
  else if (ctx.v.af3 && args.bundle_name)
    rows = bag.errors.map((x) => [
      ['bundle_name', 'dags-folder'],
      ['filepath', x.fileloc],
      ['error', x.error],
    ]);
  else
    rows = bag.errors.map((x) => [
      ['filepath', x.fileloc],
      ['error', x.error],
    ]);
  out.raw(printAs(rows, args.output as OutputFormat));
  if (rows.length) throw new SysExit(1);
};

const dagsListRuns: Cmd = (ctx, args, out) => {
  const dagId = String(args.dag_id);
  bagOf(ctx);
  const e = envOf(ctx);
  if (!e.dags[dagId]) throw dagNotInTable(dagId);
  const now = ctx.store.nowUs();
  const state = args.state as string | null;
  const start = args.start_date as number | null;
  const end = args.end_date as number | null;
  let runs = runsOf(e, dagId).map((r) => ({ r, tl: ctx.store.timeline(ctx.rec.Name, e, r) }));
  runs = runs.filter(({ r, tl }) => {
    if (state && runStateAt(tl, now) !== state) return false;
    const d = runDate(r);
    if (start !== null && d < start) return false;
    if (end !== null && d > end) return false;
    return true;
  });
  runs.sort((a, b) => (ctx.v.af3 ? b.r.runAfter - a.r.runAfter : runDate(b.r) - runDate(a.r)));
  const rows: Row[] = runs.map(({ r, tl }) => {
    const st = runStateAt(tl, now);
    const startDate = st === 'queued' ? '' : isoformat(tl.start);
    const endDate = st === 'success' || st === 'failed' ? isoformat(tl.end) : '';
    if (ctx.v.af3) {
      return [
        ['dag_id', r.dagId],
        ['run_id', r.runId],
        ['state', st],
        ['run_after', isoformat(r.runAfter)],
        ['logical_date', r.logicalDate === null ? '' : isoformat(r.logicalDate)],
        ['start_date', startDate],
        ['end_date', endDate],
      ];
    }
    return [
      ['dag_id', r.dagId],
      ['run_id', r.runId],
      ['state', st],
      ['execution_date', isoformat(runDate(r))],
      ['start_date', startDate],
      ['end_date', endDate],
    ];
  });
  out.raw(printAs(rows, args.output as OutputFormat));
};

const RUN_ID_PATTERN = '^[A-Za-z0-9_.~:+-]+$';

/** The run id Airflow generates for a manual run (3.0 adds a random suffix when there is no logical date). */
export function manualRunId(v: AfVersion, logical: number | null, now: number): string {
  if (!v.af3) return `manual__${isoformat(logical ?? now)}`;
  if (logical !== null) return `manual__${isoformat(logical)}`;
  let runId = `manual__${isoformat(now)}`;
  if (v.runIdSuffix) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let suffix = '';
    for (let i = 0; i < 8; i++) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
    runId += `_${suffix}`;
  }
  return runId;
}

/** Airflow's message for a run id that matches neither the configured nor the built-in pattern (else undefined). */
export function runIdError(v: AfVersion, runId: string): string | undefined {
  const builtin = v.af3
    ? /^(?:manual|scheduled|asset_triggered)__(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00)$/
    : /^(?:manual|scheduled|dataset_triggered)__(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00)$/;
  if (builtin.test(runId) || new RegExp(RUN_ID_PATTERN).test(runId)) return undefined;
  return `The provided run ID '${runId}' is invalid. It does not match either the configured pattern: '${RUN_ID_PATTERN}' or the built-in pattern: '${builtin.source.replace(/\\\+/g, '\\+')}'`;
}

/**
 * Stores a manual run of `dag` (with the snapshot of its tasks the simulation runs from): the one path
 * by which both `dags trigger` and the REST API's POST .../dagRuns start a run. `conf` is the conf as
 * stored (a dict). The caller has checked the run id and that no run conflicts.
 */
export function addManualRun(
  ctx: CliContext,
  dag: BagDag,
  spec: { runId: string; logical: number | null; runAfter: number; conf: Py; triggeredBy: 'cli' | 'rest_api'; note?: string | null },
): RunRec {
  const v = ctx.v;
  const interval = spec.logical === null ? null : manualDataInterval(dag.schedule, spec.logical, v.af3);
  const run: RunRec = {
    seq: ctx.store.nextSeq(),
    dagId: dag.dagId,
    runId: spec.runId,
    conf: jsonDumps(spec.conf),
    logicalDate: spec.logical,
    runAfter: spec.runAfter,
    dataInterval: interval,
    runType: 'manual',
    taskSeconds: ctx.world.sim.taskSeconds,
    tasks: snapshotTasks(dag, ctx.rec),
    fileloc: dag.fileloc,
    relPath: dag.relPath,
    fail: {},
    logs: {},
    sched: 0,
    version: v.raw,
    ...(v.triggeringUser ? { triggeringUser: 'airflow' } : {}),
    ...(spec.triggeredBy === 'rest_api' ? { triggeredBy: 'rest_api' as const } : {}),
    ...(spec.note ? { note: spec.note } : {}),
    ...(dag.maxActiveRuns !== null ? { maxActiveRuns: dag.maxActiveRuns } : {}),
  };
  ctx.store.addRun(ctx.rec, run);
  return run;
}

function pyFalsy(v: Py): boolean {
  if (v === null || v === false || v === '') return true;
  if (v instanceof PyInt) return v.v === 0n;
  if (v instanceof PyFloat) return v.v === 0;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof PyDict) return v.m.size === 0;
  return false;
}

function checkConf(conf: Py): void {
  if (conf instanceof PyDict || pyFalsy(conf)) return;
  const frames: Array<[string, number, string, string]> = [['models/param.py', 296, 'update', 'super().update(*args, **kwargs)']];
  const unpack = (el: Py): void => {
    let n: number | undefined;
    if (Array.isArray(el)) n = el.length;
    else if (typeof el === 'string') n = Array.from(el).length;
    else if (el instanceof PyDict) n = el.m.size;
    if (n === undefined) throw new PyException('TypeError', `cannot unpack non-iterable ${pyTypeName(el)} object`, frames);
    if (n < 2) throw new PyException('ValueError', `not enough values to unpack (expected 2, got ${n})`, frames);
    if (n > 2) throw new PyException('ValueError', 'too many values to unpack (expected 2)', frames);
  };
  if (Array.isArray(conf)) conf.forEach(unpack);
  else if (typeof conf === 'string') Array.from(conf).forEach(unpack);
  else throw new PyException('TypeError', `'${pyTypeName(conf)}' object is not iterable`, frames);
}

const dagsTrigger: Cmd = (ctx, args, out) => {
  const v = ctx.v;
  const dagId = String(args.dag_id);
  if (!v.af3) out.log('INFO', '__init__.py:40', 'Loaded API auth backend: airflow.api.auth.backend.session');
  const bag = bagOf(ctx);
  const e = envOf(ctx);
  const triggerFrames: Array<[string, number, string, string]> = [
    [CMD_FILE, v.af3 ? 281 : 166, 'dag_trigger', 'message = api_client.trigger_dag('],
    ['api/client/local_client.py', 40, 'trigger_dag', 'dag_run = trigger_dag.trigger_dag('],
    ['api/common/trigger_dag.py', 127, 'trigger_dag', 'raise DagNotFound(f"Dag id {dag_id} not found in DagModel")'],
  ];
  if (!e.dags[dagId]) throw new PyException('airflow.exceptions.DagNotFound', `Dag id ${dagId} not found in DagModel`, triggerFrames);
  const dag = bag.dags.get(dagId);
  if (!dag)
    throw new PyException('airflow.exceptions.DagNotFound', `Dag id ${dagId} not found`, [
      ...triggerFrames.slice(0, 2),
      ['api/common/trigger_dag.py', 64, '_trigger_dag', 'raise DagNotFound(f"Dag id {dag_id} not found")'],
    ]);
  const now = ctx.store.nowUs();
  const replace = args.replace_microseconds !== false;
  const given = (v.af3 ? args.logical_date : args.exec_date) as number | null;
  let logical: number | null = v.af3 ? given : (given ?? now);
  if (logical !== null && replace) logical = Math.floor(logical / 1e6) * 1e6;
  if (!v.af3 && logical !== null && dag.defaultStartDate !== undefined && logical < dag.defaultStartDate) {
    throw new PyException(
      'ValueError',
      `The execution_date [${isoformat(logical)}] should be >= start_date [${isoformat(dag.defaultStartDate)}] from DAG's default_args`,
      [...triggerFrames.slice(0, 2), ['api/common/trigger_dag.py', 73, '_trigger_dag', 'raise ValueError(']],
    );
  }
  const runAfter = now; // queued_at: the scheduler sees the run from now on
  let runId = (args.run_id as string | null) || '';
  if (!runId) runId = manualRunId(v, logical, now);
  const existing = runsOf(e, dagId).find((r) => r.runId === runId || (!v.af3 && r.logicalDate === logical));
  if (existing) {
    throw new PyException(
      'airflow.exceptions.DagRunAlreadyExists',
      v.af3
        ? `A DAG Run already exists for DAG ${dagId} with run id ${runId}`
        : `A DAG Run already exists for DAG ${dagId} at ${strDatetime(logical as number)} with run id ${runId}`,
      [...triggerFrames.slice(0, 2), ['api/common/trigger_dag.py', 83, '_trigger_dag', 'raise DagRunAlreadyExists(']],
    );
  }
  let conf: Py = null;
  const confText = args.conf as string | null;
  if (confText) {
    try {
      conf = jsonLoads(confText);
    } catch (err) {
      if (err instanceof JSONDecodeError) {
        throw new PyException('json.decoder.JSONDecodeError', err.message, [
          ...triggerFrames.slice(0, 2),
          ['api/common/trigger_dag.py', 92, '_trigger_dag', 'run_conf = conf if isinstance(conf, dict) else json.loads(conf)'],
          [`/usr/lib/python${v.python}/json/__init__.py`, 346, 'loads', 'return _default_decoder.decode(s)'],
          [`/usr/lib/python${v.python}/json/decoder.py`, 337, 'decode', 'obj, end = self.raw_decode(s, idx=_w(s, 0).end())'],
          [
            `/usr/lib/python${v.python}/json/decoder.py`,
            355,
            'raw_decode',
            'raise JSONDecodeError("Expecting value", s, err.value) from None',
          ],
        ]);
      }
      throw err;
    }
  }
  checkConf(conf);
  const invalidRunId = runIdError(v, runId);
  if (invalidRunId) {
    throw new PyException('airflow.exceptions.AirflowException', invalidRunId, [
      ...triggerFrames.slice(0, 2),
      ['models/dag.py', 3059, 'create_dagrun', 'raise AirflowException('],
    ]);
  }
  const storedConf: Py = pyFalsy(conf) ? new PyDict() : conf;
  const run = addManualRun(ctx, dag, { runId, logical, runAfter, conf: storedConf, triggeredBy: 'cli' });
  const interval = run.dataInterval;
  const row: Row = [
    ['conf', storedConf],
    ['dag_id', dagId],
    ['dag_run_id', runId],
    ['data_interval_start', interval ? strDatetime(interval[0]) : null],
    ['data_interval_end', interval ? strDatetime(interval[1]) : null],
    ['end_date', null],
    ...(v.af3 ? [] : ([['external_trigger', true]] as Row)),
    ['last_scheduling_decision', null],
    ['logical_date', logical === null ? null : strDatetime(logical)],
    ['run_type', 'manual'],
    ['start_date', null],
    ['state', 'queued'],
    ...(v.triggeringUser ? ([['triggering_user_name', 'airflow']] as Row) : []),
  ];
  out.raw(printAs([row], args.output as OutputFormat));
};

const dagsState: Cmd = (ctx, args, out) => {
  const dagId = String(args.dag_id);
  bagOf(ctx);
  const e = envOf(ctx);
  if (!e.dags[dagId]) throw dagNotInTable(dagId);
  let run: RunRec | undefined;
  if (ctx.v.af3) {
    const r = findRunByIdOrDate(e, dagId, String(args.logical_date_or_run_id));
    run = r === 'unparseable' ? undefined : r;
  } else {
    const d = args.execution_date as number;
    const matches = runsOf(e, dagId).filter((r) => r.logicalDate === d);
    run = matches[0];
  }
  if (!run) {
    out.print('None');
    return;
  }
  const st = runStateAt(ctx.store.timeline(ctx.rec.Name, e, run), ctx.store.nowUs());
  const conf = confValue(run);
  const confOut = conf instanceof PyDict && conf.m.size === 0 ? '' : `, ${jsonDumps(conf)}`;
  out.print(`${st}${confOut}`);
};

function pauseCmd(pause: boolean): Cmd {
  return (ctx, args, out) => {
    const v = ctx.v;
    const dagId = String(args.dag_id);
    bagOf(ctx);
    const e = envOf(ctx);
    const now = ctx.store.nowUs();
    if (v.legacyListAndPause) {
      if (!e.dags[dagId]) throw dagNotInTable(dagId);
      ctx.store.setPaused(ctx.rec, dagId, pause);
      out.print(`Dag: ${dagId}, paused: ${pause ? 'True' : 'False'}`);
      return;
    }
    let matched: string[];
    if (args.treat_dag_id_as_regex) {
      let re: RegExp;
      try {
        re = new RegExp(dagId);
      } catch (err) {
        throw new PyException('re.error', (err as Error).message);
      }
      matched = Object.keys(e.dags).filter((id) => re.test(id));
    } else matched = e.dags[dagId] ? [dagId] : [];
    matched = matched.filter((id) => ctx.store.isPaused(e, id, now) !== pause);
    if (!matched.length) {
      out.print(`No ${pause ? 'un' : ''}paused DAGs were found`);
      return;
    }
    if (!args.yes && args.treat_dag_id_as_regex) {
      out.print(`You are about to ${pause ? '' : 'un'}pause ${matched.length} DAGs:\n${matched.join('\n')}\n\nAre you sure? [y/n]`);
      throw new PyException('EOFError', 'EOF when reading a line', [
        [CMD_FILE, 244, 'set_is_paused', 'should_apply = ask_yesno(question)'],
        ['utils/helpers.py', 137, 'ask_yesno', 'choice = input().lower()'],
      ]);
    }
    for (const id of matched) ctx.store.setPaused(ctx.rec, id, pause);
    out.raw(
      printAs(
        matched.map((id) => [
          ['dag_id', id],
          ['is_paused', v.pausePrintsOld ? !pause : pause],
        ]),
        args.output as OutputFormat,
      ),
    );
  };
}

const dagsNextExecution: Cmd = (ctx, args, out) => {
  const v = ctx.v;
  const dagId = String(args.dag_id);
  let dag: BagDag;
  if (v.af3) {
    const bag = bagOf(ctx);
    const d = bag.dags.get(dagId);
    if (!d) {
      if (v.af32) throw new SystemExitMsg(`DAG: ${dagId} does not exist in the database`);
      throw new PyException('airflow.exceptions.AirflowException', `Dag '${dagId}' could not be found in DagBag read from database.`, [
        ['utils/cli.py', 248, 'get_dag', 'raise AirflowException('],
      ]);
    }
    dag = d;
  } else dag = getDagLocal(ctx, out, dagId);
  const e = envOf(ctx);
  const now = ctx.store.nowUs();
  if (ctx.store.isPaused(e, dagId, now)) out.err('[INFO] Please be reminded this DAG is PAUSED now.');
  const catchup = dag.catchup ?? configBool(ctx.rec, 'scheduler.catchup_by_default', !v.af3);
  const n = Number(args.num_executions ?? 1);
  for (const start of nextExecutions(dag.schedule, v.af3, now, dag.startDate, catchup, n)) {
    if (start === null) {
      out.err("[WARN] No following schedule can be found. This DAG may have schedule interval '@once' or `None`.");
      out.print('None');
      break;
    }
    out.print(isoformat(start));
  }
};

const dagsDelete: Cmd = (ctx, args, out) => {
  const dagId = String(args.dag_id);
  if (!args.yes) {
    out.raw('This will drop all existing records related to the specified DAG. Proceed? (y/n)');
    throw new PyException('EOFError', 'EOF when reading a line', [
      [CMD_FILE, 220, 'dag_delete', 'or input("This will drop all existing records related to the specified DAG. Proceed? (y/n)").upper()'],
    ]);
  }
  if (!ctx.v.af3) out.log('INFO', '__init__.py:40', 'Loaded API auth backend: airflow.api.auth.backend.session');
  const e = envOf(ctx);
  if (!e.dags[dagId]) {
    throw new PyException('airflow.exceptions.DagNotFound', `Dag id ${dagId} not found`, [
      [CMD_FILE, 222, 'dag_delete', 'message = api_client.delete_dag(dag_id=args.dag_id)'],
      ['api/common/delete_dag.py', 60, 'delete_dag', 'raise DagNotFound(f"Dag id {dag_id} not found")'],
    ]);
  }
  const runs = runsOf(e, dagId);
  const count = 1 + runs.length + runs.reduce((n, r) => n + r.tasks.length, 0);
  ctx.store.deleteDag(ctx.rec, dagId);
  out.log('INFO', 'delete_dag.py:63', `Deleting DAG: ${dagId}`);
  out.print(`Removed ${count} record(s)`);
};

const tasksList: Cmd = (ctx, args, out) => {
  const dag = getDagLocal(ctx, out, String(args.dag_id));
  const ids = [...dag.tasks.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  out.print(ids.join('\n'));
};

function taskInstanceFor(
  ctx: CliContext,
  out: Out,
  args: Record<string, unknown>,
): { run: RunRec; taskId: string; e: EnvAf; mapIndex: number } {
  const v = ctx.v;
  const dagId = String(args.dag_id);
  const taskId = String(args.task_id);
  const value = String(v.af3 ? args.logical_date_or_run_id : args.execution_date_or_run_id);
  const dag = getDagLocal(ctx, out, dagId);
  if (!dag.tasks.has(taskId))
    throw new PyException('airflow.exceptions.TaskNotFound', `Task ${taskId} not found`, [
      ['models/dag.py', 2500, 'get_task', 'raise TaskNotFound(f"Task {task_id} not found")'],
    ]);
  const e = envOf(ctx);
  const r = findRunByIdOrDate(e, dagId, value);
  const dateWord = v.af3 ? 'logical_date' : 'execution_date';
  if (!r || r === 'unparseable') {
    throw new PyException(
      'airflow.exceptions.DagRunNotFound',
      `DagRun for ${dagId} with run_id or ${dateWord} of ${pyStrRepr(value)} not found`,
      [['cli/commands/task_command.py', 146, '_get_dag_run', 'raise DagRunNotFound(']],
    );
  }
  const mapIndex = Number(args.map_index ?? -1);
  const snap = r.tasks.find((t) => t.id === taskId);
  const mapped = snap?.mapLength !== undefined;
  if (!snap || (mapped ? mapIndex < 0 || mapIndex >= snap.mapLength! : mapIndex !== -1)) {
    throw new PyException(
      'airflow.exceptions.TaskInstanceNotFound',
      `TaskInstance for ${dagId}, ${taskId}, map=${mapIndex} with run_id or ${dateWord} of ${pyStrRepr(value)} not found`,
      [['cli/commands/task_command.py', 205, '_get_ti', 'raise TaskInstanceNotFound(']],
    );
  }
  return { run: r, taskId, e, mapIndex };
}

function pyStrRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const tasksState: Cmd = (ctx, args, out) => {
  const { run, taskId, e, mapIndex } = taskInstanceFor(ctx, out, args);
  const tl = ctx.store.timeline(ctx.rec.Name, e, run);
  const ti = mapIndex >= 0 ? tl.maps.get(taskId)?.[mapIndex] : tl.tis.get(taskId);
  const st = tiStateAt(ti, ctx.store.nowUs());
  out.print(st === null ? 'None' : st);
};

const tasksStatesForDagRun: Cmd = (ctx, args, out) => {
  const v = ctx.v;
  const dagId = String(args.dag_id);
  const value = String(v.af3 ? args.logical_date_or_run_id : args.execution_date_or_run_id);
  const e = envOf(ctx);
  let run = runsOf(e, dagId).find((r) => r.runId === value);
  if (!run) {
    let d: number;
    try {
      d = parseDate(value);
    } catch (err) {
      const msg = err instanceof DateParseError ? err.message : String(err);
      throw new PyException(
        'airflow.exceptions.AirflowException',
        `Error parsing the supplied ${v.af3 ? 'logical_date' : 'execution_date'}. Error: ${msg}`,
        [['cli/commands/task_command.py', 573, 'task_states_for_dag_run', 'raise AirflowException(']],
      );
    }
    run = runsOf(e, dagId).find((r) => r.logicalDate === d);
  }
  if (!run) {
    throw new PyException(
      'airflow.exceptions.DagRunNotFound',
      `DagRun for ${dagId} with run_id or ${v.af3 ? 'logical_date' : 'execution_date'} of ${pyStrRepr(value)} not found`,
      [['cli/commands/task_command.py', 576, 'task_states_for_dag_run', 'raise DagRunNotFound(']],
    );
  }
  const tl = ctx.store.timeline(ctx.rec.Name, e, run);
  const now = ctx.store.nowUs();
  const r = run;
  const hasMapped = r.tasks.some((t) => t.mapLength !== undefined);
  const rows: Row[] = ctx.store.instances(tl, r).map(({ task: t, ti }) => {
    const st = tiStateAt(ti, now);
    const started = ti && st !== null && st !== 'queued';
    const startDate = started ? isoformat(ti.start) : '';
    const endDate = ti && (st === 'success' || st === 'failed' || st === 'upstream_failed' || st === 'skipped') ? isoformat(ti.end) : '';
    const stateVal: Py = st === null ? (v.af32 ? '' : null) : st;
    return [
      ['dag_id', r.dagId],
      v.af3 ? ['logical_date', r.logicalDate === null ? '' : isoformat(r.logicalDate)] : ['execution_date', isoformat(runDate(r))],
      ['task_id', t.id],
      ['state', stateVal],
      ['start_date', startDate],
      ['end_date', endDate],
      ...(hasMapped ? ([['map_index', ti.mapIndex >= 0 ? String(ti.mapIndex) : '']] as Row) : []),
    ];
  });
  out.raw(printAs(rows, args.output as OutputFormat));
};

const variablesList: Cmd = (ctx, args, out) => {
  const e = envOf(ctx);
  out.raw(
    printAs(
      e.vars.map((x) => [['key', x.key]]),
      args.output as OutputFormat,
    ),
  );
};

const variablesGet: Cmd = (ctx, args, out) => {
  const e = envOf(ctx);
  const key = String(args.key);
  const found = e.vars.find((x) => x.key === key);
  if (!found) {
    if (args.default !== null && args.default !== undefined) {
      out.print(String(args.default));
      return;
    }
    throw new SystemExitMsg(`Variable ${key} does not exist${ctx.v.af32 ? '.' : ''}`);
  }
  if (!args.json) {
    out.print(found.val);
    return;
  }
  try {
    out.print(pyStr(jsonLoads(found.val)));
  } catch (err) {
    if (err instanceof JSONDecodeError) throw new SystemExitMsg(err.message);
    throw err;
  }
};

const variablesSet: Cmd = (ctx, args, out) => {
  const key = String(args.key);
  const value = String(args.value);
  envOf(ctx);
  const stored = args.json ? jsonDumps(value) : value;
  ctx.store.setVariable(ctx.rec, key, stored, (args.description as string | null) ?? null);
  out.print(`Variable ${key} created`);
};

const variablesDelete: Cmd = (ctx, args, out) => {
  envOf(ctx);
  const key = String(args.key);
  if (ctx.store.envState(ctx.rec.Name)?.vars.some((x) => x.key === key)) ctx.store.deleteVariable(ctx.rec, key);
  out.print(`Variable ${key} deleted`);
};

const COMMANDS: Record<string, Cmd> = {
  'version ': (ctx, _args, out) => out.print(ctx.v.raw),
  'dags list': dagsList,
  'dags list-import-errors': dagsListImportErrors,
  'dags list-runs': dagsListRuns,
  'dags trigger': dagsTrigger,
  'dags state': dagsState,
  'dags pause': pauseCmd(true),
  'dags unpause': pauseCmd(false),
  'dags next-execution': dagsNextExecution,
  'dags delete': dagsDelete,
  'tasks list': tasksList,
  'tasks state': tasksState,
  'tasks states-for-dag-run': tasksStatesForDagRun,
  'variables list': variablesList,
  'variables get': variablesGet,
  'variables set': variablesSet,
  'variables delete': variablesDelete,
};
