import { it } from 'vitest';
import { baseEnv, runCli } from '../helpers/cli.js';
it('probe', async () => {
  const r = await runCli(process.env.ARGS!.split(' '), { cwd: '/tmp/i17/p1', env: baseEnv({ PYTHONPATH: '/work/wt/i17/test/fixtures/stub-airflow', MWAA_CACHE_DIR: '/tmp/i17/cache' }) });
  console.log(r.code, '\n--stdout--\n' + r.stdout, '\n--stderr--\n' + r.stderr);
}, 60000);
