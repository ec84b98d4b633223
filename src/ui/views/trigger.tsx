/**
 * The live view of `mwaa trigger --wait` on a terminal: the run's state and elapsed time, and one line
 * per task with its state and duration, updated as the core reports changes (trigger.run.state,
 * trigger.task.state). `TriggerView` is a pure component (tested with ink-testing-library);
 * `startTriggerView` renders it on a stream and feeds it events and time.
 */
import { Box, Text } from 'ink';
import { formatDuration } from '../../core/duration.js';
import type { MwaaEvent } from '../../core/events.js';
import type { LiveTarget } from '../io.js';
import { DEFAULT_COLUMNS, cutEnd, keepFitting, Line, mountLiveView, statusIcon, uiAndWarningLines, type Outcome } from './live.js';

export interface TaskRow {
  /** task id, with [map index] for a mapped instance */
  key: string;
  state: string;
  /** when we first saw it running (our clock) */
  runningSince?: number;
  /** duration reported by Airflow once it ended */
  durationMs?: number;
}

export interface TriggerViewState {
  dagId: string;
  runId: string;
  runState?: string;
  tasks: TaskRow[];
  startedAt: number;
  now: number;
  notes: string[];
  outcome?: Outcome;
  /** the terminal's width (DEFAULT_COLUMNS when not given) */
  columns?: number;
}

const ICONS: Record<string, string> = {
  success: '✔',
  failed: '✖',
  upstream_failed: '✖',
  running: '▶',
  queued: '…',
  scheduled: '…',
  up_for_retry: '↻',
  up_for_reschedule: '↻',
  deferred: '⏸',
  skipped: '↷',
  removed: '–',
  restarting: '↻',
  none: '·',
};

export function stateColor(state: string | undefined): string | undefined {
  switch (state) {
    case 'success':
      return 'green';
    case 'failed':
    case 'upstream_failed':
      return 'red';
    case 'running':
      return 'cyan';
    case 'up_for_retry':
    case 'up_for_reschedule':
    case 'restarting':
    case 'deferred':
      return 'yellow';
    case 'skipped':
    case 'removed':
    case 'none':
      return 'gray';
    default:
      return undefined;
  }
}

/** Which tasks a frame shows first when not all fit: failed, running, retrying, then the others. */
function rank(state: string): number {
  switch (state) {
    case 'failed':
      return 0;
    case 'running':
      return 1;
    case 'up_for_retry':
    case 'up_for_reschedule':
    case 'restarting':
    case 'deferred':
      return 2;
    case 'upstream_failed':
      return 3;
    case 'queued':
    case 'scheduled':
      return 4;
    default:
      return 5;
  }
}

/** The order of states in a count line. */
const COUNT_ORDER = [
  'failed',
  'upstream_failed',
  'running',
  'up_for_retry',
  'up_for_reschedule',
  'restarting',
  'deferred',
  'queued',
  'scheduled',
  'none',
  'success',
  'skipped',
  'removed',
];

/**
 * The tasks a frame of `room` lines shows: all when they fit, else the most telling ones (failed,
 * running, …; in DAG order) and a count of the others by state, which takes the last line.
 */
export function fitTasks(tasks: readonly TaskRow[], room: number): { shown: TaskRow[]; hidden: TaskRow[] } {
  if (tasks.length <= room) return { shown: [...tasks], hidden: [] };
  const slots = Math.max(0, room - 1);
  const picked = new Set(
    tasks
      .map((task, index) => ({ task, index }))
      .sort((a, b) => rank(a.task.state) - rank(b.task.state) || a.index - b.index)
      .slice(0, slots)
      .map((entry) => entry.task),
  );
  return { shown: tasks.filter((t) => picked.has(t)), hidden: tasks.filter((t) => !picked.has(t)) };
}

/** "… 24 more tasks: 20 success, 4 queued" (or "30 tasks: …" when none is shown above it). */
export function countLine(hidden: readonly TaskRow[], more: boolean): string {
  const counts = new Map<string, number>();
  for (const t of hidden) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const order = (state: string) => (COUNT_ORDER.includes(state) ? COUNT_ORDER.indexOf(state) : COUNT_ORDER.length);
  const parts = [...counts.entries()]
    .sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0]))
    .map(([state, n]) => `${n} ${state}`);
  const noun = hidden.length === 1 ? 'task' : 'tasks';
  return `${more ? `… ${hidden.length} more ${noun}` : `${hidden.length} ${noun}`}: ${parts.join(', ')}`;
}

