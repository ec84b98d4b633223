/**
 * What the live views (env wait, deploy, trigger --wait) share: the renderer that keeps a view's frame
 * on stderr up to date as its state changes and time passes, and small pieces of frames.
 *
 * The renderer draws each frame with ink's renderToString and moves the cursor itself, so a frame only
 * ever erases itself: never the screen, never the scrollback, whatever its size. A frame fits the
 * terminal: every line is one row (cut to the width), and a frame has at most rows − 1 lines (views
 * collapse what does not fit, the renderer cuts anything beyond), so the cursor can always climb back
 * to the frame's first line to redraw it. A terminal reporting 0 columns or 0 rows counts as 80 × 24.
 *
 * The frame drawn when the view finishes stays on screen; the lines the command prints after it (the
 * result on stdout, the error report) are not repeated in it.
 */
import chalk from 'chalk';
import { renderToString, Text } from 'ink';
import type { ReactElement, ReactNode } from 'react';
import type { LiveScreen, LiveTarget } from '../io.js';
import { stripVTControlCharacters } from 'node:util';

export interface Outcome {
  ok: boolean;
  /**
   * What happened, for views that show it in their last frame (trigger's verdict). A failed outcome's
   * message is never shown there: the command reports the error right after the view.
   */
  message: string;
}

/** One line of a frame: always one row, cut with … when wider than the terminal. */
export function Line(props: { children?: ReactNode; color?: string; dimColor?: boolean; bold?: boolean }): ReactElement {
  return (
    <Text wrap="truncate-end" color={props.color} dimColor={props.dimColor} bold={props.bold}>
      {props.children}
    </Text>
  );
}

/** Text cut to `width` columns with … (nothing at all under 1), for plain one-width text. */
export function cutEnd(text: string, width: number): string {
  if (text.length <= width) return text;
  return width < 1 ? '' : `${text.slice(0, width - 1)}…`;
}

/**
 * Text cut at a word's end to fit `width` columns, with …, for plain one-width text. A count is shown
 * with its word or not at all: cut at the terminal's edge, "2851 unchanged" became "28…", which reads
 * as another number, and "2851…" without its word says nothing.
 */
export function fitWords(text: string, width: number): string {
  if (text.length <= width) return text;
  const cut = text.lastIndexOf(' ', Math.max(0, width - 1));
  if (cut <= 0) return '…';
  const kept = text
    .slice(0, cut)
    .replace(/\s+[\d.,]+$/, '')
    .replace(/[\s,;:]+$/, '');
  return `${kept}…`;
}

/** The lines under a live view's progress: the Airflow UI address once known, then one line per warning. */
export function uiAndWarningLines(url: string | undefined, notes: readonly string[]): ReactElement[] {
  return [
    ...(url
      ? [
          <Line key="url">
            {'  '}Airflow UI: <Text color="blue">{url}</Text>
          </Line>,
        ]
      : []),
    ...notes.map((note, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: notes are only ever appended, so a position names the same note in every frame
      <Line key={`note-${i}`} color="yellow">
        {'  '}warning: {note}
      </Line>
    )),
  ];
}

/**
 * Fits optional lines under a budget: drops `optional` lines from the front until `fixed` + the kept
 * optional lines + `reserve` lines fit in maxLines. Returns the optional lines kept.
 */
