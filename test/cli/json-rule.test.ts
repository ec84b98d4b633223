/**
 * The one `--json` rule, checked for every command of the registry against the local emulator: a
 * command that ends prints one JSON document on stdout; a streaming command prints one JSON object per
 * line on stdout; whatever goes to stderr is NDJSON. A command added to the registry without a line in
 * this table fails the first test.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/registry.js';
import { baseEnv, runCli, type CliOptions, type CliResult } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

interface Case {
  /** the command's path in the registry, e.g. "env create" */
  command: string;
  /** the representative invocation (--json is added) */
  argv: string[];
  /** records on stdout, one JSON object per line */
  streaming?: boolean;
  /** run in this folder instead of the project */
  cwd?: () => string;
  /** stop the command after this many milliseconds (a server) */
  /** Ctrl-C once stdout has a whole line (a long-running command: its first record is out) */
  stopAfterFirstLine?: boolean;
  /** run before the command */
  before?: () => Promise<void>;
}

let root: string;
let project: string;
let elsewhere: string;
let emu: TestEmulator | undefined;

/** In the order they run: each command finds what the ones before it made. */
const CASES: Case[] = [
  { command: 'init', argv: ['init', '--name', 'jsonrule'] },
  { command: 'completion', argv: ['completion', 'bash'] },
  { command: '__complete', argv: ['__complete', 'envs'] },
  { command: 'check', argv: ['check'] },
  { command: 'env diff', argv: ['env', 'diff'] },
  { command: 'env create', argv: ['env', 'create'] },
  { command: 'env list', argv: ['env', 'list'] },
  { command: 'env show', argv: ['env', 'show'] },
  { command: 'env wait', argv: ['env', 'wait'] },
  { command: 'env update', argv: ['env', 'update', '--yes'] },
  { command: 'dags diff', argv: ['dags', 'diff'] },
  { command: 'dags push', argv: ['dags', 'push', '--yes'] },
  { command: 'dags list', argv: ['dags', 'list'] },
  { command: 'dags pause', argv: ['dags', 'pause', 'example'] },
  { command: 'dags unpause', argv: ['dags', 'unpause', 'example'] },
  { command: 'api', argv: ['api', '/dags/example'] },
  { command: 'releases list', argv: ['releases', 'list'] },
  { command: 'releases show', argv: ['releases', 'show', 'current'] },
  { command: 'trigger', argv: ['trigger', 'example', '--wait', '--poll', '100ms', '--timeout', '1m'], streaming: true },
  { command: 'logs', argv: ['logs', 'example', '--run', 'latest'], streaming: true },
  { command: 'airflow', argv: ['airflow', 'dags', 'list'] },
  { command: 'open', argv: ['open', '--print'] },
  {
    command: 'rollback',
    argv: ['rollback', 'previous', '--yes'],
    before: async () => {
      // a second release to roll back from
      const file = join(project, 'dags', 'example.py');
      writeFileSync(file, `${readFileSync(file, 'utf8')}\n# changed\n`);
      const r = await mwaa(['--json', 'dags', 'push', '--yes']);
      expect(r.code, r.stderr).toBe(0);
    },
  },
  { command: 'recover', argv: ['recover'] },
  { command: 'env delete', argv: ['env', 'delete', '--yes'] },
  { command: 'local start', argv: ['local', 'start', '--port', '0'], streaming: true, cwd: () => elsewhere, stopAfterFirstLine: true },
];

function mwaa(argv: string[], options: Pick<CliOptions, 'cwd' | 'signal' | 'onOutput'> = {}): Promise<CliResult> {
  return runCli(argv, { ...options, cwd: options.cwd ?? project, env: baseEnv(), clock: emu?.clock });
}

function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mwaa-json-rule-'));
  project = join(root, 'project');
  elsewhere = join(root, 'elsewhere');
});

afterAll(async () => {
  await emu?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the --json rule', () => {
  it('every command of the registry has a representative invocation here', () => {
    const registered = COMMANDS.map((c) => c.path.join(' ')).sort();
    expect(CASES.map((c) => c.command).sort()).toEqual(registered);
  });

  it.each(CASES.map((c) => [c.command, c] as const))(
    '%s',
    async (_name, c) => {
      if (c.command === 'init') {
        const r = await mwaa(['--json', ...c.argv, project], { cwd: root });
        checkRule(c, r);
        // the project's local environment: a server on its state folder, with short simulated durations
        // (20× real time; the in-process CLI runs on its clock)
        emu = await startTestEmulator({
          stateDir: join(project, '.mwaa', 'local'),
          speed: 20,
          sim: { createSeconds: 5, updateSeconds: 5, deleteSeconds: 5, taskSeconds: 2 },
        });
        return;
      }
      await c.before?.();
      const stop = c.stopAfterFirstLine ? new AbortController() : undefined;
      const onOutput = stop ? (out: string) => out.includes('\n') && stop.abort() : undefined;
      if (c.cwd) mkdirSync(c.cwd(), { recursive: true });
      const r = await mwaa(['--json', '--local', ...c.argv], { cwd: c.cwd?.(), signal: stop?.signal, onOutput });
      checkRule(c, r);
    },
    60_000,
  );
});

function checkRule(c: Case, r: CliResult): void {
  expect(r.code, `${c.command}: ${r.stdout}\n${r.stderr}`).toBe(0);
  if (c.streaming) {
    const lines = nonEmptyLines(r.stdout);
    expect(lines.length, `${c.command} printed no records`).toBeGreaterThan(0);
    for (const line of lines) expect(isObject(JSON.parse(line)), line).toBe(true);
  } else {
    expect(() => JSON.parse(r.stdout), `${c.command} stdout: ${r.stdout}`).not.toThrow();
  }
  for (const line of nonEmptyLines(r.stderr)) {
    let parsed: unknown;
    expect(() => (parsed = JSON.parse(line)), `${c.command} stderr: ${line}`).not.toThrow();
    expect(isObject(parsed), line).toBe(true);
  }
}
