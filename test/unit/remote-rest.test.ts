/**
 * The REST transport: the v1/v2 request shapes and field names (rest-api.ts), RestAirflow against a
 * scripted InvokeRestApi that answers like Airflow 2 (API v1) or Airflow 3 (API v2), trigger/wait on
 * REST, the call spacing, and the fallback to the CLI token.
 */
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/clock.js';
import type { RestAnswer, RestRequest } from '../../src/core/ports/mwaa.js';
import { AuthError, FailedError, MwaaError } from '../../src/core/errors.js';
import { recordEvents } from '../../src/core/events.js';
import type { AirflowOps } from '../../src/core/remote/airflow.js';
import { parseAirflowVersion } from '../../src/core/remote/commands.js';
import {
  parseDagsPage,
  parseImportErrorsPage,
  parseTaskInstances,
  problemDetail,
  runCall,
  supportsInvokeRestApi,
  taskInstancesCall,
  triggerCall,
} from '../../src/core/remote/rest-api.js';
import { RestAirflow } from '../../src/core/remote/rest.js';
import { triggerDag, waitForRun } from '../../src/core/remote/trigger.js';
import { FallbackAirflow, initialTransport, parseTransport } from '../../src/core/remote/transport.js';

const v2 = parseAirflowVersion('2.10.3');
const v3 = parseAirflowVersion('3.0.6');
const RUN_ID = 'manual__2024-11-05T10:00:00.123456+00:00';

function scripted(answer: (r: RestRequest, n: number) => RestAnswer) {
  const calls: RestRequest[] = [];
  return {
    calls,
    invoke: async (r: RestRequest) => {
      calls.push(r);
      return answer(r, calls.length);
    },
  };
}

