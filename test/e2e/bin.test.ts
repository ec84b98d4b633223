import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { ROOT, spawnCli } from '../helpers/cli.js';

// These run the built bin/mwaa.cjs (`npm test` builds first).
const built = existsSync(join(ROOT, 'dist', 'main.cjs'));

describe.skipIf(!built)('the built mwaa binary', () => {
  it('--version prints the version and exits 0', async () => {
    const r = await spawnCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown command exits 2 with a suggestion', async () => {
    const r = await spawnCli(['complettion']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Did you mean completion\?/);
  });

  it('start-up loads neither the AWS SDK nor ink/React (static imports of the entry chunk)', () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }>; entryPoint?: string }>;
    };
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const imp of meta.outputs[file]?.imports ?? []) {
        if (imp.kind === 'import-statement') {
          if (imp.external) seen.add(imp.path);
          else visit(imp.path);
        }
      }
    };
    visit('dist/main.cjs');
    const heavy = [...seen].filter((p) => /@aws-sdk|@smithy|^ink|^react|yoga|^ora$/.test(p));
    expect(heavy).toEqual([]);
  });
});
