/**
 * Turns what the user asked for (`mwaa logs [<dag>] [--run] [--task] [--try] [--map-index]
 * [--component]`) into the log sources to read: log groups, stream prefixes and stream predicates.
 * Checks that the address exists (unknown DAG / run / task / try → NotFoundError, exit 3, listing what
 * exists nearby), resolves `--run latest` to the newest run that has task logs, and refuses disabled
 * components with how to enable them.
 */
import { NotFoundError, UsageError } from '../errors.js';
import type { EventSink } from '../events.js';
import {
  disabledError,
  parseTaskStream,
  resolveLogGroup,
  streamSafe,
  taskStreamPrefix,
  taskStreamSelector,
  type LogGroupComponent,
  type LoggingSource,
  type TaskAddress,
} from './address.js';
import { listStreams, type LogStreamInfo, type LogsPort } from './port.js';
import type { LabelContext } from './render.js';
import { msg } from '../messages.js';

export const LOG_COMPONENTS = ['task', 'scheduler', 'worker', 'webserver', 'dag-processing', 'requirements', 'startup'] as const;
export type LogComponent = (typeof LOG_COMPONENTS)[number];

/** The stream-name prefixes of the install and startup logs, published in each component's group. */
const SPECIAL_STREAMS: Record<'requirements' | 'startup', string> = {
  requirements: 'requirements_install_',
  startup: 'startup_script_execution_',
};
/** The groups those streams are published to. */
const SPECIAL_GROUPS: LogGroupComponent[] = ['worker', 'scheduler', 'webserver'];

export interface LogsAddressRequest {
  envName: string;
  /** GetEnvironment's Environment; undefined when it could not be read (default group names are used) */
  environment?: LoggingSource;
  component?: LogComponent;
  dagId?: string;
  /** a run id, or "latest" */
  runId?: string;
  taskId?: string;
  try?: number;
  mapIndex?: number;
  /** follow mode: a run/task that has no logs yet is waited for instead of being an error */
  follow?: boolean;
  /**
   * The newest run of a DAG as the remote Airflow knows it (`dags list-runs`), for `--run latest`;
   * when absent or failing, the newest run is the one whose log streams started last.
   */
  latestRun?: (dagId: string) => Promise<{ runId: string; state?: string } | undefined>;
  /**
   * Whether the remote Airflow has this run (`dags list-runs`), for `--follow --run <id>` of a run with
   * no logs yet: one that does not exist would be waited for forever. When absent or failing, the
   * command waits.
   */
  runExists?: (dagId: string, runId: string) => Promise<boolean>;
}

export interface LogSource {
  group: string;
  streamPrefix?: string;
  /** when set, only events of streams it accepts are shown */
  match?: (streamName: string) => boolean;
}

export interface LogsQuery {
  component: LogComponent;
  sources: LogSource[];
  /** how events are labelled (what the address fixes is left out) */
  label: LabelContext;
  /** the resolved task address (run "latest" replaced by the run's id as in stream names) */
  address?: TaskAddress;
  /** true when a run is addressed: its logs are shown from the beginning by default */
  bounded: boolean;
  /** a description for messages, e.g. `task "extract" of run R of DAG "etl"` */
  description: string;
}

export interface ResolveOptions {
  signal?: AbortSignal;
  events?: EventSink;
  /** most streams scanned to list runs/DAGs (50 per request) */
  scanLimit?: number;
}

function check(request: LogsAddressRequest): LogComponent {
  const component = request.component ?? 'task';
  if (!LOG_COMPONENTS.includes(component)) {
    throw new UsageError(`unknown component "${component}"`, { hint: `use one of ${LOG_COMPONENTS.join(', ')}` });
  }
  const taskParts =
    request.runId !== undefined || request.taskId !== undefined || request.try !== undefined || request.mapIndex !== undefined;
  if (component !== 'task' && (request.dagId !== undefined || taskParts)) {
    throw new UsageError(`a DAG, run, task or try can only be given for task logs, not with --component ${component}`);
  }
  if (request.dagId === undefined && taskParts) {
    throw new UsageError('--run, --task, --try and --map-index need a DAG', { hint: 'e.g. `mwaa logs <dag> --run latest --task <task>`' });
  }
  if (request.taskId !== undefined && request.runId === undefined) {
    throw new UsageError('--task needs --run (a run id, or latest)', {
      hint: `e.g. \`mwaa logs ${request.dagId} --run latest --task ${request.taskId}\``,
    });
  }
  if ((request.try !== undefined || request.mapIndex !== undefined) && request.taskId === undefined) {
    throw new UsageError('--try and --map-index need --task');
  }
  return component;
}

