/**
 * The log lines of a simulated task attempt, as MWAA ships them to CloudWatch Logs:
 * Airflow 2.x plain text records `[2024-11-05T10:00:02.123+0000] {file.py:N} LEVEL - message` (a
 * traceback is part of its record, i.e. one multi-line event), Airflow 3.x structlog JSON events.
 * Plus the scheduler and DAG-processing lines the emulator writes when those log types are enabled.
 */
import { compactDate, isoformat, logTimestamp, strDatetime, structlogTimestamp } from './dates.js';
import { jsonDumps, PyDict, toPy } from './py.js';
import type { Attempt, Poke, RunTask } from './timeline.js';
import { sitePackages, type AfVersion } from './versions.js';

export interface LogLine {
  /** µs */
  ts: number;
  level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
  message: string;
}

export const LEVELS: Record<string, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

export function streamName(dagId: string, runId: string, taskId: string, attempt = 1, mapIndex = -1): string {
  return `dag_id=${dagId}/run_id=${runId}/task_id=${taskId}/${mapIndex >= 0 ? `map_index=${mapIndex}/` : ''}attempt=${attempt}.log`.replace(
    /:/g,
    '_',
  );
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function hostName(envName: string, component: string): string {
  const h = hash(`${envName}/${component}`);
  return `ip-10-0-${(h >> 8) & 0xff}-${1 + (h % 254)}.ec2.internal`;
}

export interface TaskLogInput {
  v: AfVersion;
  envName: string;
  dagId: string;
  runId: string;
  /** logical date (or run_after when there is none) */
  date: number;
  fileRelPath: string;
  task: RunTask;
  /** the try whose log this is */
  attempt: Attempt;
  maxTries: number;
  /** -1: not mapped */
  mapIndex: number;
  failMessage?: string;
}

/** One execution of a try on a worker: the whole try, or one poke of a sensor in reschedule mode. */
interface Execution {
  start: number;
  end: number;
  /** how this execution ends */
  outcome: 'success' | 'failed' | 'up_for_retry' | 'up_for_reschedule' | 'skipped';
  pokes: Poke[];
}

function executionsOf(a: Attempt): Execution[] {
  const done = (o: Attempt['outcome']): Execution['outcome'] => o;
  if (a.reschedule && a.pokes?.length) {
    return a.pokes.map((p, i) => ({
      start: i === 0 ? a.start : p.at,
      end: p.end,
      outcome: p.result === 'wait' ? 'up_for_reschedule' : done(a.outcome),
      pokes: [p],
    }));
  }
  return [{ start: a.start, end: a.end, outcome: done(a.outcome), pokes: a.pokes ?? [] }];
}

/** A sensor's (or a waiting trigger's) execution starts with a fixed 250 ms preamble, so its first lines do not move when its end does. */
const POKING_PREAMBLE = 250_000;

/**
 * When an execution's lines fall: `at(frac)` from its start over `span`, `fin(frac)` before its end (the
 * closing lines); `open` when its end is not known yet (a trigger waiting for a run that is not there, a
 * sensor of a paused DAG): then only the lines up to now-known pokes are produced.
 */
function timing(ex: Execution): { open: boolean; span: number; fin: (frac: number) => number } {
  const open = !Number.isFinite(ex.end);
  const poking = open || ex.pokes.length > 0;
  const span = poking ? POKING_PREAMBLE : Math.max(1, ex.end - ex.start);
  const fin = (frac: number): number => (poking ? ex.end - Math.floor(span * (1 - frac)) : ex.start + Math.floor(span * frac));
  return { open, span, fin };
}

/** What the sensor logs at each poke, and the exception a failed try ends with. */
function pokeMessage(x: TaskLogInput): string {
  const s = x.task.sensor;
  const date = isoformat(x.date - (s?.executionDeltaUs ?? 0));
  if (x.task.triggerDagId !== undefined) return `Waiting for ${x.task.triggerDagId} on ${date} to become allowed state ['success'] ...`;
  if (s?.externalTaskId) return `Poking for tasks ['${s.externalTaskId}'] in dag ${s.externalDagId} on ${date} ... `;
  return `Poking for DAG '${s?.externalDagId}' on ${date} ... `;
}

function failure(x: TaskLogInput): { type: string; message: string } {
  const s = x.task.sensor;
  const what = s?.externalTaskId ? `tasks ['${s.externalTaskId}']` : `DAG`;
  switch (x.attempt.reason) {
    case 'timeout': {
      const elapsed = (x.attempt.end - x.attempt.queued) / 1e6;
      return {
        type: 'airflow.exceptions.AirflowSensorTimeout',
        message: `Sensor has timed out; run duration of ${elapsed} seconds exceeds the specified timeout of ${(s?.timeoutUs ?? 604_800_000_000) / 1e6}.`,
      };
    }
    case 'failed_states':
      return { type: 'airflow.exceptions.AirflowException', message: `The external ${what} in DAG ${s?.externalDagId} failed.` };
    case 'triggered_failed':
      return { type: 'airflow.exceptions.AirflowException', message: `${x.task.triggerDagId} failed with failed states ['failed']` };
    default:
      return { type: 'airflow.exceptions.AirflowException', message: x.failMessage ?? 'Task failed' };
  }
}

function pyList(xs: string[]): string {
  return `[${xs.map((x) => `'${x}'`).join(', ')}]`;
}

/** Airflow 2.x text lines. */
function textLines(x: TaskLogInput): LogLine[] {
  return executionsOf(x.attempt).flatMap((ex) => textExecution(x, ex));
}

function textExecution(x: TaskLogInput, ex: Execution): LogLine[] {
  const { task, dagId, runId } = x;
  const ti = ex;
  const sp = sitePackages(x.v);
  const jobId = 1 + (hash(`${runId}/${task.id}`) % 90000);
  const pid = 100 + (hash(`${task.id}/${runId}`) % 30000);
  const host = hostName(x.envName, 'worker');
  const s = ti.start;
  const { open, span, fin } = timing(ex);
  const at = (frac: number): number => s + Math.floor(span * frac);
  const tiRepr = (state: string): string =>
    `<TaskInstance: ${dagId}.${task.id} ${runId}${x.mapIndex >= 0 ? ` map_index=${x.mapIndex}` : ''} [${state}]>`;
  const lines: LogLine[] = [];
  const L = (ts: number, src: string, level: LogLine['level'] | null, msg: string): void => {
    lines.push({ ts, level: level ?? 'INFO', message: `[${logTimestamp(ts)}] {${src}} ${level ? `${level} - ` : ''}${msg}` });
  };
  L(at(0), 'local_task_job_runner.py:123', null, '▼ Pre task execution logs');
  L(at(0.01), 'taskinstance.py:2612', 'INFO', `Dependencies all met for dep_context=non-requeueable deps ti=${tiRepr('queued')}`);
  L(at(0.015), 'taskinstance.py:2612', 'INFO', `Dependencies all met for dep_context=requeueable deps ti=${tiRepr('queued')}`);
  L(at(0.02), 'taskinstance.py:2865', 'INFO', `Starting attempt ${x.attempt.n} of ${x.maxTries}`);
  L(at(0.03), 'taskinstance.py:2888', 'INFO', `Executing <Task(${task.op}): ${task.id}> on ${strDatetime(x.date)}`);
  L(at(0.04), 'standard_task_runner.py:72', 'INFO', `Started process ${pid} to run task`);
  L(
    at(0.045),
    'standard_task_runner.py:104',
    'INFO',
    `Running: ${pyList(['airflow', 'tasks', 'run', dagId, task.id, runId, '--job-id', String(jobId), '--raw', '--subdir', `DAGS_FOLDER/${x.fileRelPath}`, '--cfg-path', `/tmp/tmp${(hash(runId + task.id) % 1e8).toString(36)}`])}`,
  );
  L(at(0.05), 'standard_task_runner.py:105', 'INFO', `Job ${jobId}: Subtask ${task.id}`);
  L(at(0.08), 'task_command.py:467', 'INFO', `Running ${tiRepr('running')} on host ${host}`);
  L(
    at(0.1),
    'taskinstance.py:3131',
    'INFO',
    `Exporting env vars: AIRFLOW_CTX_DAG_OWNER='${task.owner}' AIRFLOW_CTX_DAG_ID='${dagId}' AIRFLOW_CTX_TASK_ID='${task.id}' AIRFLOW_CTX_EXECUTION_DATE='${isoformat(x.date)}' AIRFLOW_CTX_TRY_NUMBER='${x.attempt.n}' AIRFLOW_CTX_DAG_RUN_ID='${runId}'`,
  );
  L(at(0.1), 'taskinstance.py:731', null, '▲▲▲ Log group end');
  const failed = ti.outcome === 'failed' || ti.outcome === 'up_for_retry';
  if (ex.pokes.length) {
    ex.pokes.forEach((p, k) => {
      L(
        Math.max(at(0.2), p.at) + k,
        task.triggerDagId !== undefined ? 'trigger_dagrun.py:255' : 'external_task.py:346',
        'INFO',
        pokeMessage(x),
      );
    });
  } else if (task.op === 'BashOperator' || task.op === '_BashDecoratedOperator') {
    L(at(0.2), 'subprocess.py:63', 'INFO', 'Tmp dir root location: /tmp');
    L(
      at(0.21),
      'subprocess.py:75',
      'INFO',
      `Running command: ['/usr/bin/bash', '-c', ${task.bash !== undefined ? `'${task.bash.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'` : "'...'"}]`,
    );
    L(at(0.22), 'subprocess.py:86', 'INFO', 'Output:');
    const echo = task.bash !== undefined ? /^\s*echo\s+(.*)$/.exec(task.bash) : null;
    if (echo) L(at(0.5), 'subprocess.py:93', 'INFO', echo[1].replace(/^(['"])(.*)\1$/, '$2'));
    if (!failed) L(at(0.9), 'subprocess.py:97', 'INFO', 'Command exited with return code 0');
  } else if (task.op !== 'EmptyOperator' && task.op !== 'DummyOperator') {
    let k = 0;
    for (const p of task.prints) L(at(0.3 + 0.5 * (k++ / Math.max(1, task.prints.length))), 'logging_mixin.py:190', 'INFO', p);
    if (!failed && /Python|python|Decorated/.test(task.op)) L(at(0.9), 'python.py:240', 'INFO', 'Done. Returned value was: None');
  }
  if (open) return lines;
  const endDates = `dag_id=${dagId}, task_id=${task.id}, run_id=${runId}, ${x.mapIndex >= 0 ? `map_index=${x.mapIndex}, ` : ''}execution_date=${compactDate(x.date)}, start_date=${compactDate(ti.start)}, end_date=${compactDate(ti.end)}`;
  if (ti.outcome === 'up_for_reschedule') {
    L(fin(0.95), 'taskinstance.py:288', 'INFO', 'Rescheduling task, marking task as UP_FOR_RESCHEDULE');
    L(fin(0.99), 'local_task_job_runner.py:266', 'INFO', 'Task exited with return code 0');
  } else if (ti.outcome === 'skipped') {
    L(fin(0.95), 'taskinstance.py:288', 'INFO', 'Sensor timed out or failed with soft_fail=True: marking task as SKIPPED');
    L(fin(0.96), 'taskinstance.py:352', 'INFO', `Marking task as SKIPPED. ${endDates}`);
    L(fin(0.99), 'local_task_job_runner.py:266', 'INFO', 'Task exited with return code 0');
  } else if (failed) {
    const err = failure(x);
    const msg = err.message;
    L(
      fin(0.95),
      'taskinstance.py:3310',
      'ERROR',
      [
        'Task failed with exception',
        'Traceback (most recent call last):',
        `  File "${sp}/airflow/models/taskinstance.py", line 767, in _execute_task`,
        '    result = _execute_callable(context=context, **execute_callable_kwargs)',
        '             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
        `  File "${sp}/airflow/models/taskinstance.py", line 733, in _execute_callable`,
        '    return ExecutionCallableRunner(',
        '           ^^^^^^^^^^^^^^^^^^^^^^^^',
        `  File "${sp}/airflow/utils/operator_helpers.py", line 252, in run`,
        '    return self.func(*args, **kwargs)',
        '           ^^^^^^^^^^^^^^^^^^^^^^^^^^',
        `  File "${sp}/airflow/models/baseoperator.py", line 417, in wrapper`,
        '    return func(self, *args, **kwargs)',
        '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^',
        `  File "${sp}/airflow/local_emulator/fault.py", line 42, in execute`,
        '    raise AirflowException(self.fault_message)',
        `${err.type}: ${msg}`,
      ].join('\n'),
    );
    L(
      fin(0.96),
      'taskinstance.py:1225',
      'INFO',
      `Marking task as ${ti.outcome === 'up_for_retry' ? 'UP_FOR_RETRY' : 'FAILED'}. ${endDates}`,
    );
    L(fin(0.97), 'taskinstance.py:340', null, '▼ Post task execution logs');
    L(fin(0.98), 'standard_task_runner.py:124', 'ERROR', `Failed to execute job ${jobId} for task ${task.id} (${msg}; ${pid})`);
    L(fin(0.99), 'local_task_job_runner.py:266', 'INFO', 'Task exited with return code 1');
  } else {
    L(fin(0.95), 'taskinstance.py:340', null, '▼ Post task execution logs');
    L(fin(0.96), 'taskinstance.py:352', 'INFO', `Marking task as SUCCESS. ${endDates}`);
    L(fin(0.99), 'local_task_job_runner.py:266', 'INFO', 'Task exited with return code 0');
  }
  L(fin(0.995), 'taskinstance.py:3895', 'INFO', '0 downstream tasks scheduled from follow-on schedule check');
  L(fin(0.999), 'local_task_job_runner.py:245', null, '▲▲▲ Log group end');
  return lines;
}

/** Airflow 3.x: structlog JSON events. */
function jsonLines(x: TaskLogInput): LogLine[] {
  return executionsOf(x.attempt).flatMap((ex) => jsonExecution(x, ex));
}

function jsonExecution(x: TaskLogInput, ex: Execution): LogLine[] {
  const { task, dagId } = x;
  const ti = ex;
  const s = ti.start;
  const { open, span, fin } = timing(ex);
  const at = (frac: number): number => s + Math.floor(span * frac);
  const lines: LogLine[] = [];
  const E = (ts: number, level: LogLine['level'], event: string, logger: string, extra: Record<string, unknown> = {}): void => {
    const d = new PyDict(
      new Map([
        ['timestamp', structlogTimestamp(ts)],
        ['event', event],
        ['level', level.toLowerCase()],
        ['logger', logger],
      ]),
    );
    for (const [k, v] of Object.entries(extra)) d.m.set(k, toPy(v));
    lines.push({ ts, level, message: jsonDumps(d) });
  };
  E(at(0), 'INFO', 'DAG bundles loaded: dags-folder', 'airflow.dag_processing.bundles.manager.DagBundlesManager');
  E(at(0.01), 'INFO', `Filling up the DagBag from /usr/local/airflow/dags/${x.fileRelPath}`, 'airflow.models.dagbag.DagBag');
  E(at(0.05), 'INFO', 'Task instance is in running state', 'task.stdout');
  E(at(0.06), 'INFO', ` Previous state of the Task instance: TaskInstanceState.QUEUED`, 'task.stdout');
  E(at(0.07), 'INFO', `Current task name:${task.id}`, 'task.stdout');
  E(at(0.08), 'INFO', `Dag name:${dagId}`, 'task.stdout');
  if (x.attempt.n > 1 && ex.start === x.attempt.start) E(at(0.09), 'INFO', `Try number ${x.attempt.n} of ${x.maxTries}`, 'task.stdout');
  if (x.mapIndex >= 0) E(at(0.09) + 1, 'INFO', `Map index: ${x.mapIndex}`, 'task.stdout');
  const failed = ti.outcome === 'failed' || ti.outcome === 'up_for_retry';
  if (ex.pokes.length) {
    const logger =
      task.triggerDagId !== undefined
        ? 'airflow.task.operators.airflow.providers.standard.operators.trigger_dagrun.TriggerDagRunOperator'
        : 'airflow.task.operators.airflow.providers.standard.sensors.external_task.ExternalTaskSensor';
    ex.pokes.forEach((p, k) => {
      E(Math.max(at(0.2), p.at) + k, 'INFO', pokeMessage(x), logger);
    });
    if (open) return lines;
    if (ti.outcome === 'up_for_reschedule') E(fin(0.95), 'INFO', 'Rescheduling task, marking task as UP_FOR_RESCHEDULE', 'task');
    if (ti.outcome === 'skipped') E(fin(0.95), 'INFO', 'Sensor timed out or failed with soft_fail=True: marking task as SKIPPED', 'task');
  } else if (task.op === 'BashOperator' || task.op === '_BashDecoratedOperator') {
    E(at(0.2), 'INFO', 'Tmp dir root location: /tmp', 'airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook');
    E(
      at(0.21),
      'INFO',
      `Running command: ['/usr/bin/bash', '-c', '${task.bash ?? '...'}']`,
      'airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook',
    );
    E(at(0.22), 'INFO', 'Output:', 'airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook');
    const echo = task.bash !== undefined ? /^\s*echo\s+(.*)$/.exec(task.bash) : null;
    if (echo)
      E(
        at(0.5),
        'INFO',
        echo[1].replace(/^(['"])(.*)\1$/, '$2'),
        'airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook',
      );
    if (!failed)
      E(
        at(0.9),
        'INFO',
        'Command exited with return code 0',
        'airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook',
      );
  } else {
    let k = 0;
    for (const p of task.prints) E(at(0.3 + 0.5 * (k++ / Math.max(1, task.prints.length))), 'INFO', p, 'task.stdout');
    if (!failed && /Python|python|Decorated/.test(task.op))
      E(
        at(0.9),
        'INFO',
        'Done. Returned value was: None',
        'airflow.task.operators.airflow.providers.standard.decorators.python._PythonDecoratedOperator',
      );
  }
  if (open) return lines;
  if (failed) {
    const err = failure(x);
    E(fin(0.95), 'ERROR', 'Task failed with exception', 'task', {
      error_detail: [
        {
          exc_type: err.type.split('.').pop(),
          exc_value: err.message,
          exc_notes: [],
          syntax_error: null,
          is_cause: false,
          frames: [
            { filename: `${sitePackages(x.v)}/airflow/sdk/execution_time/task_runner.py`, lineno: 875, name: 'run' },
            { filename: `${sitePackages(x.v)}/airflow/sdk/execution_time/task_runner.py`, lineno: 1162, name: '_execute_task' },
            { filename: `${sitePackages(x.v)}/airflow/local_emulator/fault.py`, lineno: 42, name: 'execute' },
          ],
        },
      ],
    });
  }
  return lines;
}

export function taskLogLines(x: TaskLogInput): LogLine[] {
  return x.v.af3 ? jsonLines(x) : textLines(x);
}

/** A multi-line Airflow 2 log record for the scheduler / dag-processor streams. */
export function textRecord(ts: number, src: string, level: LogLine['level'], msg: string): LogLine {
  return { ts, level, message: `[${logTimestamp(ts)}] {${src}} ${level} - ${msg}` };
}
