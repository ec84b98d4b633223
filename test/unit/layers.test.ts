/**
 * The layers of docs/architecture.md hold in the tree, and the check would notice a wrong import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, layerViolations, type SourceFile } from '../helpers/layers.js';

const root = join(import.meta.dirname, '../..');

function sources(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx)$/.test(entry.name)) out.push({ path, text: readFileSync(join(root, path), 'utf8') });
  }
  return out;
}

describe('layers', () => {
  it('every file in src/ imports only what its layer may', () => {
    const files = sources('src');
    expect(files.length).toBeGreaterThan(100);
    expect(layerViolations(files)).toEqual([]);
  });

  it('catches core importing an adapter, the emulator importing core, ui importing cli', () => {
    const wrong: SourceFile[] = [
      { path: 'src/core/deploy/plan.ts', text: "import { s3Api } from '../../aws/s3.js';\n" },
      { path: 'src/core/env/x.ts', text: "import type { S3Api } from '../ports/s3.js';\nconst m = await import('../../cli/main.js');\n" },
      { path: 'src/local/s3/handler.ts', text: "import { UsageError } from '../../core/errors.js';\n" },
      { path: 'src/ui/host/plain.ts', text: "export { run } from '../../cli/run.js';\n" },
      { path: 'src/aws/s3.ts', text: "import { renderPlan } from '../ui/views/plan.js';\n" },
    ];
    expect(layerViolations(wrong)).toEqual([
      'src/core/deploy/plan.ts:1: core may not import aws (../../aws/s3.js)',
      'src/core/env/x.ts:2: core may not import cli (../../cli/main.js)',
      'src/local/s3/handler.ts:1: local may not import core (../../core/errors.js)',
      'src/ui/host/plain.ts:1: ui may not import cli (../../cli/run.js)',
      'src/aws/s3.ts:1: aws may not import ui (../ui/views/plan.js)',
    ]);
  });

  it('catches process and terminal access in core, and a runtime import of the SDK there', () => {
    const wrong: SourceFile[] = [
      { path: 'src/core/deploy/git.ts', text: "import { execFile } from 'node:child_process';\n" },
      {
        path: 'src/core/a.ts',
        text: "import { MWAAClient } from '@aws-sdk/client-mwaa';\nimport type { Environment } from '@aws-sdk/client-mwaa';\n",
      },
      { path: 'src/core/b.ts', text: '// process.env is read by cli\nconst home = process.env.HOME;\n' },
      { path: 'src/cli/ok.ts', text: "import { execFile } from 'node:child_process';\nprocess.exitCode = 1;\n" },
    ];
    expect(layerViolations(wrong)).toEqual([
      'src/core/deploy/git.ts:1: core may not use node:child_process (terminal or process access belongs in cli)',
      'src/core/a.ts:1: core may import the AWS SDK only as `import type` (@aws-sdk/client-mwaa); adapters live in src/aws',
      'src/core/b.ts:2: core may not touch the process (const home = process.env.HOME;)',
    ]);
  });

  it('reads multi-line imports, re-exports and dynamic imports', () => {
    const text =
      "import {\n  a,\n  b,\n} from './x.js';\nexport * from './y.js';\nexport type { Z } from './z.js';\nawait import('./w.js');\n";
    expect(importsOf(text).map((s) => [s.spec, s.typeOnly])).toEqual([
      ['./x.js', false],
      ['./y.js', false],
      ['./z.js', true],
      ['./w.js', false],
    ]);
  });
});
