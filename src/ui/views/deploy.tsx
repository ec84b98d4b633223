/**
 * The live view of a deploy on a terminal: the plan summary, the current phase, an upload progress bar
 * (files and bytes), the environment status while an update is awaited, warnings, and the outcome.
 * `DeployView` is a pure component (tested with ink-testing-library); `startDeployView` renders it on a
 * stream and feeds it the deploy events.
 */
import { Box, Text } from 'ink';
import { formatDuration } from '../../core/duration.js';
import type { MwaaEvent } from '../../core/events.js';
import { bytes } from './deploy-text.js';
import type { LiveTarget } from '../io.js';
import { DEFAULT_COLUMNS, fitWords, Line, mountLiveView, statusIcon, type Outcome } from './live.js';

export interface DeployViewState {
  title: string;
  startedAt: number;
  now: number;
  /** the terminal's width (DEFAULT_COLUMNS when not given) */
  columns?: number;
  plan?: string;
  phase?: string;
  upload?: { done: number; total: number; bytesDone: number; bytesTotal: number };
  deletes?: { done: number; total: number };
  envStatus?: string;
  /** printed once above the frame (plan text, warnings) by startDeployView: not part of a frame */
  lines: string[];
  outcome?: Outcome;
}

const BAR_WIDTH = 30;

export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const full = Math.round(ratio * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/**
 * The upload line's parts for a terminal of `columns`: the file count always whole, the sizes when a bar
 * of 10 still fits beside them, and the bar (at most 30 wide) in what is left, or none when under 5.
 * A fixed bar pushed the count off a narrow terminal's edge: "113/15…" of 150 files.
 */
export function uploadLine(up: NonNullable<DeployViewState['upload']>, columns: number): { bar: string; text: string } {
  const count = `${up.done}/${up.total} files`;
  const sizes = `, ${bytes(up.bytesDone)}/${bytes(up.bytesTotal)}`;
  const room = columns - 3; // two spaces before the bar, one after it
  const text = room - count.length - sizes.length >= 10 ? count + sizes : count;
  const width = Math.min(BAR_WIDTH, room - text.length);
  return { bar: width >= 5 ? progressBar(up.done, up.total, width) : '', text };
}

/**
 * A frame of the deploy view. The last frame has no outcome line: the command prints the result (on
 * stdout) or the error right after it.
 */
export function DeployView(props: DeployViewState) {
  const elapsed = Math.max(0, props.now - props.startedAt);
  const icon = statusIcon(props.outcome, elapsed);
  const color = props.outcome ? (props.outcome.ok ? 'green' : 'red') : 'cyan';
  const columns = props.columns ?? DEFAULT_COLUMNS;
  const upload = props.upload ? uploadLine(props.upload, columns) : undefined;
  return (
    <Box flexDirection="column">
      <Line>
        <Text color={color}>{icon} </Text>
        <Text bold>{props.title}</Text>
        <Text dimColor>
          {'  '}
          {formatDuration(elapsed)}
        </Text>
      </Line>
      {props.plan ? (
        <Line dimColor>
          {'  '}
          {fitWords(props.plan, columns - 2)}
        </Line>
      ) : null}
      {props.phase && !props.outcome ? (
        <Line>
          {'  '}
          {fitWords(props.phase, columns - 2)}
        </Line>
      ) : null}
      {upload ? (
        <Line>
          {'  '}
          {upload.bar ? <Text color="cyan">{upload.bar} </Text> : null}
          {upload.text}
        </Line>
      ) : null}
      {props.deletes ? (
        <Line>
          {'  '}deleted {props.deletes.done}/{props.deletes.total} files
        </Line>
      ) : null}
      {props.envStatus ? (
        <Line>
          {'  '}environment:{' '}
          <Text color={props.envStatus === 'AVAILABLE' ? 'green' : props.envStatus.endsWith('FAILED') ? 'red' : 'cyan'}>
            {props.envStatus}
          </Text>
        </Line>
      ) : null}
    </Box>
  );
}

/** Applies one deploy event to the view state. */
export function reduceDeployEvent(state: Omit<DeployViewState, 'now'>, event: MwaaEvent): Omit<DeployViewState, 'now'> {
  switch (event.code) {
    case 'deploy.plan':
    case 'deploy.rollback.plan':
      return { ...state, plan: event.message.replace(/^plan: /, '') };
    case 'deploy.phase':
      return { ...state, phase: event.message };
    case 'deploy.upload.done': {
      const d = event.data;
      return { ...state, upload: { done: d.done, total: d.total, bytesDone: d.bytesDone, bytesTotal: d.bytesTotal } };
    }
    case 'deploy.delete.done':
      return { ...state, deletes: { done: event.data.done, total: event.data.total } };
    case 'env.status.changed':
      return { ...state, envStatus: event.data.status };
    default:
      // warnings, the rollback's steps, and the lines of the check the push runs once it has planned (its
      // result, skips and findings), printed as the plain host prints them
      if (
        event.level === 'warn' ||
        (event.level === 'info' && (event.code.startsWith('deploy.rollback') || event.code.startsWith('check.')))
      ) {
        return { ...state, lines: [...state.lines, `${event.level === 'warn' ? 'warning: ' : ''}${event.message}`] };
      }
      return state;
  }
}

export interface DeployLiveView {
  event(event: MwaaEvent): void;
  note(text: string): void;
  finish(outcome: Outcome): Promise<void>;
}

export function startDeployView(options: { target: LiveTarget; title: string; clock: () => number }): DeployLiveView {
  const live = mountLiveView<Omit<DeployViewState, 'now'>>({
    target: options.target,
    initial: { title: options.title, startedAt: options.clock(), lines: [] },
    clock: options.clock,
    view: (state, now, _maxLines, columns) => <DeployView {...state} now={now} columns={columns} />,
  });
  let printed = 0;
  const update = (next: Omit<DeployViewState, 'now'>) => {
    live.update(next);
    // new lines go above the frame, once
    for (const line of next.lines.slice(printed)) live.printAbove(line);
    printed = next.lines.length;
  };
  return {
    event: (event) => update(reduceDeployEvent(live.state, event)),
    note: (text) => update({ ...live.state, lines: [...live.state.lines, text] }),
    finish: (outcome) => live.finish(outcome),
  };
}
