/** Group help with examples, and per-command exit codes that are true for that command. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('group help', () => {
  it('`mwaa env --help` shows an example of each env command', async () => {
    const r = await runCli(['env', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Examples:$/m);
    for (const command of ['create', 'update', 'diff', 'list', 'show', 'wait', 'delete']) {
      expect(r.stdout).toMatch(new RegExp(`^  \\$ mwaa .*env ${command}\\b`, 'm'));
    }
  });

  it('`mwaa dags --help` shows an example of each dags command', async () => {
    const r = await runCli(['dags', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Examples:$/m);
    for (const command of ['push', 'diff', 'list']) expect(r.stdout).toMatch(new RegExp(`^  \\$ mwaa .*dags ${command}\\b`, 'm'));
  });
});

describe('per-command exit codes in --help', () => {
  const help = async (...path: string[]) => (await runCli([...path, '--help'])).stdout.replace(/\s+/g, ' ');

  it('env delete does not list the failed states only creates and updates end in', async () => {
    const text = await help('env', 'delete');
    expect(text).toContain('Exit codes: 0 deleted');
    expect(text).not.toMatch(/CREATE_FAILED|UPDATE_FAILED/);
    expect(text).toContain('3 the environment does not exist');
  });

  it('env create lists exit 2 for an existing environment; env wait lists exit 3', async () => {
    expect(await help('env', 'create')).toContain('2 invalid mwaa.yaml, or the environment already exists');
    expect(await help('env', 'wait')).toContain('3 the environment does not exist (without --until deleted)');
  });

  it('trigger documents the default --timeout and the paused DAG', async () => {
    const text = await help('trigger');
    // (help wraps at 80 columns in-process)
    expect(text.replace(/\s+/g, ' ')).toMatch(
      /--timeout <duration> with --wait: stop waiting after this long \(0: no limit\); exit 1 \(default: 2h\)/,
    );
    expect(text.replace(/\s+/g, ' ')).toMatch(/--poll <duration> .* \(default: 5s\)/);
    expect(text).toContain('a paused DAG is refused before anything is sent');
  });
});

describe('help for a command that does not exist', () => {
  for (const argv of [
    ['nosuch', '--help'],
    ['help', 'nosuch'],
    ['env', 'nosuch', '-h'],
    ['-e', 'dev', 'nosuch', '--help'],
  ]) {
    it(`mwaa ${argv.join(' ')}: exit 2 naming it, no help text that suggests it exists`, async () => {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: unknown command '(env )?nosuch'$/m);
      expect(r.stdout).toBe('');
    });
  }

  it('help for commands that exist still works: `mwaa help env create`, `mwaa trigger etl --help`', async () => {
    for (const argv of [
      ['help', 'env', 'create'],
      ['trigger', 'etl', '--help'],
      ['env', '--help'],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: mwaa /);
    }
  });
});
