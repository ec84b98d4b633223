/**
 * The live view of an environment operation on a terminal: status, elapsed time, the status timeline so
 * far and the Airflow UI address when known. `EnvWaitView` is a pure component (tested with
 * ink-testing-library); `startEnvWaitView` renders it on a stream and feeds it events and time.
 */
import { Box, render, Text } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { formatDuration } from '../../core/duration.js';
import type { MwaaEvent } from '../../core/events.js';

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
  outcome?: { ok: boolean; message: string };
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

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

export function EnvWaitView(props: EnvWaitState) {
  const elapsed = Math.max(0, props.now - props.startedAt);
  const icon = props.outcome ? (props.outcome.ok ? '✔' : '✖') : SPINNER[Math.floor(elapsed / 100) % SPINNER.length];
  const iconColor = props.outcome ? (props.outcome.ok ? 'green' : 'red') : 'cyan';
  return (
    <Box flexDirection="column">
      <Box>
        <Text color={iconColor}>{icon} </Text>
        <Text bold>
          {TITLES[props.operation]} {props.name}
        </Text>
        <Text>  </Text>
        <Text color={statusColor(props.status)}>{props.status ?? 'reading status…'}</Text>
        <Text dimColor>  {formatDuration(elapsed)}</Text>
      </Box>
      {props.timeline.map((entry, i) => {
        const next = props.timeline[i + 1];
        const spent = (next ? next.at : props.now) - entry.at;
        const last = i === props.timeline.length - 1;
        return (
          <Box key={`${entry.status}-${entry.at}`}>
            <Text dimColor>  {last && !props.outcome ? '›' : '·'} </Text>
            <Text color={statusColor(entry.status)}>{entry.status.padEnd(18)}</Text>
            <Text dimColor>
              +{formatDuration(entry.at - props.startedAt).padEnd(9)} {last && GOOD.has(entry.status) ? '' : formatDuration(Math.max(0, spent))}
            </Text>
          </Box>
        );
      })}
      {props.webserverUrl ? (
        <Text>
          {'  '}Airflow UI: <Text color="blue">{props.webserverUrl}</Text>
        </Text>
      ) : null}
      {props.notes.map((note, i) => (
        <Text key={`note-${i}`} color="yellow">
          {'  '}warning: {note}
        </Text>
      ))}
      {props.outcome && !props.outcome.ok ? <Text color="red">  {props.outcome.message}</Text> : null}
      {!props.outcome && (props.operation === 'create' || props.operation === 'update') ? (
        <Text dimColor>  MWAA usually takes 20–30 minutes. Ctrl-C stops waiting; the environment keeps going.</Text>
      ) : null}
    </Box>
  );
}

/** A tiny store the live view subscribes to. */
class ViewStore {
  private listeners = new Set<() => void>();
  constructor(public state: Omit<EnvWaitState, 'now'>) {}
  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  get = () => this.state;
  set(patch: Partial<Omit<EnvWaitState, 'now'>>) {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }
}

function LiveEnvWait({ store, clock }: { store: ViewStore; clock: () => number }) {
  const state = useSyncExternalStore(store.subscribe, store.get);
  const [now, setNow] = useState(clock());
  useEffect(() => {
    if (state.outcome) return;
    const timer = setInterval(() => setNow(clock()), 100);
    return () => clearInterval(timer);
  }, [state.outcome, clock]);
  const lastAt = state.timeline.length ? state.timeline[state.timeline.length - 1].at : state.startedAt;
  return <EnvWaitView {...state} now={state.outcome ? clock() : Math.max(now, lastAt)} />;
}

export interface LiveView {
  /** feed an event from the core (env.status.changed updates the view; warnings become notes) */
  event(event: MwaaEvent): void;
  /** the environment's Airflow UI address, once known */
  webserverUrl(url: string | undefined): void;
  /** render the final frame and stop */
  finish(outcome: { ok: boolean; message: string }): Promise<void>;
}

export function startEnvWaitView(options: {
  stream: NodeJS.WriteStream;
  name: string;
  operation: EnvOperation;
  startedAt: number;
  clock: () => number;
}): LiveView {
  const store = new ViewStore({ name: options.name, operation: options.operation, timeline: [], startedAt: options.startedAt, notes: [] });
  const instance = render(<LiveEnvWait store={store} clock={options.clock} />, {
    stdout: options.stream,
    stderr: options.stream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  let finished = false;
  return {
    event(event) {
      if (event.code === 'env.status.changed') {
        const data = event.data as { status: string; webserverUrl?: string } | undefined;
        if (!data) return;
        const at = typeof event.time === 'number' ? event.time : options.clock();
        store.set({ status: data.status, timeline: [...store.state.timeline, { status: data.status, at }] });
      } else if (event.level === 'warn') {
        store.set({ notes: [...store.state.notes, event.message] });
      }
    },
    webserverUrl(url) {
      if (url && url !== store.state.webserverUrl) store.set({ webserverUrl: url });
    },
    async finish(outcome) {
      if (finished) return;
      finished = true;
      store.set({ outcome });
      // let React commit the last frame before unmounting
      await new Promise((resolve) => setTimeout(resolve, 20));
      instance.unmount();
      await instance.waitUntilExit().catch(() => undefined);
    },
  };
}