export async function resolveLogsQuery(logs: LogsPort, request: LogsAddressRequest, options: ResolveOptions = {}): Promise<LogsQuery> {
  const component = check(request);
  const env = request.environment;
  const name = env?.Name ?? request.envName;

  if (component === 'requirements' || component === 'startup') {
    const groups = SPECIAL_GROUPS.map((c) => resolveLogGroup(env, c, name));
    const enabled = groups.filter((g) => g.enabled !== false);
    if (enabled.length === 0) throw disabledError(name, SPECIAL_GROUPS);
    return {
      component,
      sources: enabled.map((g) => ({ group: g.group, streamPrefix: SPECIAL_STREAMS[component] })),
      label: { showGroup: enabled.length > 1 },
      bounded: true,
      description: `${component === 'requirements' ? 'requirements install' : 'startup script'} logs of environment "${name}"`,
    };
  }
  if (component !== 'task') {
    const g = resolveLogGroup(env, component, name);
    if (g.enabled === false) throw disabledError(name, [component]);
    return {
      component,
      sources: [{ group: g.group }],
      label: {},
      bounded: false,
      description: `${component} logs of environment "${name}"`,
    };
  }

  const task = resolveLogGroup(env, 'task', name);
  if (task.enabled === false) throw disabledError(name, ['task']);
  const group = task.group;
  if (request.dagId === undefined) {
    return { component, sources: [{ group }], label: {}, bounded: false, description: `task logs of environment "${name}"` };
  }

  const dagId = request.dagId;
  const scan = { logs, group, signal: options.signal, limit: options.scanLimit ?? 10_000 };
  const dagPrefix = taskStreamPrefix({ dagId });

  let runId = request.runId;
  let remoteLatest: { runId: string; state?: string } | undefined;
  if (runId === 'latest' && request.latestRun) {
    try {
      remoteLatest = await request.latestRun(dagId);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      options.events?.(
        msg(
          'logs.run.remote-failed',
          undefined,
          `the remote Airflow could not list the runs of ${dagId} (${(error as Error).message}); using the log streams`,
        ),
      );
    }
  }

  // An unknown DAG is an error even when following: a typo would otherwise wait forever. (A DAG the
  // remote Airflow has a run of exists, even before its first task log; a run given by id is checked
  // below, and its DAG only when the run has no logs.)
  const dagExists = async () => remoteLatest !== undefined || (await anyStream(logs, group, dagPrefix, options.signal));
  if ((runId === undefined || runId === 'latest') && !(await dagExists())) throw await unknownDag(scan, dagId);

  if (runId === undefined) {
    return {
      component,
      sources: [{ group, streamPrefix: dagPrefix }],
      label: { dagId },
      address: { dagId },
      bounded: false,
      description: `task logs of DAG "${dagId}"`,
    };
  }

  if (runId === 'latest') {
    const state = remoteLatest?.state ? ` (${remoteLatest.state})` : '';
    if (
      remoteLatest &&
      (request.follow || (await anyStream(logs, group, taskStreamPrefix({ dagId, runId: remoteLatest.runId }), options.signal)))
    ) {
      runId = remoteLatest.runId;
      options.events?.(msg('logs.run.latest', { dagId, runId, state: remoteLatest.state }, `latest run of ${dagId}: ${runId}${state}`));
    } else {
      const runs = await runsOf(scan, dagId);
      if (runs.runs.length === 0) throw await unknownDag(scan, dagId);
      runId = runs.runs[0].runId;
      if (remoteLatest) {
        options.events?.(
          msg(
            'logs.run.latest',
            { dagId, runId, newest: remoteLatest.runId, state: remoteLatest.state },
            `latest run of ${dagId}: ${remoteLatest.runId}${state} has no logs yet (--follow waits for them); showing ${runId}, the newest run with logs`,
          ),
        );
      } else {
        options.events?.(msg('logs.run.latest', { dagId, runId }, `latest run of ${dagId}: ${runId}`));
      }
    }
  }
  const address: TaskAddress = { dagId, runId, taskId: request.taskId, try: request.try, mapIndex: request.mapIndex };
  const selector = taskStreamSelector(address);
  const runPrefix = taskStreamPrefix({ dagId, runId });
  const what = describe(address);

  // Does the address have streams? If not, say what exists one level up (or, when following, wait:
  // a run just triggered or a task not started yet has no stream).
  if (!(await anyStream(logs, group, selector.prefix, options.signal, selector.match))) {
    if (!(await dagExists())) throw await unknownDag(scan, dagId);
    if (request.follow && request.runExists && !(await anyStream(logs, group, runPrefix, options.signal))) {
      let exists: boolean | undefined;
      try {
        exists = await request.runExists(dagId, runId);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        options.events?.(
          msg(
            'logs.run.remote-failed',
            undefined,
            `the remote Airflow could not list the runs of ${dagId} (${(error as Error).message}); waiting for logs`,
          ),
        );
      }
      if (exists === false) {
        throw new NotFoundError(
          `run "${runId}" of DAG "${dagId}" does not exist in the environment's Airflow; there is nothing to follow`,
          {
            code: 'logs.run-not-found',
            hint: `list the runs with \`mwaa airflow dags list-runs\` (Airflow 2: \`-d ${dagId}\`), or pass --run latest`,
            details: { dagId, runId },
          },
        );
      }
    }
    if (!request.follow) {
      if (!(await anyStream(logs, group, runPrefix, options.signal))) throw await unknownRun(scan, dagId, runId);
      if (request.taskId !== undefined) {
        const taskPrefix = taskStreamPrefix({ dagId, runId, taskId: request.taskId });
        if (!(await anyStream(logs, group, taskPrefix, options.signal))) throw await unknownTask(scan, dagId, runId, request.taskId);
        throw await unknownTry(scan, address);
      }
    }
    options.events?.(msg('logs.waiting', { ...address }, `no logs for ${what} yet; waiting for them`));
  }
  return {
    component,
    sources: [{ group, streamPrefix: selector.prefix, ...(selector.match ? { match: selector.match } : {}) }],
    label: { dagId, runId: streamSafe(runId) },
    address,
    bounded: true,
    description: what,
  };
}

