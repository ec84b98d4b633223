/**
 * The live view of `mwaa trigger --wait` on a terminal: the run's state and elapsed time, and one line
 * per task with its state and duration, updated as the core reports changes (trigger.run.state,
 * trigger.task.state). `TriggerView` is a pure component (tested with ink-testing-library);
 * `startTriggerView` renders it on a stream and feeds it events and time.
 */
import { Box, Text } from 'ink';
import { formatDuration } from '../../core/duration.js';
import type { MwaaEvent } from '../../core/events.js';
import { mountLiveView, statusIcon, UiAndWarnings, type Outcome } from './live.js';

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
  url?: string;
  runState?: string;
  tasks: TaskRow[];
  startedAt: number;
  now: number;
  notes: string[];
  outcome?: Outcome;
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

export function TriggerView(props: TriggerViewState) {
  const elapsed = Math.max(0, props.now - props.startedAt);
  const icon = statusIcon(props.outcome, elapsed);
  const iconColor = props.outcome ? (props.outcome.ok ? 'green' : 'red') : 'cyan';
  const width = Math.max(8, ...props.tasks.map((t) => t.key.length));
  return (
    <Box flexDirection="column">
      <Box>
        <Text color={iconColor}>{icon} </Text>
        <Text bold>{props.dagId}</Text>
        <Text dimColor> {props.runId}</Text>
        <Text>  </Text>
        <Text color={stateColor(props.runState)}>{props.runState ?? 'reading state…'}</Text>
        <Text dimColor>  {formatDuration(elapsed)}</Text>
      </Box>
      {props.tasks.map((task) => {
        const duration =
          task.durationMs !== undefined ? formatDuration(task.durationMs) : task.runningSince !== undefined ? formatDuration(Math.max(0, props.now - task.runningSince)) : '';
        return (
          <Box key={task.key}>
            <Text color={stateColor(task.state)}>
              {'  '}
              {ICONS[task.state] ?? '?'} {task.key.padEnd(width)}
            </Text>
            <Text color={stateColor(task.state)}>  {task.state.padEnd(16)}</Text>
            <Text dimColor>{duration}</Text>
          </Box>
        );
      })}
      <UiAndWarnings url={props.url} notes={props.notes} />
      {props.outcome ? (
        <Text color={props.outcome.ok ? 'green' : 'red'}>  {props.outcome.message}</Text>
      ) : (
        <Text dimColor>  Ctrl-C stops waiting; the run goes on.</Text>
      )}
    </Box>
  );
}

/** Applies a core event to the view state (pure, so it is tested without a terminal). */
export function applyTriggerEvent(state: Omit<TriggerViewState, 'now'>, event: MwaaEvent, now: number): Omit<TriggerViewState, 'now'> {
  if (event.code === 'trigger.run.state') return { ...state, runState: event.data.state };
  if (event.code === 'trigger.task.state') {
    const data = event.data;
    const key = data.mapIndex === undefined ? data.taskId : `${data.taskId}[${data.mapIndex}]`;
    const ended = !['running', 'queued', 'scheduled', 'none', 'up_for_retry', 'up_for_reschedule', 'deferred', 'restarting'].includes(data.state);
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
  stream: NodeJS.WriteStream;
  dagId: string;
  runId: string;
  url?: string;
  startedAt: number;
  clock: () => number;
}): TriggerLiveView {
  const live = mountLiveView<Omit<TriggerViewState, 'now'>>({
    stream: options.stream,
    initial: { dagId: options.dagId, runId: options.runId, url: options.url, tasks: [], startedAt: options.startedAt, notes: [] },
    clock: options.clock,
    view: (state, now) => <TriggerView {...state} now={now} />,
  });
  return {
    event: (event) => live.update(applyTriggerEvent(live.state, event, options.clock())),
    finish: (outcome) => live.finish(outcome),
  };
}
