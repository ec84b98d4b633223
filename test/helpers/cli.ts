/**
 * Runs the CLI in-process (the same `main` that bin/mwaa.cjs runs) with captured streams, so that tests
 * assert exit codes, stdout and stderr without spawning a process. For a real process (signals, pipes)
 * use `spawnCli`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Clock } from '../../src/core/clock.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'mwaa.cjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** pretend stdout/stderr/stdin are terminals */
  tty?: boolean;
  /** text typed on stdin */
  input?: string;
  signal?: AbortSignal;
  /** the clock the CLI tells time and sleeps on (e.g. a sped-up emulator's `emu.clock`) */
  clock?: Clock;
  /** called with everything written so far, after each write (e.g. to abort once a line appeared) */
  onOutput?: (stdout: string, stderr: string) => void;
}

/** A clean environment: no AWS credentials or profile from the machine, no CI, no color. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** In-memory streams for an in-process `main`, and what has been written to stdout and stderr so far. */
export function captureStreams(): { stdout: PassThrough; stderr: PassThrough; stdin: PassThrough; out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { stdout, stderr, stdin: new PassThrough(), out: () => out, err: () => err };
}

export async function runCli(argv: string[], options: CliOptions = {}): Promise<CliResult> {
  const captured = captureStreams();
  const { stdout, stderr, stdin } = captured;
  if (options.tty) {
    Object.assign(stdout, { isTTY: true, columns: 100 });
    Object.assign(stderr, { isTTY: true, columns: 100 });
    Object.assign(stdin, { isTTY: true });
  }
  if (options.input !== undefined) stdin.end(options.input);
  const { onOutput } = options;
  if (onOutput) for (const s of [stdout, stderr]) s.on('data', () => onOutput(captured.out(), captured.err()));
  const code = await main({
    argv,
    streams: { stdout, stderr, stdin },
    env: options.env ?? baseEnv(),
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal,
    clock: options.clock,
  });
  return { code, stdout: captured.out(), stderr: captured.err() };
}

/** Spawns the built bin/mwaa.cjs (run `npm run build` first; `npm test` does). */
export function spawnCli(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: options.cwd ?? process.cwd(),
      env: (options.env ?? baseEnv()) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code: code ?? -1, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A temporary folder removed by the returned cleanup function. */
export function tempDir(prefix = 'mwaa-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