function describe(a: TaskAddress): string {
  let text = `run ${a.runId} of DAG "${a.dagId}"`;
  if (a.taskId !== undefined) {
    let task = `task "${a.taskId}"`;
    if (a.mapIndex !== undefined) task += ` (map index ${a.mapIndex})`;
    if (a.try !== undefined) task = `try ${a.try} of ${task}`;
    text = `${task} in ${text}`;
  }
  return text;
}

async function anyStream(
  logs: LogsPort,
  group: string,
  prefix: string,
  signal?: AbortSignal,
  match?: (name: string) => boolean,
): Promise<boolean> {
  if (!match) {
    const page = await logs.describeLogStreams({ group, prefix, limit: 1 }, signal);
    return page.streams.length > 0;
  }
  for await (const s of listStreams(logs, group, prefix, signal)) if (match(s.logStreamName)) return true;
  return false;
}

interface Scan {
  logs: LogsPort;
  group: string;
  signal?: AbortSignal;
  /** most streams to look at */
  limit: number;
}

/** Streams under a prefix, at most `scan.limit`; `complete` is false when the limit cut the listing. */
async function scanStreams(scan: Scan, prefix: string, each: (s: LogStreamInfo) => void): Promise<{ complete: boolean }> {
  let n = 0;
  for await (const s of listStreams(scan.logs, scan.group, prefix, scan.signal)) {
    if (n++ >= scan.limit) return { complete: false };
    each(s);
  }
  return { complete: true };
}

export interface RunSummary {
  /** as in stream names (":" replaced by "_") */
  runId: string;
  /** when its first log stream was created (ms) */
  started: number;
}

/** The runs of a DAG that have task logs, newest first (by when their first stream was created). */
export async function runsOf(scan: Scan, dagId: string): Promise<{ runs: RunSummary[]; complete: boolean }> {
  const started = new Map<string, number>();
  const { complete } = await scanStreams(scan, taskStreamPrefix({ dagId }), (s) => {
    const parsed = parseTaskStream(s.logStreamName);
    if (!parsed) return;
    const t = s.creationTime ?? s.firstEventTimestamp ?? 0;
    const known = started.get(parsed.runId);
    if (known === undefined || t < known) started.set(parsed.runId, t);
  });
  const runs = [...started].map(([runId, t]) => ({ runId, started: t }));
  runs.sort((a, b) => b.started - a.started || (a.runId < b.runId ? 1 : -1));
  return { runs, complete };
}

