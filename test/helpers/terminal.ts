/**
 * The built binary in a real pseudo-terminal, seen as a person sees it: test/helpers/run_in_pty.py runs the
 * command in a pty of a chosen size (Ctrl-C typed there reaches the command as SIGINT through the
 * terminal's line discipline), and @xterm/headless, a complete terminal emulator, renders what the
 * command writes. Tests assert on the rendered screen (`screen()`, `all()` with the scrollback) and on the
 * raw bytes (`raw()`, e.g. that no ESC[3J or colour escapes were written).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import xterm from '@xterm/headless';
import { BIN, ROOT, baseEnv } from './cli.js';

const PTY = join(ROOT, 'test', 'helpers', 'run_in_pty.py');

export interface TerminalOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** lines already on the screen before the command starts (what a person typed or saw earlier) */
  before?: string[];
  /**
   * the size the pty reports to the command when it differs from the rendered one, e.g. 0 columns as
   * some terminals report (the rendering terminal needs a real width)
   */
  reported?: { cols: number; rows: number };
}

export interface TerminalRun {
  /** types text into the terminal ("\r" is Enter) */
  type(text: string): void;
  /** Ctrl-C, typed */
  interrupt(): void;
  /** the terminal closes (its window, an SSH session): the command is hung up (SIGHUP) */
  hangUp(): void;
  /** the visible screen, one string per row, trailing spaces trimmed */
  screen(): Promise<string[]>;
  /** scrollback and screen, one string per line, trailing spaces trimmed, trailing empty lines dropped */
  all(): Promise<string[]>;
  /** every byte the command wrote, as text */
  raw(): string;
  /** resolves when the rendered screen (with the scrollback) matches; rejects after timeoutMs */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** the command's exit code (128 + signal when a signal ended it) */
  exit: Promise<number>;
}

/** Runs `mwaa <argv>` (the built bin/mwaa.cjs) in a terminal of cols × rows (default 100 × 30). */
export function runInTerminal(argv: string[], options: TerminalOptions = {}): TerminalRun {
  const cols = options.cols ?? 100;
  const rows = options.rows ?? 30;
  const term = new xterm.Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true });
  let written = Promise.resolve();
  const feed = (data: string | Uint8Array) => {
    written = written.then(() => new Promise<void>((resolve) => term.write(data, resolve)));
  };
  for (const line of options.before ?? []) feed(`${line}\r\n`);

  const env = { TERM: 'xterm-256color', ...(options.env ?? baseEnv()) };
  const reported = options.reported ?? { cols, rows };
  // -S: the helper needs only the standard library, and site's .pth files cost ~45 ms a start
  const child = spawn('python3', ['-S', PTY, String(reported.cols), String(reported.rows), process.execPath, BIN, ...argv], {
    cwd: options.cwd ?? process.cwd(),
    env: env as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  let driverErrors = '';
  child.stdout.on('data', (d: Buffer) => {
    raw += d.toString('utf8');
    feed(new Uint8Array(d));
  });
  child.stderr.on('data', (d: Buffer) => (driverErrors += d.toString('utf8')));
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (driverErrors) reject(new Error(`pty driver failed: ${driverErrors}`));
      else written.then(() => resolve(code ?? -1));
    });
  });

  const lines = async (from: 'screen' | 'all') => {
    await written;
    const buffer = term.buffer.active;
    const start = from === 'screen' ? buffer.viewportY : 0;
    const end = from === 'screen' ? buffer.viewportY + rows : buffer.length;
    const out: string[] = [];
    for (let y = start; y < end; y++) out.push((buffer.getLine(y)?.translateToString(true) ?? '').trimEnd());
    if (from === 'all') while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  };

  let exited = false;
  void exit.then(
    () => (exited = true),
    () => (exited = true),
  );

  return {
    type: (text) => child.stdin.write(text),
    interrupt: () => child.stdin.write('\x03'),
    hangUp: () => child.kill('SIGHUP'),
    screen: () => lines('screen'),
    all: () => lines('all'),
    raw: () => raw,
    exit,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = (await lines('all')).join('\n');
        if (pattern.test(text)) return;
        if (exited || Date.now() > deadline) {
          throw new Error(`the terminal never showed ${pattern}${exited ? ' (the command ended)' : ''}; it shows:\n${text}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

/** The escape character, kept out of regex literals (where it reads as a control-character mistake). */
export const ESC = '\u001b';

/** Escape sequences that erase what a person had on screen: the scrollback (ESC[3J) or the screen (ESC[2J). */
export const ERASING = new RegExp(`${ESC}\\[[23]J`);

/** SGR escapes that set a colour, bold or dim (ESC[…m with anything but a plain reset). */
export const STYLING = new RegExp(`${ESC}\\[(?!0?m)[0-9;]*m`);
