import pLimit from 'p-limit';
import { MwaaError } from '../../../core/errors.js';
import { table } from '../../../ui/io.js';
import type { Handler } from '../../spec.js';
import type { envListCommand } from '../../specs/env.js';

export const run: Handler<typeof envListCommand> = async (ctx) => {
  // mwaa.yaml is optional here: without it (or without a chosen environment) the region comes from
  // --region / AWS_REGION / the profile.
  let requireConfig = true;
  try {
    ctx.environment();
  } catch (error) {
    if (MwaaError.is(error) && ['config.missing', 'config.env-ambiguous'].includes(error.code)) requireConfig = false;
    else throw error;
  }
  const aws = await ctx.aws({ requireConfig });
  const { mwaaApi } = await import('../../../aws/mwaa.js');
  const api = mwaaApi(await aws.mwaa());
  const names = await api.listEnvironments();
  const limit = pLimit(4);
  const rows = await Promise.all(
    names.map((name) =>
      limit(async () => {
        const env = await api.getEnvironment(name);
        return {
          name,
          status: env?.Status ?? 'DELETED',
          airflowVersion: env?.AirflowVersion,
          environmentClass: env?.EnvironmentClass,
        };
      }),
    ),
  );
  ctx.host.result({ environments: rows }, ({ environments }) =>
    environments.length === 0
      ? 'No environments in this region.'
      : table(
          [
            ['NAME', 'STATUS', 'AIRFLOW', 'CLASS'],
            ...environments.map((e) => [e.name, e.status, e.airflowVersion ?? '-', e.environmentClass ?? '-']),
          ],
          ctx.host.style,
        ),
  );
};
