/**
 * `mwaa trigger`: check the DAG, trigger a run, and optionally wait for it (README "`mwaa trigger`").
 *
 * Waiting polls the run state (`dags state`) and the task states (`tasks states-for-dag-run`) with
 * backoff: the interval starts at `pollMs`, grows by half after each poll that saw no change, up to
 * `maxPollMs`, and drops back to `pollMs` when something changed. The run ends when its state is
 * neither queued nor running; only `success` counts as success. A timeout or an abort (Ctrl-C) stops
 * waiting and leaves the run alone.
 */
import { systemClock, type Clock } from '../clock.js';
import { FailedError, InterruptedError, MwaaError, NotFoundError } from '../errors.js';
import { formatDuration } from '../duration.js';
import { noEvents, type EventSink } from '../events.js';
import { Mutations } from '../mutations.js';
import type { AirflowOps, RunRef } from './airflow.js';
import type { ParsedConf } from './conf.js';
import type { TaskInfo, TriggeredRunInfo } from './parse.js';
import { msg } from '../messages.js';

export interface TriggerRequest {
  dagId: string;
  conf?: ParsedConf;
  runId?: string;
  /** unpause the DAG first when it is paused */
  unpause: boolean;
  /**
   * the run must be able to start (`--wait`): a paused DAG that is not to be unpaused fails before
   * anything is sent, instead of a run that stays queued until the wait gives up
   */
  mustStart?: boolean;
}

export interface TriggeredRun extends RunRef {
  state: string;
  /** the DAG was paused when triggered (and not unpaused) */
  paused: boolean;
  unpaused: boolean;
}

/** Close DAG ids, for "did you mean". */
function similar(wanted: string, ids: string[]): string[] {
  const w = wanted.toLowerCase();
  return ids
    .filter((id) => {
      const l = id.toLowerCase();
      return l.includes(w) || w.includes(l) || editDistance(l, w) <= Math.max(2, Math.floor(w.length / 4));
    })
    .slice(0, 5);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * `dags trigger`, again after a second when Airflow 2 refused it because another run of the DAG has the
 * same logical date (its default logical date is "now" to the second, so two triggers within one second
 * collide). The refusal means no run was created, so trying again is safe. A clash with the run id the
 * user chose is not retried.
 */
async function triggerWithRetry(
  airflow: AirflowOps,
  request: TriggerRequest,
  events: EventSink,
  clock: Clock,
  mutations: Mutations,
  signal?: AbortSignal,
): Promise<TriggeredRunInfo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mutations.send(
        {
          description: airflow.transport === 'rest' ? `POST /dags/${request.dagId}/dagRuns` : `dags trigger ${request.dagId}`,
          next: `the run of ${request.dagId} goes on in Airflow`,
          hint: `see it with \`mwaa airflow dags list-runs\` (Airflow 2: \`-d ${request.dagId}\`)`,
        },
        () => airflow.trigger({ dagId: request.dagId, confText: request.conf?.text, conf: request.conf?.value, runId: request.runId }),
      );
    } catch (error) {
      const clash = MwaaError.is(error) && error.code === 'trigger.run-exists' && error.details?.sameRunId === false;
      if (!clash || attempt >= 3) throw error;
      events(msg('trigger.retry', undefined, `another run of ${request.dagId} has the same logical date; triggering again in 1 s`));
      await clock.sleep(1000, signal);
    }
  }
}

export async function triggerDag(
  airflow: AirflowOps,
  request: TriggerRequest,
  events: EventSink = noEvents,
  options: { clock?: Clock; signal?: AbortSignal; mutations?: Mutations } = {},
): Promise<TriggeredRun> {
  const clock = options.clock ?? systemClock;
  const mutations = options.mutations ?? new Mutations(options.signal);
  const listing = await airflow.listDags();
  const dag = listing.dags.find((d) => d.dagId === request.dagId);
  if (!dag) {
    const close = similar(
      request.dagId,
      listing.dags.map((d) => d.dagId),
    );
    const hints = [
      close.length ? `did you mean ${close.map((c) => `"${c}"`).join(', ')}?` : undefined,
      listing.importErrors ? 'some DAG files failed to import: see `mwaa dags list --import-errors`' : undefined,
      'a DAG file uploaded in the last few minutes may not be parsed yet (MWAA lists new files within ~5 minutes)',
    ].filter(Boolean);
    throw new NotFoundError(`DAG "${request.dagId}" is not in the environment's Airflow (${listing.dags.length} DAGs listed)`, {
      code: 'trigger.dag-not-found',
      hint: hints.join('; '),
    });
  }
  let unpaused = false;
  if (dag.paused && !request.unpause && request.mustStart) {
    throw new FailedError(
      'trigger.dag-paused',
      `DAG ${request.dagId} is paused: a run cannot start until it is unpaused; nothing was triggered`,
      {
        hint: 'pass --unpause to unpause it first, or trigger without --wait to queue a run that starts once the DAG is unpaused',
        details: { dagId: request.dagId },
      },
    );
  }
  if (dag.paused) {
    if (request.unpause) {
      await mutations.send(
        {
          description: airflow.transport === 'rest' ? `PATCH /dags/${request.dagId} (unpause)` : `dags unpause ${request.dagId}`,
          next: `DAG ${request.dagId} stays unpaused`,
          hint: `pause it again with \`mwaa airflow dags pause ${request.dagId}\``,
        },
        () => airflow.unpause(request.dagId),
      );
      unpaused = true;
      events(msg('trigger.dag.unpaused', { dagId: request.dagId }, `unpaused ${request.dagId}`));
    } else {
      events(
        msg(
          'trigger.dag.paused',
          { dagId: request.dagId },
          `DAG ${request.dagId} is paused: the run stays queued until it is unpaused (pass --unpause to unpause it first)`,
        ),
      );
    }
  }
  const info = await triggerWithRetry(airflow, request, events, clock, mutations, options.signal);
  events(
    msg('trigger.run.created', { dagId: info.dagId, runId: info.runId, state: info.state }, `triggered ${info.dagId}: run ${info.runId}`),
  );
  return { ...info, paused: dag.paused && !unpaused, unpaused };
}

