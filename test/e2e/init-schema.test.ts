/** `mwaa init` writes a `$schema` reference that points to a file that exists. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, tempDir } from '../helpers/cli.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function schemaRef(dir: string): string {
  const line = readFileSync(join(dir, 'mwaa.yaml'), 'utf8')
    .split('\n')
    .find((l) => l.includes('$schema='));
  return line!.split('$schema=')[1].trim();
}

describe('mwaa init: the $schema reference', () => {
  it('installed from a clone (no node_modules/mwaa in the project): the schema of the mwaa that ran', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const r = await spawnCli(['init'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const ref = schemaRef(dir);
    expect(isAbsolute(ref) ? ref : join(dir, ref)).toSatisfy(existsSync);
    expect(JSON.parse(readFileSync(isAbsolute(ref) ? ref : join(dir, ref), 'utf8'))).toHaveProperty('$schema');
  });

  it('mwaa installed in the project: the project-relative copy', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    mkdirSync(join(dir, 'node_modules/mwaa/schema'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/mwaa/schema/mwaa.schema.json'), '{}');
    const r = await spawnCli(['init'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(schemaRef(dir)).toBe('./node_modules/mwaa/schema/mwaa.schema.json');
  });
});
