import { resolve } from 'node:path';
import { scaffoldProject } from '../../core/init.js';
import type { Handler } from '../spec.js';

export const run: Handler = async (ctx, { args, options }) => {
  const result = scaffoldProject(
    {
      dir: resolve(ctx.cwd, (args[0] as string | undefined) ?? '.'),
      name: options.name as string | undefined,
      airflowVersion: options.airflowVersion as string | undefined,
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
