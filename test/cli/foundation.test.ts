import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';

const ANSI = new RegExp(`${'\u001b'}\\[[0-9;]*m`);
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function project(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return dir;
}

describe('mwaa --version and --help', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists the commands that exist, examples and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: mwaa \[options\] \[command\]/);
    expect(r.stdout).toMatch(/^\s+init \[options\] \[dir\]\s+scaffold mwaa.yaml/m);
    expect(r.stdout).toMatch(/^\s+completion <shell>\s+print the shell completion script/m);
    expect(r.stdout).not.toMatch(/__complete/);
    expect(r.stdout).toMatch(/Examples:\n\s+\$ mwaa init/);
    expect(r.stdout).toMatch(/Exit codes:\n\s+0\s+success/);
    expect(r.stdout).toMatch(/^\s+5\s+deploy failed and was rolled back cleanly$/m);
    expect(r.stdout).toMatch(/--endpoint-url <url>/);
  });

  it("a command's help shows its examples and the global options", async () => {
    const r = await runCli(['init', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: mwaa init \[options\] \[dir\]/);
    expect(r.stdout).toMatch(/--airflow-version <version>/);
    expect(r.stdout).toMatch(/\$ mwaa init analytics --airflow-version 2.11.2/);
    expect(r.stdout).toMatch(/Global Options:[\s\S]*--json/);
  });
});

describe('usage errors', () => {
  it('an unknown command suggests the closest one and exits 2', async () => {
    const r = await runCli(['intt']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/unknown command 'intt'/);
    expect(r.stderr).toMatch(/Did you mean init\?/);
  });

  it('an unknown option suggests the closest one and exits 2', async () => {
    const r = await runCli(['init', '--forse']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--forse'/);
    expect(r.stderr).toMatch(/Did you mean --force\?/);
  });

  it('a bad choice for --output exits 2', async () => {
    const r = await runCli(['-o', 'yaml', 'init']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'yaml' is invalid. Allowed choices are text, json/);
  });

  it('a missing argument exits 2', async () => {
    const r = await runCli(['completion']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 'shell'/);
  });
});

describe('mwaa init', () => {
  it('scaffolds a project whose mwaa.yaml is valid and whose requirements pin the constraint', async () => {
    const dir = project();
    const r = await runCli(['init', '--name', 'demo'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Created a project for Airflow 2.10.3/);
    expect(r.stderr).toMatch(/created mwaa.yaml/);
    for (const file of ['mwaa.yaml', 'dags/example.py', 'plugins/README.md', 'requirements.txt', '.mwaaignore']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readFileSync(join(dir, 'requirements.txt'), 'utf8')).toContain(
      '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"',
    );
    // the generated file is accepted by the loader: completion of env keys reads it
    const keys = await runCli(['__complete', 'envs'], { cwd: join(dir, 'dags') });
    expect(keys.stdout.trim()).toBe('local');
  });

  it('makes git ignore .mwaa/: a new .gitignore, a line added to an existing one, nothing when it is there', async () => {
    const fresh = project();
    expect((await runCli(['init'], { cwd: fresh })).code).toBe(0);
    expect(readFileSync(join(fresh, '.gitignore'), 'utf8')).toMatch(/^\.mwaa\/$/m);

    const own = project();
    writeFileSync(join(own, '.gitignore'), 'node_modules/\n*.log');
    const r = await runCli(['init', '--json'], { cwd: own });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).gitignore).toBe('appended');
    const text = readFileSync(join(own, '.gitignore'), 'utf8');
    expect(text.startsWith('node_modules/\n*.log\n')).toBe(true);
    expect(text.split('\n').filter((l) => l === '.mwaa/')).toHaveLength(1);

    // already ignored: left as it is (`init --force` again)
    const again = await runCli(['init', '--force', '--json'], { cwd: own });
    expect(JSON.parse(again.stdout).gitignore).toBe('unchanged');
    expect(readFileSync(join(own, '.gitignore'), 'utf8')).toBe(text);
  });

  it('uses the Python version of the chosen Airflow version', async () => {
    const dir = project();
    const r = await runCli(['init', '--airflow-version', '3.3.1'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'requirements.txt'), 'utf8')).toContain('constraints-3.3.1/constraints-3.12.txt');
    expect(readFileSync(join(dir, 'mwaa.yaml'), 'utf8')).toContain('airflowVersion: "3.3.1"');
  });

  it('refuses to overwrite existing files, changes nothing, and names them', async () => {
    const dir = project();
    writeFileSync(join(dir, 'requirements.txt'), 'pandas==2.2.0\n');
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: refusing to overwrite requirements.txt in /);
    expect(r.stderr).toMatch(/hint: pass --force/);
    expect(readFileSync(join(dir, 'requirements.txt'), 'utf8')).toBe('pandas==2.2.0\n');
    expect(existsSync(join(dir, 'mwaa.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'dags'))).toBe(false);
  });

  it('--force overwrites', async () => {
    const dir = project();
    writeFileSync(join(dir, 'requirements.txt'), 'pandas==2.2.0\n');
    const r = await runCli(['init', '--force'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'requirements.txt'), 'utf8')).toMatch(/^# Python packages/);
  });

  it('rejects an Airflow version MWAA does not offer', async () => {
    const dir = project();
    const r = await runCli(['init', '--airflow-version', '1.10.12'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Airflow 1.10.12 is not offered by MWAA/);
    expect(r.stderr).toMatch(/hint: choose one of: 3.3.1, 3.2.1/);
    expect(existsSync(join(dir, 'mwaa.yaml'))).toBe(false);
  });
});

describe('output: JSON vs text, colors', () => {
  it('--json prints one JSON document and no decoration on stdout', async () => {
    const dir = project();
    const r = await runCli(['init', '--json', '--name', 'demo'], { cwd: dir });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ name: 'demo', airflowVersion: '2.10.3', overwritten: [] });
    expect(doc.written).toContain('mwaa.yaml');
    // progress events are NDJSON on stderr
    const events = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ code: 'init.file.written', level: 'info' });
  });

  it('-o json is the same as --json', async () => {
    const dir = project();
    const r = await runCli(['-o', 'json', 'init'], { cwd: dir });
    expect(JSON.parse(r.stdout).airflowVersion).toBe('2.10.3');
  });

  it('errors are JSON with --json, with the exit code', async () => {
    const dir = project();
    writeFileSync(join(dir, 'mwaa.yaml'), 'x');
    const r = await runCli(['init', '--json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'init.exists', exitCode: 2 } });
  });

  it('no colors when not a terminal, when NO_COLOR is set, or with --no-color', async () => {
    const dir = project();
    writeFileSync(join(dir, 'mwaa.yaml'), 'x');
    const piped = await runCli(['init'], { cwd: dir, env: baseEnv() });
    expect(piped.stderr).not.toMatch(ANSI);
    const noColor = await runCli(['init'], { cwd: dir, env: baseEnv({ NO_COLOR: '1' }), tty: true });
    expect(noColor.stderr).not.toMatch(ANSI);
    const flag = await runCli(['init', '--no-color'], { cwd: dir, tty: true });
    expect(flag.stderr).not.toMatch(ANSI);
    const tty = await runCli(['init'], { cwd: dir, tty: true });
    expect(tty.stderr).toMatch(ANSI);
    expect(tty.stderr).toMatch(/error:.*refusing to overwrite/);
  });

  it('--debug adds the stack of the error; without it there is none', async () => {
    const dir = project();
    writeFileSync(join(dir, 'mwaa.yaml'), 'x');
    const plain = await runCli(['init'], { cwd: dir });
    expect(plain.stderr).not.toMatch(/stack:|\bat /);
    const debug = await runCli(['init', '--debug'], { cwd: dir });
    expect(debug.stderr).toMatch(/stack:\n\s+at /);
  });
});