export interface WaitOptions {
  clock: Clock;
  signal?: AbortSignal;
  /** first poll interval (ms) */
  pollMs: number;
  /** longest poll interval (default max(pollMs, 30 s)) */
  maxPollMs?: number;
  /** stop waiting after this long (ms); undefined: no limit */
  timeoutMs?: number;
  events?: EventSink;
}

export interface RunOutcome {
  state: string;
  succeeded: boolean;
  tasks: TaskInfo[];
  /** how long we waited */
  waitedMs: number;
}

export const ACTIVE_RUN_STATES = new Set(['queued', 'running']);

function taskKey(t: TaskInfo): string {
  return t.mapIndex === undefined ? t.taskId : `${t.taskId}[${t.mapIndex}]`;
}

export function taskDuration(t: TaskInfo, now: number): number | undefined {
  if (t.startDate === undefined) return undefined;
  const end = t.endDate ?? now;
  return end >= t.startDate ? end - t.startDate : undefined;
}

export async function waitForRun(airflow: AirflowOps, run: RunRef, options: WaitOptions): Promise<RunOutcome> {
  const events = options.events ?? noEvents;
  const { clock } = options;
  const started = clock.now();
  const maxPoll = options.maxPollMs ?? Math.max(options.pollMs, 30_000);
  let interval = options.pollMs;
  let runState: string | undefined;
  let missing = 0;
  const seen = new Map<string, string>();
  let tasks: TaskInfo[] = [];

  for (;;) {
    if (options.signal?.aborted) throw stopped(run, runState);
    const state = await airflow.runState(run);
    let changed = false;
    if (state.state === undefined) {
      if (++missing >= 3) {
        throw new NotFoundError(`run ${run.runId} of ${run.dagId} is no longer in Airflow`, {
          code: 'trigger.run-missing',
          hint: 'it may have been deleted',
        });
      }
    } else missing = 0;
    tasks = await airflow.taskStates(run.dagId, run.runId, run);
    const now = clock.now();
    for (const t of tasks) {
      const key = taskKey(t);
      const previous = seen.get(key);
      if (previous === t.state) continue;
      seen.set(key, t.state);
      if (previous === undefined && t.state === 'none') continue;
      changed = true;
      const duration = taskDuration(t, now);
      const terminal = t.endDate !== undefined;
      events(
        msg(
          'trigger.task.state',
          { dagId: run.dagId, runId: run.runId, taskId: t.taskId, mapIndex: t.mapIndex, state: t.state, previous, durationMs: duration },
          `${key}: ${t.state}${terminal && duration !== undefined ? ` (${formatDuration(duration)})` : ''}`,
        ),
      );
    }
    // the run's own state after its tasks' (a run ends after its last task)
    if (state.state !== undefined && state.state !== runState) {
      changed = true;
      events(
        msg(
          'trigger.run.state',
          { dagId: run.dagId, runId: run.runId, state: state.state, previous: runState },
          `run ${run.runId}: ${state.state}`,
        ),
      );
      runState = state.state;
    }
    if (runState !== undefined && !ACTIVE_RUN_STATES.has(runState)) {
      return { state: runState, succeeded: runState === 'success', tasks, waitedMs: clock.now() - started };
    }
    const waited = clock.now() - started;
    if (options.timeoutMs !== undefined && waited >= options.timeoutMs) {
      throw new FailedError(
        'trigger.timeout',
        `run ${run.runId} of ${run.dagId} is still ${runState ?? 'queued'} after ${formatDuration(options.timeoutMs)}; it goes on running on the environment`,
        {
          hint: `follow it with \`mwaa airflow tasks states-for-dag-run ${run.dagId} ${run.runId}\`, or raise --timeout`,
          details: { dagId: run.dagId, runId: run.runId, state: runState },
        },
      );
    }
    interval = changed ? options.pollMs : Math.min(maxPoll, Math.round(interval * 1.5));
    const sleepFor = options.timeoutMs !== undefined ? Math.min(interval, Math.max(0, options.timeoutMs - waited)) : interval;
    events(msg('trigger.poll', undefined, `next poll in ${sleepFor} ms`));
    try {
      await clock.sleep(sleepFor, options.signal);
    } catch {
      throw stopped(run, runState);
    }
  }
}

function stopped(run: RunRef, state: string | undefined): InterruptedError {
  return new InterruptedError(`stopped waiting; run ${run.runId} of ${run.dagId} goes on (${state ?? 'queued'})`, {
    hint: `the run itself was not touched; look at it with \`mwaa airflow tasks states-for-dag-run ${run.dagId} ${run.runId}\``,
  });
}