export function keepFitting<T>(optional: readonly T[], fixed: number, reserve: number, maxLines: number | undefined): T[] {
  if (maxLines === undefined) return [...optional];
  const room = Math.max(0, maxLines - fixed - reserve);
  return optional.slice(Math.max(0, optional.length - room));
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The icon at the head of a live view: a spinner while it runs, ✔ or ✖ once it has an outcome. */
export function statusIcon(outcome: Outcome | undefined, elapsedMs: number): string {
  if (outcome) return outcome.ok ? '✔' : '✖';
  return SPINNER[Math.floor(Math.max(0, elapsedMs) / 100) % SPINNER.length];
}

/** The width a view is drawn for when the terminal reports none (or 0), and when a test gives none. */
export const DEFAULT_COLUMNS = 80;

/** The size frames are made for: what the terminal reports, 80 × 24 for what it reports as 0 or not at all. */
export function frameSize(stream: { columns?: number; rows?: number }): { columns: number; rows: number } {
  return { columns: stream.columns || DEFAULT_COLUMNS, rows: stream.rows || 24 };
}

function visibleWidth(line: string): number {
  return [...stripVTControlCharacters(line)].length;
}

export interface LiveView<S> extends LiveScreen {
  /** the current state */
  readonly state: S;
  update(next: S): void;
  /** draws the outcome as the last frame, which stays on screen, and lets go of the screen (idempotent) */
  finish(outcome: Outcome): Promise<void>;
}

const TICK_MS = 100;

export function mountLiveView<S extends { outcome?: Outcome }>(options: {
  target: LiveTarget;
  initial: S;
  clock: () => number;
  /** the frame for a state at a time, in at most maxLines lines of `columns` */
  view: (state: S, now: number, maxLines: number, columns: number) => ReactElement;
}): LiveView<S> {
  const { target, clock } = options;
  const stream = target.stream;
  let state = options.initial;
  let suspended = 0;
  let finished = false;
  /** the visible width of each line of the frame on screen (none while suspended) */
  let onScreen: number[] = [];
  let lastFrame = '';
  let timer: NodeJS.Timeout | undefined;
  let scheduled = false;

  const frameLines = (): string[] => {
    const { columns, rows } = frameSize(stream);
    const maxLines = Math.max(1, rows - 1);
    // ink colours with chalk's default instance (the same module: scripts/build.mjs keeps chalk external),
    // whose level it guessed from stdout; the Io decided for stderr, where the frame goes
    const guessed = chalk.level;
    chalk.level = target.color ? (Math.max(1, guessed) as typeof guessed) : 0;
    let text: string;
    try {
      text = renderToString(options.view(state, clock(), maxLines, columns), { columns });
    } finally {
      chalk.level = guessed;
    }
    // and whatever else styled a line (text handed to a view), when there is to be no colour
    if (!target.color) text = stripVTControlCharacters(text);
    const lines = text.split('\n');
    return lines.length > maxLines ? lines.slice(0, maxLines) : lines;
  };

  /** the bytes that take the cursor back to the frame's first line and erase the frame */
  const eraseFrame = (): string => {
    if (onScreen.length === 0) return '';
    const { columns } = frameSize(stream);
    // a line wider than the terminal (it got narrower since) now takes several rows
    const rows = onScreen.reduce((n, width) => n + Math.max(1, Math.ceil(width / columns)), 0);
    onScreen = [];
    return `\r\u001b[${rows}A\u001b[J`;
  };

  const draw = (before = '', force = false): void => {
    if (suspended > 0) {
      if (before) stream.write(before);
      return;
    }
    const lines = frameLines();
    const frame = lines.join('\n');
    if (!force && !before && frame === lastFrame && onScreen.length > 0) return;
    stream.write(`${eraseFrame()}${before}${frame}\n`);
    onScreen = lines.map(visibleWidth);
    lastFrame = frame;
  };

  const startTicking = () => {
    if (timer || finished) return;
    timer = setInterval(() => draw(), TICK_MS);
    // a view never keeps the process alive by itself
    timer.unref();
  };
  const stopTicking = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const onResize = () => {
    if (!finished) draw('', true);
  };

  const view: LiveView<S> = {
    get state() {
      return state;
    },
    update(next) {
      state = next;
      if (finished || scheduled) return;
      scheduled = true;
      // events come in bursts (one per task at each poll): one frame for the burst
      setImmediate(() => {
        scheduled = false;
        if (!finished) draw();
      });
    },
    printAbove(text) {
      const line = text.endsWith('\n') ? text : `${text}\n`;
      if (finished) stream.write(line);
      else draw(line);
    },
    suspend() {
      suspended++;
      if (suspended > 1 || finished) return;
      stopTicking();
      stream.write(eraseFrame());
      lastFrame = '';
    },
    resume() {
      if (suspended === 0) return;
      suspended--;
      if (suspended > 0 || finished) return;
      draw('', true);
      startTicking();
    },
    async finish(outcome) {
      if (finished) return;
      state = { ...state, outcome };
      suspended = 0;
      draw('', true);
      finished = true;
      stopTicking();
      stream.off('resize', onResize);
      release();
      await new Promise<void>((resolve) => stream.write('', () => resolve()));
    },
  };

  const release = target.claim(view);
  stream.on('resize', onResize);
  draw('', true);
  startTicking();
  return view;
}
