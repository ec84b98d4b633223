import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEPENDENCY_SCHEMA_REF, scaffoldProject } from '../../core/init.js';
import type { Handler } from '../spec.js';
import type { initCommand } from '../specs/core.js';

/** The schema of the mwaa that runs: the package folder above this file (src/ or dist/), then schema/. */
function installedSchema(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)), i = 0; i < 6; dir = dirname(dir), i++) {
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) continue;
    try {
      if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name !== 'mwaa') continue;
    } catch {
      continue;
    }
    const schema = join(dir, 'schema', 'mwaa.schema.json');
    return existsSync(schema) ? schema : undefined;
  }
  return undefined;
}

/**
 * Where the new mwaa.yaml's `$schema` points: the project's own node_modules copy when mwaa is a
 * dependency there, else the schema of the mwaa that runs (installed from a clone with `npm link`, the
 * README's way, there is no node_modules/mwaa in the project).
 */
function schemaRef(dir: string): string {
  if (existsSync(join(dir, DEPENDENCY_SCHEMA_REF))) return DEPENDENCY_SCHEMA_REF;
  return installedSchema() ?? DEPENDENCY_SCHEMA_REF;
}

export const run: Handler<typeof initCommand> = async (ctx, { args, options }) => {
  const dir = resolve(ctx.cwd, (args[0] as string | undefined) ?? '.');
  const result = scaffoldProject(
    {
      dir,
      schemaRef: schemaRef(dir),
      name: options.name,
      airflowVersion: options.airflowVersion,
      force: options.force === true,
    },
    ctx.host.notify,
  );
  ctx.host.result(result, (r) =>
    [
      `Created a project for Airflow ${r.airflowVersion} in ${r.dir}`,
      '',
      'Next, on the local emulator (no AWS account needed):',
      '  mwaa env create',
      '  mwaa dags push',
      '  mwaa trigger example --wait',
      '  mwaa logs example --run latest',
    ].join('\n'),
  );
};
