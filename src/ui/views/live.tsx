/**
 * What the live views (env wait, deploy, trigger --wait) share: the view's state in a small store that
 * React subscribes to, a clock that ticks while the operation runs, and mounting on a stream with ink.
 * Each view supplies a pure component (tested with ink-testing-library) and how events change its state.
 */
import { render, Text } from 'ink';
import { useEffect, useState, useSyncExternalStore, type ReactElement } from 'react';

export interface Outcome {
  ok: boolean;
  message: string;
}

/** The lines under a live view's progress: the Airflow UI address once known, then one line per warning. */
export function UiAndWarnings(props: { url?: string; notes: readonly string[] }): ReactElement {
  return (
    <>
      {props.url ? (
        <Text>
          {'  '}Airflow UI: <Text color="blue">{props.url}</Text>
        </Text>
      ) : null}
      {props.notes.map((note, i) => (
        <Text key={`note-${i}`} color="yellow">
          {'  '}warning: {note}
        </Text>
      ))}
    </>
  );
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The icon at the head of a live view: a spinner while it runs, ✔ or ✖ once it has an outcome. */
export function statusIcon(outcome: Outcome | undefined, elapsedMs: number): string {
  if (outcome) return outcome.ok ? '✔' : '✖';
  return SPINNER[Math.floor(Math.max(0, elapsedMs) / 100) % SPINNER.length];
}

class ViewStore<S> {
  private readonly listeners = new Set<() => void>();
  constructor(public state: S) {}
  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  get = () => this.state;
  set(next: S) {
    this.state = next;
    for (const fn of this.listeners) fn();
  }
}

function Live<S extends { outcome?: Outcome }>(props: {
  store: ViewStore<S>;
  clock: () => number;
  view: (state: S, now: number) => ReactElement;
}) {
  const { store, clock, view } = props;
  const state = useSyncExternalStore(store.subscribe, store.get);
  const [now, setNow] = useState(clock());
  useEffect(() => {
    if (state.outcome) return;
    const timer = setInterval(() => setNow(clock()), 100);
    return () => clearInterval(timer);
  }, [state.outcome, clock]);
  return view(state, state.outcome ? clock() : now);
}

export interface LiveView<S> {
  /** the current state */
  readonly state: S;
  update(next: S): void;
  /** shows the outcome as the last frame, then unmounts (idempotent) */
  finish(outcome: Outcome): Promise<void>;
}

export function mountLiveView<S extends { outcome?: Outcome }>(options: {
  stream: NodeJS.WriteStream;
  initial: S;
  clock: () => number;
  view: (state: S, now: number) => ReactElement;
}): LiveView<S> {
  const store = new ViewStore(options.initial);
  const instance = render(<Live store={store} clock={options.clock} view={options.view} />, {
    stdout: options.stream,
    stderr: options.stream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  let finished = false;
  return {
    get state() {
      return store.state;
    },
    update(next) {
      store.set(next);
    },
    async finish(outcome) {
      if (finished) return;
      finished = true;
      store.set({ ...store.state, outcome });
      // let React commit the last frame before unmounting
      await new Promise((resolve) => setTimeout(resolve, 20));
      instance.unmount();
      await instance.waitUntilExit().catch(() => undefined);
    },
  };
}