async function caught(p: Promise<unknown>): Promise<MwaaError> {
  try {
    await p;
  } catch (error) {
    if (MwaaError.is(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('rest-api: v1 (Airflow 2) and v2 (Airflow 3) shapes', () => {
  it('InvokeRestApi is there from Airflow 2.4.3 on', () => {
    expect(supportsInvokeRestApi(parseAirflowVersion('2.4.2'))).toBe(false);
    expect(supportsInvokeRestApi(parseAirflowVersion('2.2.2'))).toBe(false);
    expect(supportsInvokeRestApi(parseAirflowVersion('2.4.3'))).toBe(true);
    expect(supportsInvokeRestApi(parseAirflowVersion('2.10.3'))).toBe(true);
    expect(supportsInvokeRestApi(parseAirflowVersion('3.0.6'))).toBe(true);
  });

  it('triggers with no date on v1 and logical_date null on v2; never execution_date', () => {
    const one = triggerCall('v1', { dagId: 'etl', conf: { a: 1 } });
    expect(one).toEqual({ path: '/dags/etl/dagRuns', method: 'POST', body: { conf: { a: 1 } } });
    const two = triggerCall('v2', { dagId: 'etl', runId: 'r1' });
    expect(two.body).toEqual({ conf: {}, dag_run_id: 'r1', logical_date: null });
    expect(JSON.stringify([one, two])).not.toContain('execution_date');
  });

  it("reads a run by its own path when it fits in 64 characters, else from the DAG's runs filtered by date", () => {
    expect(runCall('v1', { dagId: 'etl', runId: 'r1' })).toEqual({ path: '/dags/etl/dagRuns/r1', method: 'GET' });
    const long1 = runCall('v1', { dagId: 'etl', runId: RUN_ID, logicalDate: '2024-11-05T10:00:00.123456+00:00' });
    expect(long1).toEqual({
      path: '/dags/etl/dagRuns',
      method: 'GET',
      query: { execution_date_gte: '2024-11-05T10:00:00.123456+00:00', execution_date_lte: '2024-11-05T10:00:00.123456+00:00', limit: 100 },
    });
    const long2 = runCall('v2', { dagId: 'etl', runId: RUN_ID, runAfter: '2024-11-05T10:00:00.1Z' });
    expect(long2.query).toEqual({ run_after_gte: '2024-11-05T10:00:00.1Z', run_after_lte: '2024-11-05T10:00:00.1Z', limit: 100 });
    const both = runCall('v2', { dagId: 'etl', runId: RUN_ID, logicalDate: 'L', runAfter: 'A' });
    expect(both.query).toMatchObject({ logical_date_gte: 'L', logical_date_lte: 'L' });
    const longDag = runCall('v1', { dagId: 'd'.repeat(60), runId: RUN_ID, logicalDate: 'D' });
    expect(longDag).toMatchObject({
      path: '/dags/~/dagRuns/list',
      method: 'POST',
      body: { dag_ids: ['d'.repeat(60)], execution_date_gte: 'D' },
    });
  });

  it("lists task instances by the run's own path when it fits, else the batch endpoint: by run id on v2, by execution date on v1", () => {
    expect(taskInstancesCall('v1', { dagId: 'etl', runId: 'r1' })).toEqual({
      path: '/dags/etl/dagRuns/r1/taskInstances',
      method: 'GET',
      query: { limit: 100 },
    });
    expect(taskInstancesCall('v2', { dagId: 'etl', runId: RUN_ID })).toMatchObject({
      path: '/dags/~/dagRuns/~/taskInstances/list',
      method: 'POST',
      body: { dag_ids: ['etl'], dag_run_ids: [RUN_ID] },
    });
    const v1call = taskInstancesCall('v1', { dagId: 'etl', runId: RUN_ID, logicalDate: 'D' });
    expect(v1call.body).toEqual({ dag_ids: ['etl'], execution_date_gte: 'D', execution_date_lte: 'D' });
  });

  it('parses the DAGs of v1 (schedule_interval object, tags) and v2 (timetable_summary, bundle_name)', () => {
    const one = parseDagsPage({
      dags: [
        {
          dag_id: 'etl',
          is_paused: true,
          owners: ['data'],
          fileloc: '/dags/etl.py',
          schedule_interval: { __type: 'CronExpression', value: '0 * * * *' },
          tags: [{ name: 'prod' }],
        },
      ],
      total_entries: 1,
    });
    expect(one).toEqual({
      dags: [{ dagId: 'etl', paused: true, owners: ['data'], fileloc: '/dags/etl.py', schedule: '0 * * * *', tags: ['prod'] }],
      total: 1,
    });
    const two = parseDagsPage({
      dags: [
        {
          dag_id: 'etl',
          is_paused: false,
          owners: ['a'],
          fileloc: '/f.py',
          timetable_summary: '@daily',
          tags: [{ name: 't', dag_id: 'etl' }],
          bundle_name: 'dags-folder',
        },
      ],
      total_entries: 3,
    });
    expect(two.dags[0]).toMatchObject({ dagId: 'etl', paused: false, schedule: '@daily', tags: ['t'], bundle: 'dags-folder' });
    expect(two.total).toBe(3);
  });

  it('parses import errors and task instances of either version', () => {
    expect(
      parseImportErrorsPage({
        import_errors: [{ import_error_id: 1, filename: '/dags/bad.py', stack_trace: 'SyntaxError', bundle_name: 'b' }],
        total_entries: 1,
      }).errors,
    ).toEqual([{ filepath: '/dags/bad.py', error: 'SyntaxError', bundle: 'b' }]);
    const tasks = parseTaskInstances(
      {
        task_instances: [
          {
            task_id: 'extract',
            dag_run_id: RUN_ID,
            state: 'success',
            map_index: -1,
            start_date: '2024-11-05T10:00:01+00:00',
            end_date: '2024-11-05T10:00:03+00:00',
          },
          { task_id: 'load', dag_run_id: RUN_ID, state: null, map_index: 2 },
          { task_id: 'other_run', dag_run_id: 'someone_else', state: 'failed' },
        ],
      },
      RUN_ID,
    );
    expect(tasks.map((t) => [t.taskId, t.state, t.mapIndex])).toEqual([
      ['extract', 'success', undefined],
      ['load', 'none', 2],
    ]);
    expect(tasks[0].endDate! - tasks[0].startDate!).toBe(2000);
  });

  it('shows the problem detail of v1 (title/detail) and v2 (detail list)', () => {
    expect(problemDetail({ title: 'DAG not found', detail: 'DAG with dag_id: x not found', status: 404 })).toBe(
      'DAG not found: DAG with dag_id: x not found',
    );
    expect(problemDetail({ detail: [{ msg: 'Field required', loc: ['body', 'logical_date'] }] })).toBe('Field required');
  });
});

describe('RestAirflow', () => {
  it('pages through the DAG list by total_entries and asks whether any file failed to import', async () => {
    const api = scripted((r) => {
      if (r.path === '/importErrors')
        return { status: 200, body: { import_errors: [{ filename: 'x', stack_trace: 'y' }], total_entries: 4 } };
      const offset = Number(r.query?.offset);
      const count = offset === 0 ? 100 : 30;
      return {
        status: 200,
        body: { dags: Array.from({ length: count }, (_, i) => ({ dag_id: `d${offset + i}`, is_paused: false })), total_entries: 130 },
      };
    });
    const rest = new RestAirflow({ invoke: api.invoke, envName: 'demo', version: v2, clock: fakeClock() });
    const listing = await rest.listDags();
    expect(listing.dags).toHaveLength(130);
    expect(listing.importErrors).toBe(true);
    expect(api.calls.map((c) => `${c.method} ${c.path} ${c.query?.offset}`)).toEqual([
      'GET /dags 0',
      'GET /dags 100',
      'GET /importErrors 0',
    ]);
    expect(api.calls.every((c) => c.name === 'demo')).toBe(true);
  });

  it('starts at most one call per 100 ms (MWAA allows about 10 a second)', async () => {
    const clock = fakeClock();
    const starts: number[] = [];
    const rest = new RestAirflow({
      invoke: async () => {
        starts.push(clock.now());
        return { status: 200, body: { dags: [], total_entries: 0 } };
      },
      envName: 'demo',
      version: v2,
      clock,
    });
    await Promise.all([rest.listDags(), rest.listDags(), rest.pause('etl')]);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(100);
  });

  it('pauses and unpauses with PATCH is_paused; an unknown DAG is exit 3', async () => {
    const api = scripted((r) =>
      r.path === '/dags/nope'
        ? { status: 404, body: { title: 'DAG not found', status: 404 } }
        : { status: 200, body: { dag_id: 'etl', is_paused: true } },
    );
    const rest = new RestAirflow({ invoke: api.invoke, envName: 'demo', version: v3, clock: fakeClock() });
    await rest.pause('etl');
    await rest.unpause('etl');
    expect(api.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['PATCH', '/dags/etl', { is_paused: true }],
      ['PATCH', '/dags/etl', { is_paused: false }],
    ]);
    expect((await caught(rest.pause('nope'))).exitCode).toBe(3);
  });

  it('a 404 from a listing (an endpoint Airflow lacks) is exit 1, not "not found"', async () => {
    const rest = new RestAirflow({
      invoke: async () => ({ status: 404, body: { title: 'Not Found' } }),
      envName: 'demo',
      version: v2,
      clock: fakeClock(),
    });
    const e = await caught(rest.taskStates('etl', RUN_ID));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('404');
  });

  it('an Airflow 403 (the Airflow role may not) is exit 4; a 500 is exit 1 with the detail', async () => {
    let status = 403;
    const rest = new RestAirflow({
      invoke: async () => ({ status, body: { title: 'Forbidden', detail: 'no permission' } }),
      envName: 'demo',
      version: v2,
      clock: fakeClock(),
    });
    expect((await caught(rest.pause('etl'))).exitCode).toBe(4);
    status = 500;
    const e = await caught(rest.pause('etl'));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('Forbidden: no permission');
  });

  for (const [label, version] of [
    ['Airflow 2 (API v1)', v2],
    ['Airflow 3 (API v2)', v3],
  ] as const) {
    it(`${label}: trigger --wait follows the run and its task instances to a failed task`, async () => {
      let polls = 0;
      const api = scripted((r) => {
        if (r.path === '/dags') return { status: 200, body: { dags: [{ dag_id: 'etl', is_paused: false }], total_entries: 1 } };
        if (r.path === '/importErrors') return { status: 200, body: { import_errors: [], total_entries: 0 } };
        if (r.path === '/dags/etl/dagRuns' && r.method === 'POST') {
          return {
            status: 200,
            body:
              version === v3
                ? { dag_run_id: RUN_ID, dag_id: 'etl', logical_date: null, run_after: '2024-11-05T10:00:00.123456Z', state: 'queued' }
                : {
                    dag_run_id: RUN_ID,
                    dag_id: 'etl',
                    execution_date: '2024-11-05T10:00:00.123456+00:00',
                    logical_date: '2024-11-05T10:00:00.123456+00:00',
                    state: 'queued',
                  },
          };
        }
        if (r.path === '/dags/etl/dagRuns' && r.method === 'GET') {
          polls++;
          return {
            status: 200,
            body: { dag_runs: [{ dag_run_id: RUN_ID, dag_id: 'etl', state: polls < 3 ? 'running' : 'failed' }], total_entries: 1 },
          };
        }
        if (r.path === '/dags/~/dagRuns/~/taskInstances/list') {
          return {
            status: 200,
            body: {
              task_instances: [
                {
                  task_id: 'extract',
                  dag_run_id: RUN_ID,
                  state: 'success',
                  map_index: -1,
                  start_date: '2024-11-05T10:00:01Z',
                  end_date: '2024-11-05T10:00:02Z',
                },
                {
                  task_id: 'load',
                  dag_run_id: RUN_ID,
                  state: polls < 3 ? 'running' : 'failed',
                  map_index: -1,
                  start_date: '2024-11-05T10:00:02Z',
                  ...(polls < 3 ? {} : { end_date: '2024-11-05T10:00:04Z' }),
                },
              ],
            },
          };
        }
        return { status: 404, body: { title: 'Not Found' } };
      });
      const clock = fakeClock();
      const rest = new RestAirflow({ invoke: api.invoke, envName: 'demo', version, clock });
      const { sink, events } = recordEvents();
      const run = await triggerDag(rest, { dagId: 'etl', unpause: false, conf: { text: '{"a":1}', value: { a: 1 } } }, sink, { clock });
      expect(run.runId).toBe(RUN_ID);
      const post = api.calls.find((c) => c.method === 'POST' && c.path === '/dags/etl/dagRuns')!;
      expect(post.body).toEqual(version === v3 ? { conf: { a: 1 }, logical_date: null } : { conf: { a: 1 } });
      const outcome = await waitForRun(rest, run, { clock, pollMs: 1000, events: sink });
      expect(outcome).toMatchObject({ state: 'failed', succeeded: false });
      expect(outcome.tasks.filter((t) => t.state === 'failed').map((t) => t.taskId)).toEqual(['load']);
      expect(events.filter((e) => e.code === 'trigger.task.state').map((e) => e.message)).toContain('load: failed (2s)');
      const runQuery = api.calls.find((c) => c.path === '/dags/etl/dagRuns' && c.method === 'GET')!.query as Record<string, unknown>;
      if (version === v3) expect(runQuery).toMatchObject({ run_after_gte: '2024-11-05T10:00:00.123456Z' });
      else expect(runQuery).toMatchObject({ execution_date_gte: '2024-11-05T10:00:00.123456+00:00' });
      expect(api.calls.every((c) => c.path.length <= 64)).toBe(true);
    });
  }

  it('an unknown DAG is exit 3 on REST as on the CLI', async () => {
    const api = scripted((r) =>
      r.path === '/dags'
        ? { status: 200, body: { dags: [{ dag_id: 'etl', is_paused: false }], total_entries: 1 } }
        : { status: 200, body: { import_errors: [], total_entries: 0 } },
    );
    const e = await caught(
      triggerDag(new RestAirflow({ invoke: api.invoke, envName: 'demo', version: v2, clock: fakeClock() }), {
        dagId: 'elt',
        unpause: false,
      }),
    );
    expect(e.exitCode).toBe(3);
    expect(e.code).toBe('trigger.dag-not-found');
    expect(e.hint).toContain('"etl"');
  });

  it('a run id that exists (409) is trigger.run-exists, exit 1', async () => {
    const api = scripted(() => ({
      status: 409,
      body: { title: 'Conflict', detail: 'DAGRun with DAG ID: etl and DAGRun ID: r1 already exists' },
    }));
    const e = await caught(
      new RestAirflow({ invoke: api.invoke, envName: 'demo', version: v3, clock: fakeClock() }).trigger({ dagId: 'etl', runId: 'r1' }),
    );
    expect(e.code).toBe('trigger.run-exists');
    expect(e.exitCode).toBe(1);
  });
});

describe('transport choice and fallback', () => {
  it('REST with fallback by default from Airflow 2.4.3; the CLI below; a forced choice has no fallback', () => {
    expect(initialTransport(undefined, v2)).toEqual({ transport: 'rest', fallback: true });
    expect(initialTransport(undefined, parseAirflowVersion('2.4.2'))).toEqual({ transport: 'cli', fallback: false });
    expect(initialTransport('rest', parseAirflowVersion('2.4.2'))).toEqual({ transport: 'rest', fallback: false });
    expect(initialTransport('cli', v3)).toEqual({ transport: 'cli', fallback: false });
    expect(parseTransport(undefined)).toBeUndefined();
    expect(parseTransport('cli')).toBe('cli');
    expect(() => parseTransport('grpc')).toThrow(/rest or cli/);
  });

  const fakeOps = (transport: 'rest' | 'cli', fail?: () => Error): AirflowOps & { calls: string[] } => {
    const calls: string[] = [];
    const op = async <T>(name: string, value: T): Promise<T> => {
      calls.push(name);
      if (fail) throw fail();
      return value;
    };
    return {
      calls,
      transport,
      version: v2,
      listDags: () => op('listDags', { dags: [], importErrors: false, warnings: [] }),
      importErrors: () => op('importErrors', []),
      trigger: () => op('trigger', { dagId: 'etl', runId: 'r', state: 'queued' }),
      pause: () => op('pause', undefined),
      unpause: () => op('unpause', undefined),
      runState: () => op('runState', { state: 'running' }),
      taskStates: () => op('taskStates', []),
      runUrl: () => transport,
    };
  };

  for (const [why, error] of [
    ['AccessDenied', () => new AuthError('InvokeRestApi GET /dags: AWS refused the call', { code: 'rest.denied' })],
    [
      'update your environment',
      () => new FailedError('rest.unsupported', 'InvokeRestApi GET /dags: this environment cannot answer InvokeRestApi'),
    ],
  ] as const) {
    it(`falls back to the CLI token once on ${why}, and says so once`, async () => {
      const rest = fakeOps('rest', error);
      const cli = fakeOps('cli');
      const { sink, events } = recordEvents();
      const ops = new FallbackAirflow(rest, () => cli, sink);
      await ops.listDags();
      await ops.trigger({ dagId: 'etl' });
      expect(ops.transport).toBe('cli');
      expect(rest.calls).toEqual(['listDags']);
      expect(cli.calls).toEqual(['listDags', 'trigger']);
      const notes = events.filter((e) => e.code === 'remote.transport.fallback');
      expect(notes).toHaveLength(1);
      expect(notes[0].level).toBe('warn');
      expect(notes[0].message).toContain('CLI token');
    });
  }

  it('does not fall back on other failures (an Airflow error is the answer)', async () => {
    const rest = fakeOps('rest', () => new FailedError('rest.http', 'the Airflow REST API answered HTTP 500'));
    const cli = fakeOps('cli');
    const ops = new FallbackAirflow(rest, () => cli);
    expect((await caught(ops.listDags())).code).toBe('rest.http');
    expect(cli.calls).toEqual([]);
  });
});