/** A frame of the trigger view; with maxLines, the tasks that do not fit are collapsed into a count line. */
export function TriggerView(props: TriggerViewState & { maxLines?: number }) {
  const elapsed = Math.max(0, props.now - props.startedAt);
  const icon = statusIcon(props.outcome, elapsed);
  const iconColor = props.outcome ? (props.outcome.ok ? 'green' : 'red') : 'cyan';
  // the verdict of a failed run is the error the command reports next: not repeated here
  const footer = !props.outcome ? (
    <Line key="footer" dimColor>
      {'  '}Ctrl-C stops waiting; the run goes on.
    </Line>
  ) : props.outcome.ok ? (
    <Line key="footer" color="green">
      {'  '}
      {props.outcome.message}
    </Line>
  ) : null;
  const taskMin = props.tasks.length > 0 ? 1 : 0;
  const hint = footer && !props.outcome && props.maxLines !== undefined && props.maxLines < 2 + taskMin ? null : footer;
  const extras = keepFitting(uiAndWarningLines(undefined, props.notes), 1 + (hint ? 1 : 0), taskMin, props.maxLines);
  const room = props.maxLines === undefined ? props.tasks.length : Math.max(0, props.maxLines - 1 - (hint ? 1 : 0) - extras.length);
  const { shown, hidden } = fitTasks(props.tasks, room);
  const width = Math.max(8, ...shown.map((t) => t.key.length));
  // the run's state and time stay whole in a narrow terminal: the run id gives way, then the DAG id
  const runState = props.runState ?? 'reading state…';
  const headRoom = (props.columns ?? DEFAULT_COLUMNS) - 2 - `  ${runState}  ${formatDuration(elapsed)}`.length;
  const dagId = cutEnd(props.dagId, headRoom);
  const runIdRoom = headRoom - dagId.length - 1;
  const head = { dagId, runId: runIdRoom >= 4 ? cutEnd(props.runId, runIdRoom) : '' };
  return (
    <Box flexDirection="column">
      <Line>
        <Text color={iconColor}>{icon} </Text>
        <Text bold>{head.dagId}</Text>
        {head.runId ? <Text dimColor> {head.runId}</Text> : null}
        {'  '}
        <Text color={stateColor(props.runState)}>{runState}</Text>
        <Text dimColor>
          {'  '}
          {formatDuration(elapsed)}
        </Text>
      </Line>
      {shown.map((task) => {
        const duration =
          task.durationMs !== undefined
            ? formatDuration(task.durationMs)
            : task.runningSince !== undefined
              ? formatDuration(Math.max(0, props.now - task.runningSince))
              : '';
        return (
          <Line key={task.key}>
            <Text color={stateColor(task.state)}>
              {'  '}
              {ICONS[task.state] ?? '?'} {task.key.padEnd(width)}
              {'  '}
              {task.state.padEnd(16)}
            </Text>
            <Text dimColor>{duration}</Text>
          </Line>
        );
      })}
      {hidden.length > 0 ? (
        <Line key="more" dimColor>
          {'  '}
          {countLine(hidden, shown.length > 0)}
        </Line>
      ) : null}
      {extras}
      {hint}
    </Box>
  );
}

/** Applies a core event to the view state (pure, so it is tested without a terminal). */
export function applyTriggerEvent(state: Omit<TriggerViewState, 'now'>, event: MwaaEvent, now: number): Omit<TriggerViewState, 'now'> {
  if (event.code === 'trigger.run.state') return { ...state, runState: event.data.state };
  if (event.code === 'trigger.task.state') {
    const data = event.data;
    const key = data.mapIndex === undefined ? data.taskId : `${data.taskId}[${data.mapIndex}]`;
    const ended = !['running', 'queued', 'scheduled', 'none', 'up_for_retry', 'up_for_reschedule', 'deferred', 'restarting'].includes(
      data.state,
    );
    const existing = state.tasks.find((t) => t.key === key);
    const row: TaskRow = {
      key,
      state: data.state,
      runningSince: data.state === 'running' ? (existing?.runningSince ?? now) : existing?.runningSince,
      durationMs: ended ? data.durationMs : undefined,
    };
    const tasks = existing ? state.tasks.map((t) => (t.key === key ? row : t)) : [...state.tasks, row];
    return { ...state, tasks };
  }
  if (event.level === 'warn') return { ...state, notes: [...state.notes, event.message] };
  return state;
}

export interface TriggerLiveView {
  event(event: MwaaEvent): void;
  finish(outcome: Outcome): Promise<void>;
}

export function startTriggerView(options: {
  target: LiveTarget;
  dagId: string;
  runId: string;
  url?: string;
  startedAt: number;
  clock: () => number;
}): TriggerLiveView {
  const live = mountLiveView<Omit<TriggerViewState, 'now'>>({
    target: options.target,
    initial: { dagId: options.dagId, runId: options.runId, tasks: [], startedAt: options.startedAt, notes: [] },
    clock: options.clock,
    view: (state, now, maxLines, columns) => <TriggerView {...state} now={now} maxLines={maxLines} columns={columns} />,
  });
  // above the frame, whole: a frame line would be cut to the terminal's width, and the address copied
  if (options.url) live.printAbove(`Airflow UI: ${options.url}`);
  return {
    event: (event) => live.update(applyTriggerEvent(live.state, event, options.clock())),
    finish: (outcome) => live.finish(outcome),
  };
}