const SHOWN = 10;

function more(total: number, complete: boolean): string {
  if (total > SHOWN) return `\n  … and ${total - SHOWN} more`;
  return complete ? '' : '\n  … (listing cut short)';
}

async function unknownDag(scan: Scan, dagId: string): Promise<NotFoundError> {
  const dags = new Set<string>();
  const { complete } = await scanStreams({ ...scan, limit: Math.min(scan.limit, 2_000) }, 'dag_id=', (s) => {
    const m = /^dag_id=([^/]+)\//.exec(s.logStreamName);
    if (m) dags.add(m[1]);
  });
  const list = [...dags].sort();
  if (list.length === 0) {
    return new NotFoundError(`no task logs for DAG "${dagId}": log group ${scan.group} has no task logs at all`, {
      code: 'logs.dag-not-found',
      hint: 'trigger a run first (`mwaa trigger <dag>`), or check the environment (-e)',
      details: { dagId, dags: [] },
    });
  }
  return new NotFoundError(
    `no task logs for DAG "${dagId}" in log group ${scan.group}\nDAGs with task logs:\n  ${list.slice(0, SHOWN).join('\n  ')}${more(list.length, complete)}`,
    {
      code: 'logs.dag-not-found',
      hint: 'check the DAG id; a DAG that never ran has no task logs',
      details: { dagId, dags: list.slice(0, 100) },
    },
  );
}

async function unknownRun(scan: Scan, dagId: string, runId: string): Promise<NotFoundError> {
  const { runs, complete } = await runsOf(scan, dagId);
  const fmt = (r: RunSummary) => `${r.runId}${r.started ? `  (${new Date(r.started).toISOString()})` : ''}`;
  return new NotFoundError(
    `no logs for run "${runId}" of DAG "${dagId}"\nruns found for ${dagId} (newest first):\n  ${runs.slice(0, SHOWN).map(fmt).join('\n  ')}${more(runs.length, complete)}`,
    {
      code: 'logs.run-not-found',
      hint: 'pass one of these to --run, or --run latest',
      details: { dagId, runId, runs: runs.slice(0, 100).map((r) => r.runId) },
    },
  );
}

async function unknownTask(scan: Scan, dagId: string, runId: string, taskId: string): Promise<NotFoundError> {
  const tasks = new Set<string>();
  const { complete } = await scanStreams(scan, taskStreamPrefix({ dagId, runId }), (s) => {
    const parsed = parseTaskStream(s.logStreamName);
    if (parsed) tasks.add(parsed.taskId);
  });
  const list = [...tasks].sort();
  return new NotFoundError(
    `no logs for task "${taskId}" in run ${runId} of DAG "${dagId}"\ntasks with logs in this run:\n  ${list.slice(0, SHOWN).join('\n  ')}${more(list.length, complete)}`,
    {
      code: 'logs.task-not-found',
      hint: 'check the task id; a task that has not started yet has no log',
      details: { dagId, runId, taskId, tasks: list.slice(0, 100) },
    },
  );
}

async function unknownTry(scan: Scan, a: TaskAddress): Promise<NotFoundError> {
  const found: string[] = [];
  await scanStreams(scan, taskStreamPrefix({ dagId: a.dagId, runId: a.runId, taskId: a.taskId }), (s) => {
    const parsed = parseTaskStream(s.logStreamName);
    if (!parsed || parsed.trigger !== undefined) return;
    found.push(parsed.mapIndex !== undefined ? `try ${parsed.try}, map index ${parsed.mapIndex}` : `try ${parsed.try}`);
  });
  return new NotFoundError(`no logs for ${describe(a)}\nfound:\n  ${found.slice(0, SHOWN).join('\n  ')}${more(found.length, true)}`, {
    code: 'logs.try-not-found',
    hint: 'pass one of these with --try (and --map-index for a mapped task)',
    details: { ...a, found: found.slice(0, 100) },
  });
}
