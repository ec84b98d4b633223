import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completionScript, SHELLS } from '../../src/cli/completion/generate.js';
import { GLOBAL_OPTIONS } from '../../src/cli/globals.js';
import { COMMANDS, GROUPS } from '../../src/cli/registry.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

describe('shell completions', () => {
  it.each(SHELLS)('completions/mwaa.%s is up to date with the command registry', (shell) => {
    const committed = readFileSync(join(ROOT, 'completions', `mwaa.${shell}`), 'utf8');
    const generated = completionScript(shell, COMMANDS, GROUPS, GLOBAL_OPTIONS);
    // On failure: run `npm run build && npm run completions` and commit the result.
    expect(committed).toBe(generated);
  });

  it('`mwaa completion <shell>` prints the same script', async () => {
    const r = await runCli(['completion', 'fish']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(completionScript('fish', COMMANDS, GROUPS, GLOBAL_OPTIONS));
  });

  it('an unknown shell is a usage error', async () => {
    const r = await runCli(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish/);
  });

  const has = (shell: string) => spawnSync(shell, ['--version']).status === 0;
  const hasBash = has('bash');

  it.skipIf(!has('zsh'))('the zsh script is valid zsh', () => {
    const r = spawnSync('zsh', ['-n', join(ROOT, 'completions', 'mwaa.zsh')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!has('fish'))('fish completes commands and options from the script', () => {
    const script = join(ROOT, 'completions', 'mwaa.fish');
    const run = (line: string) =>
      execFileSync('fish', ['--no-config', '-c', `source ${script}; complete -C ${JSON.stringify(line)}`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    expect(run('mwaa ')).toEqual(expect.arrayContaining(['init', 'completion']));
    expect(run('mwaa completion ')).toEqual(expect.arrayContaining(['bash', 'zsh', 'fish']));
    expect(run('mwaa init --fo')).toEqual(['--force']);
  });

  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  /** Runs the bash completion function for a command line and returns the candidates. */
  function complete(line: string): string[] {
    const words = line.split(' ');
    const script = `
      mwaa() { if [ "$1" = __complete ]; then printf 'dev\\nprod\\n'; fi; }
      source ${JSON.stringify(join(ROOT, 'completions', 'mwaa.bash'))}
      COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')})
      COMP_CWORD=${words.length - 1}
      _mwaa
      printf '%s\\n' "\${COMPREPLY[@]}"`;
    writeFileSync(join(dir, 'c.sh'), script);
    return execFileSync('bash', [join(dir, 'c.sh')], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  }

  it.skipIf(!hasBash)('bash completes commands, options, choices and environment keys', () => {
    const top = complete('mwaa ');
    for (const c of COMMANDS.filter((c) => !c.hidden)) expect(top).toContain(c.path[0]);
    expect(top).not.toContain('__complete');
    expect(complete('mwaa completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('mwaa init --fo')).toEqual(['--force']);
    expect(complete('mwaa -o ')).toEqual(['text', 'json']);
    expect(complete('mwaa -e ')).toEqual(['dev', 'prod']);
    expect(complete('mwaa --env p')).toEqual(['prod']);
    // a global option's value is not mistaken for a command
    expect(complete('mwaa -e dev completion ')).toEqual(['bash', 'zsh', 'fish']);
  });
});