describe('the root help lists commands the same way whether or not they are declared in full', () => {
  it("stub listing terms equal commander's own for fully declared commands", async () => {
    const { buildProgram } = await import('../../src/cli/program.js');
    const { COMMANDS } = await import('../../src/cli/registry.js');
    const help = (argv: string[]) => {
      let out = '';
      const program = buildProgram({ argv, write: { out: (t) => (out += t), err: () => {} }, dispatch: async () => {}, color: false });
      out = program.helpInformation();
      return out;
    };
    const everything = [...new Set(COMMANDS.map((c) => c.path[0]))];
    expect(help([])).toBe(help(everything));
    expect(help([])).toMatch(/^\s+trigger \[options\] <dag>/m);
  });
});

describe('an invalid mwaa.yaml stops any command before it calls AWS', () => {
  const cases: Array<[string, string]> = [
    ['environments:\n  dev:\n    name: [unclosed\n', 'mwaa.yaml:4:1: invalid YAML'],
    [
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      minWorkers: 0\n',
      'mwaa.yaml:6:19: environments.dev.environment.minWorkers: minWorkers must be at least 1',
    ],
    [
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      minWorker: 1\n',
      'mwaa.yaml:6:7: environments.dev.environment.minWorker: unknown field "minWorker"',
    ],
    ['environments:\n  dev:\n    name: dev\n', 'mwaa.yaml:3:5: environments.dev.bucket: a source bucket is required (or set local: true)'],
  ];
  it.each(cases)('%#: exit 2, file:line:column and the rule, nothing created', async (yaml, expected) => {
    const dir = project();
    writeFileSync(join(dir, 'mwaa.yaml'), yaml);
    for (const argv of [
      ['env', 'show'],
      ['dags', 'diff'],
      ['logs', 'x'],
    ]) {
      // the endpoint is closed: reaching it would fail differently (exit 1), so exit 2 proves no call was made
      const r = await runCli(['--endpoint-url', 'http://127.0.0.1:9', ...argv], { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain(`error: ${join(dir, expected)}`);
      expect(r.stderr).toMatch(/hint: /);
    }
    expect(existsSync(join(dir, '.mwaa'))).toBe(false);
  });
});

describe('--json errors', () => {
  it('go to stdout as one {"error"} line; stderr stays NDJSON-only for a script, readable for a person', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const piped = await runCli(['--json', 'env', 'show'], { cwd: dir });
      expect(piped.code).toBe(2);
      expect(JSON.parse(piped.stdout).error).toMatchObject({ code: 'config.missing', exitCode: 2 });
      for (const line of piped.stderr.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
      const atTerminal = await runCli(['--json', '--no-color', 'env', 'show'], { cwd: dir, tty: true });
      expect(atTerminal.code).toBe(2);
      expect(atTerminal.stderr).toMatch(/^error: no mwaa\.yaml found/m);
    } finally {
      cleanup();
    }
  });
});
