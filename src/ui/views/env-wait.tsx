/**
 * The live view of an environment operation on a terminal: status, elapsed time, the status timeline so
 * far and the Airflow UI address when known. `EnvWaitView` is a pure component (tested with
 * ink-testing-library); `startEnvWaitView` draws it on the Io's live target and feeds it events and time.
 */
import { Box, Text } from 'ink';
import { formatDuration } from '../../core/duration.js';
import type { MwaaEvent } from '../../core/events.js';
import type { LiveTarget } from '../io.js';
import { DEFAULT_COLUMNS, cutEnd, keepFitting, Line, mountLiveView, statusIcon, uiAndWarningLines, type Outcome } from './live.js';

export type EnvOperation = 'create' | 'update' | 'delete' | 'wait';

export interface EnvWaitState {
  name: string;
  operation: EnvOperation;
  /** current status (undefined before the first read) */
  status?: string;
  timeline: Array<{ status: string; at: number }>;
  startedAt: number;
  now: number;
  webserverUrl?: string;
  /** warnings reported while waiting */
  notes: string[];
  /** set when the wait ended */
  outcome?: Outcome;
  /** the terminal's width (DEFAULT_COLUMNS when not given) */
  columns?: number;
}

const TITLES: Record<EnvOperation, string> = {
  create: 'Creating',
  update: 'Updating',
  delete: 'Deleting',
  wait: 'Waiting for',
};

const GOOD = new Set(['AVAILABLE', 'DELETED']);
const BAD = new Set(['CREATE_FAILED', 'UPDATE_FAILED', 'UNAVAILABLE']);

function statusColor(status: string | undefined): string | undefined {
  if (!status) return undefined;
  if (GOOD.has(status)) return 'green';
  if (BAD.has(status)) return 'red';
  if (status === 'ROLLING_BACK') return 'yellow';
  return 'cyan';
}

/**
 * A frame of the env wait view. With maxLines, the oldest statuses of a long timeline are collapsed into
 * one line. The last frame shows neither the Airflow UI address nor a failure's message: the command
 * prints both right after it.
 */
export function EnvWaitView(props: EnvWaitState & { maxLines?: number }) {
  const elapsed = Math.max(0, props.now - props.startedAt);
  const icon = statusIcon(props.outcome, elapsed);
  const iconColor = props.outcome ? (props.outcome.ok ? 'green' : 'red') : 'cyan';
  const hint =
    !props.outcome &&
    (props.operation === 'create' || props.operation === 'update') &&
    (props.maxLines === undefined || props.maxLines >= 3) ? (
      <Line key="hint" dimColor>
        {'  '}MWAA usually takes 20–30 minutes. Ctrl-C stops waiting; the environment keeps going.
      </Line>
    ) : null;
  const timelineMin = props.timeline.length > 0 ? 1 : 0;
  const extras = keepFitting(
    uiAndWarningLines(props.outcome ? undefined : props.webserverUrl, props.notes),
    1 + (hint ? 1 : 0),
    timelineMin,
    props.maxLines,
  );
  const room = props.maxLines === undefined ? props.timeline.length : Math.max(0, props.maxLines - 1 - (hint ? 1 : 0) - extras.length);
  // when the timeline does not fit: its latest entries, under a line counting the earlier ones
  const skipped = props.timeline.length > room ? props.timeline.length - Math.max(0, room - 1) : 0;
  // the status and the time stay whole in a narrow terminal: the title gives way
  const status = props.status ?? 'reading status…';
  const title = cutEnd(
    `${TITLES[props.operation]} ${props.name}`,
    (props.columns ?? DEFAULT_COLUMNS) - 2 - `  ${status}  ${formatDuration(elapsed)}`.length,
  );
  return (
    <Box flexDirection="column">
      <Line>
        <Text color={iconColor}>{icon} </Text>
        <Text bold>{title}</Text>
        {'  '}
        <Text color={statusColor(props.status)}>{status}</Text>
        <Text dimColor>
          {'  '}
          {formatDuration(elapsed)}
        </Text>
      </Line>
      {skipped > 0 ? (
        <Line key="earlier" dimColor>
          {'  '}… {skipped} earlier status{skipped === 1 ? '' : 'es'}
        </Line>
      ) : null}
      {props.timeline.map((entry, i) => {
        if (i < skipped) return null;
        const next = props.timeline[i + 1];
        const spent = (next ? next.at : props.now) - entry.at;
        const last = i === props.timeline.length - 1;
        return (
          <Line key={`${entry.status}-${entry.at}`}>
            <Text dimColor>
              {'  '}
              {last && !props.outcome ? '›' : '·'}{' '}
            </Text>
            <Text color={statusColor(entry.status)}>{entry.status.padEnd(18)}</Text>
            <Text dimColor>
              +{formatDuration(entry.at - props.startedAt).padEnd(9)}{' '}
              {last && GOOD.has(entry.status) ? '' : formatDuration(Math.max(0, spent))}
            </Text>
          </Line>
        );
      })}
      {extras}
      {hint}
    </Box>
  );
}

/** The env wait view on screen, fed by the command. */
export interface LiveView {
  /** feed an event from the core (env.status.changed updates the view; warnings become notes) */
  event(event: MwaaEvent): void;
  /** the environment's Airflow UI address, once known */
  webserverUrl(url: string | undefined): void;
  /** render the final frame and stop */
  finish(outcome: Outcome): Promise<void>;
}

export function startEnvWaitView(options: {
  target: LiveTarget;
  name: string;
  operation: EnvOperation;
  startedAt: number;
  clock: () => number;
}): LiveView {
  const live = mountLiveView<Omit<EnvWaitState, 'now'>>({
    target: options.target,
    initial: { name: options.name, operation: options.operation, timeline: [], startedAt: options.startedAt, notes: [] },
    clock: options.clock,
    view: (state, now, maxLines, columns) => {
      const lastAt = state.timeline.length ? state.timeline[state.timeline.length - 1].at : state.startedAt;
      return <EnvWaitView {...state} now={Math.max(now, lastAt)} maxLines={maxLines} columns={columns} />;
    },
  });
  const patch = (changes: Partial<Omit<EnvWaitState, 'now'>>) => live.update({ ...live.state, ...changes });
  return {
    event(event) {
      if (event.code === 'env.status.changed') {
        const at = typeof event.time === 'number' ? event.time : options.clock();
        patch({ status: event.data.status, timeline: [...live.state.timeline, { status: event.data.status, at }] });
      } else if (event.level === 'warn') {
        patch({ notes: [...live.state.notes, event.message] });
      }
    },
    webserverUrl(url) {
      if (url && url !== live.state.webserverUrl) patch({ webserverUrl: url });
    },
    finish: (outcome) => live.finish(outcome),
  };
}
