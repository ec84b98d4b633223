/**
 * The pure rules of the remote CLI: argument quoting (checked against a POSIX shlex splitter and,
 * when python3 is on the machine, Python's own shlex.split), --conf validation with positions,
 * failure detection (README "How a failed remote command is detected"), the supported-command table,
 * and the output parsers.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MwaaError } from '../../src/core/errors.js';
import { checkCommand, commandWords, parseAirflowVersion, supportedCommands } from '../../src/core/remote/commands.js';
import { locateJsonError, parseConf } from '../../src/core/remote/conf.js';
import { detectFailure } from '../../src/core/remote/failure.js';
import {
  airflowDate,
  lastJsonArray,
  lastLine,
  parseCreatedLine,
  parseDagState,
  parseDagsList,
  parseListRuns,
  parseTaskStates,
  parseTrigger,
} from '../../src/core/remote/parse.js';
import { commandLine, quoteArg } from '../../src/core/remote/quote.js';
import { Redactor } from '../../src/core/remote/redact.js';

/** POSIX shell word splitting with quote removal and no expansion (what shlex.split(posix=True) does). */
function shlexSplit(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unclosed single quote');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; line[i] !== '"'; i++) {
        if (i >= line.length) throw new Error('unclosed double quote');
        if (line[i] === '\\' && ['"', '\\'].includes(line[i + 1])) i++;
        word += line[i];
      }
    } else if (c === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

const TRICKY = [
  'etl',
  '',
  ' ',
  'two words',
  `it's`,
  `'''`,
  `"double" and 'single'`,
  'back\\slash \\n \\\\ \\"',
  '$HOME `id` $(id) ; | & > < * ? ~ # !',
  'line1\nline2\r\n\ttab',
  'ünïcödé 日本語 😀',
  '{"msg": "it\'s \\"quoted\\"", "emoji": "😀", "nl": "a\\nb", "multi": [1, 2.5, null, true]}',
  '--conf={"a": 1}',
  '-c',
  'manual__2024-11-05T10:00:00+00:00',
];

describe('quoting', () => {
  it('leaves plain words alone and single-quotes everything else', () => {
    expect(quoteArg('manual__2024-11-05T10:00:00+00:00')).toBe('manual__2024-11-05T10:00:00+00:00');
    expect(quoteArg('-o')).toBe('-o');
    expect(quoteArg('a b')).toBe("'a b'");
    expect(quoteArg('')).toBe("''");
    expect(quoteArg("it's")).toBe(`'it'"'"'s'`);
  });

  it('round-trips every tricky argument through POSIX word splitting', () => {
    const line = commandLine(TRICKY);
    expect(shlexSplit(line)).toEqual(TRICKY);
  });

  const python = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!python)("round-trips through Python's shlex.split (what MWAA's plugin is believed to use)", () => {
    const line = commandLine(TRICKY);
    const out = spawnSync('python3', ['-c', 'import json,shlex,sys; print(json.dumps(shlex.split(sys.stdin.read())))'], {
      input: line,
      encoding: 'utf8',
    });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(TRICKY);
  });

  it('refuses a NUL character', () => {
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
  });
});

describe('--conf', () => {
  it('accepts an object and keeps the text as written', () => {
    const text = '\uFEFF{\n  "a": "x y",\n  "b": [1, 2]\n}\n';
    const conf = parseConf(text);
    expect(conf.value).toEqual({ a: 'x y', b: [1, 2] });
    expect(conf.text).toBe('{\n  "a": "x y",\n  "b": [1, 2]\n}');
  });

  it.each([
    ['{"a": 1,}', 1, 9, /trailing comma/],
    ['{"a": x}', 1, 7, /unexpected "x"/],
    ["{'a': 1}", 1, 2, /property name in double quotes/],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected , or \}/],
    ['{"a": "unterminated}', 1, 21, /unterminated string/],
    ['{"a": 1} extra', 1, 10, /after the end/],
    ['{"a": 01}', 1, 8, /invalid number/],
  ])('reports where %j is wrong', (text, line, column, message) => {
    let error: unknown;
    try {
      parseConf(text);
    } catch (e) {
      error = e;
    }
    expect(MwaaError.is(error)).toBe(true);
    const e = error as MwaaError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`line ${line}, column ${column}`);
    expect(e.message).toMatch(message);
    expect(e.details).toMatchObject({ line, column });
  });

  it('requires an object', () => {
    expect(() => parseConf('[1, 2]')).toThrow(/must be a JSON object, not an array/);
    expect(() => parseConf('"x"')).toThrow(/not a string/);
    expect(() => parseConf('  ')).toThrow(/empty/);
  });

  it('agrees with JSON.parse on what is valid', () => {
    for (const text of ['{}', '{"a":[]}', '{"a":{"b":[1,-2.5e3,true,false,null,"\\u00fc\\n"]}}', ' {"k" : "v"} ']) {
      expect(locateJsonError(text)).toBeUndefined();
      expect(() => JSON.parse(text)).not.toThrow();
    }
    for (const text of ['{', '{"a"}', '{"a":1,,}', '[1,]', '{"a":"\u0001"}', '{"a":tru}', '{"a":-}', '']) {
      expect(locateJsonError(text)).toBeDefined();
      expect(() => JSON.parse(text)).toThrow();
    }
  });
});

describe('failure detection', () => {
  const tb = (last: string) =>
    `Traceback (most recent call last):\n  File "/usr/local/bin/airflow", line 8, in <module>\n    sys.exit(main())\n${last}\n`;

  it('a traceback is a failure, named by its last line', () => {
    const f = detectFailure({ stdout: '', stderr: tb('airflow.exceptions.DagNotFound: Dag id foo not found in DagModel') });
    expect(f).toMatchObject({ kind: 'exception', exception: 'airflow.exceptions.DagNotFound', notFound: true });
    expect(f?.message).toBe('airflow.exceptions.DagNotFound: Dag id foo not found in DagModel');
    expect(
      detectFailure({ stdout: '', stderr: tb('json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)') }),
    ).toMatchObject({
      kind: 'exception',
      notFound: false,
    });
  });

  it('an argparse error is a usage failure', () => {
    const stderr = '\nairflow dags list-runs command error: the following arguments are required: -d/--dag-id, see help above.\n';
    expect(detectFailure({ stdout: 'usage: airflow dags list-runs …', stderr })).toMatchObject({ kind: 'usage' });
    expect(detectFailure({ stdout: '', stderr: 'airflow command error: unrecognized arguments: -d, see help above.\n' })).toMatchObject({
      kind: 'usage',
    });
  });

  it('known SystemExit messages are failures', () => {
    expect(detectFailure({ stdout: '', stderr: "DAG: nope does not exist in 'dag' table\n" })).toMatchObject({
      kind: 'exit',
      notFound: true,
    });
    expect(detectFailure({ stdout: '', stderr: 'Variable foo does not exist\n' })).toMatchObject({ notFound: true });
    expect(detectFailure({ stdout: '', stderr: 'Variable foo does not exist.\n' })).toMatchObject({ notFound: true });
  });

  it('warnings and notices on stderr are not failures', () => {
    const warnings = [
      '/usr/local/airflow/dags/etl.py:3 RemovedInAirflow3Warning: The schedule_interval parameter is deprecated\n',
      'Error: Failed to load all files. For details, run `airflow dags list-import-errors`\n',
      "Error: Ignoring the following invalid columns: ['x'].  List of valid columns: ['dag_id']\n",
      '[INFO] Please be reminded this DAG is PAUSED now.\n',
      'UserWarning: something odd\n',
      'WARNING: pip is old\n',
      '[2024-11-05T10:00:00.123+0000] {dagbag.py:587} INFO - Filling up the DagBag from /usr/local/airflow/dags\n',
      '  continued: text of a wrapped warning\n',
    ];
    for (const stderr of warnings) expect(detectFailure({ stdout: '[]', stderr }), stderr).toBeUndefined();
    expect(detectFailure({ stdout: 'x', stderr: '' })).toBeUndefined();
  });

  it('an exception line without a traceback is still a failure', () => {
    expect(detectFailure({ stdout: '', stderr: "ValueError: Dag with dag_id: 'x' does not allow manual runs\n" })).toMatchObject({
      kind: 'exception',
      exception: 'ValueError',
    });
  });
});

describe('supported commands', () => {
  const v2103 = parseAirflowVersion('2.10.3');
  const v306 = parseAirflowVersion('3.0.6');
  const v252 = parseAirflowVersion('2.5.1');

  it('finds the command words', () => {
    expect(commandWords(['dags', 'list-runs', '-d', 'x'])).toBe('dags list-runs');
    expect(commandWords(['version'])).toBe('version');
    expect(commandWords(['dags', '-h'])).toBe('dags');
    expect(commandWords(['variables', 'list'])).toBe('variables list');
    expect(commandWords(['trigger_dag', 'x'])).toBe('trigger_dag');
  });

  it('accepts the documented commands and tells read-only ones apart', () => {
    expect(checkCommand(['dags', 'list', '-o', 'json'], v2103)).toEqual({ ok: true, command: 'dags list', readOnly: true });
    expect(checkCommand(['dags', 'trigger', 'etl'], v2103)).toEqual({ ok: true, command: 'dags trigger', readOnly: false });
    expect(checkCommand(['tasks', 'run', 'a', 'b', 'c'], v2103)).toMatchObject({ ok: true });
    expect(checkCommand(['backfill', 'create', '--dag-id', 'x'], v306)).toMatchObject({ ok: true });
    expect(checkCommand(['assets', 'list'], v306)).toMatchObject({ ok: true, readOnly: true });
  });

  it('refuses what MWAA does not run, with alternatives', () => {
    const pools = checkCommand(['pools', 'list'], v2103);
    expect(pools).toMatchObject({ ok: false, command: 'pools list' });
    if (!pools.ok) expect(pools.advice).toMatch(/Airflow UI/);
    const v3run = checkCommand(['tasks', 'run', 'a', 'b', 'c'], v306);
    expect(v3run.ok).toBe(false);
    if (!v3run.ok) {
      expect(v3run.alternatives).toContain('tasks test');
      expect(v3run.advice).toMatch(/tasks test/);
    }
    const backfill = checkCommand(['dags', 'backfill', 'x'], v306);
    if (!backfill.ok) expect(backfill.advice).toMatch(/backfill create/);
    else throw new Error('dags backfill must be refused on Airflow 3');
    const typo = checkCommand(['dags', 'lst'], v2103);
    if (!typo.ok) expect(typo.alternatives[0]).toBe('dags list');
    else throw new Error('typo accepted');
    const legacy = checkCommand(['trigger_dag', 'x'], v2103);
    if (!legacy.ok) expect(legacy.alternatives).toEqual(['dags trigger']);
    else throw new Error('legacy accepted');
    expect(checkCommand(['users', 'create'], v2103).ok).toBe(false);
    expect(checkCommand(['db', 'reset'], v2103).ok).toBe(false);
    expect(checkCommand(['connections', 'list'], v306).ok).toBe(false);
  });

  it('knows the minimum Airflow 2 minor of each command', () => {
    expect(checkCommand(['dags', 'list-import-errors'], v252)).toMatchObject({ ok: false, reason: expect.stringContaining('2.6') });
    expect(checkCommand(['dags', 'list-import-errors'], v2103)).toMatchObject({ ok: true });
    expect(supportedCommands(v252)).not.toContain('roles create');
    expect(supportedCommands(v306)).not.toContain('tasks run');
  });

  it('refuses the flags MWAA documents as unsupported', () => {
    expect(checkCommand(['dags', 'show', 'etl', '--save', 'x.png'], v2103)).toMatchObject({ ok: false });
    expect(checkCommand(['dags', 'show', 'etl'], v2103)).toMatchObject({ ok: true });
  });

  it('needs a subcommand for a group', () => {
    expect(checkCommand(['dags'], v2103)).toMatchObject({ ok: false, reason: expect.stringContaining('subcommand') });
  });
});

describe('parsers', () => {
  it('takes the last stdout line that parses as a JSON array, skipping log lines that start with [', () => {
    const stdout = [
      'CloudWatch logging is disabled for TaskLogHandler',
      '[2024-11-05T10:00:00.123+0000] {dagbag.py:587} INFO - Filling up the DagBag from /usr/local/airflow/dags',
      '[{"dag_id": "a", "is_paused": "True"}]',
      '[2024-11-05T10:00:01.000+0000] {x.py:1} INFO - [done]',
      '',
    ].join('\n');
    expect(lastJsonArray(stdout)).toEqual([{ dag_id: 'a', is_paused: 'True' }]);
    expect(lastJsonArray('No data found\n')).toBeUndefined();
    expect(lastJsonArray('[]\n')).toEqual([]);
  });

  it('parses dags list in the 2.7/2.8, 2.9+ and 3.x shapes', () => {
    expect(parseDagsList([{ dag_id: 'old', filepath: 'old.py', owner: 'airflow', paused: 'False' }])).toEqual([
      { dagId: 'old', paused: false, owners: ['airflow'], fileloc: 'old.py', schedule: undefined, tags: [], bundle: undefined },
    ]);
    expect(
      parseDagsList([
        {
          dag_id: 'my_dag',
          fileloc: '/usr/local/airflow/dags/my_dag.py',
          owners: ['airflow', ' bob'],
          is_paused: 'True',
          schedule_interval: { __type: 'CronExpression', value: '0 0 * * *' },
          tags: [{ name: 'etl' }, { name: 'daily' }],
        },
      ])[0],
    ).toMatchObject({ paused: true, owners: ['airflow', 'bob'], schedule: '0 0 * * *', tags: ['etl', 'daily'] });
    expect(
      parseDagsList([
        {
          dag_id: 'v3',
          owners: ['a'],
          is_paused: 'False',
          bundle_name: 'dags-folder',
          bundle_version: null,
          timetable_summary: '@daily',
          tags: ['x'],
        },
      ])[0],
    ).toMatchObject({ paused: false, schedule: '@daily', tags: ['x'], bundle: 'dags-folder' });
    expect(parseDagsList([{ dag_id: 'fallback', owners: 'airflow, bob', is_paused: 'False' }])[0].owners).toEqual(['airflow', 'bob']);
  });

  it('parses trigger output of 2.10 and 3.x, and the ≤2.5 "Created" line', () => {
    const v2 = JSON.parse(
      '[{"conf": {"a": "1"}, "dag_id": "my_dag", "dag_run_id": "manual__2024-11-05T10:00:00+00:00", "data_interval_start": "2024-11-04 10:00:00+00:00", "data_interval_end": "2024-11-05 10:00:00+00:00", "end_date": null, "external_trigger": "True", "last_scheduling_decision": null, "logical_date": "2024-11-05 10:00:00+00:00", "run_type": "manual", "start_date": null, "state": "queued"}]',
    );
    expect(parseTrigger(v2)).toEqual({
      dagId: 'my_dag',
      runId: 'manual__2024-11-05T10:00:00+00:00',
      state: 'queued',
      logicalDate: '2024-11-05 10:00:00+00:00',
    });
    const v3 = JSON.parse(
      '[{"conf": {}, "dag_id": "my_dag", "dag_run_id": "manual__2025-06-15T10:00:00.123456+00:00_Ab3dE5gH", "data_interval_start": null, "data_interval_end": null, "end_date": null, "last_scheduling_decision": null, "logical_date": null, "run_type": "manual", "start_date": null, "state": "queued"}]',
    );
    expect(parseTrigger(v3)).toMatchObject({ runId: 'manual__2025-06-15T10:00:00.123456+00:00_Ab3dE5gH', logicalDate: undefined });
    expect(
      parseCreatedLine(
        'Created <DagRun my_dag @ 2024-11-05 10:00:00+00:00: manual__2024-11-05T10:00:00+00:00, state:queued, queued_at: 2024-11-05 10:00:00.123456+00:00. externally triggered: True>\n',
        'my_dag',
      ),
    ).toEqual({ dagId: 'my_dag', logicalDate: '2024-11-05 10:00:00+00:00', runId: 'manual__2024-11-05T10:00:00+00:00', state: 'queued' });
  });

  it('parses dags state with and without conf, after log lines', () => {
    expect(parseDagState('[2024-11-05T10:00:00.123+0000] {dagbag.py:587} INFO - Filling up the DagBag\nrunning\n')).toEqual({
      state: 'running',
      conf: undefined,
    });
    expect(parseDagState('failed, {"name": "bob", "u": "\\u00fc", "q": "it\'s \\"x\\""}\n')).toEqual({
      state: 'failed',
      conf: { name: 'bob', u: 'ü', q: `it's "x"` },
    });
    expect(parseDagState('None\n')).toEqual({ state: undefined, conf: undefined });
    expect(parseDagState('')).toBeUndefined();
  });

  it('parses list-runs and task states of both versions', () => {
    expect(
      parseListRuns([
        {
          dag_id: 'd',
          run_id: 'r1',
          state: 'success',
          execution_date: '2024-11-05T10:00:00+00:00',
          start_date: '2024-11-05T10:00:01.123456+00:00',
          end_date: '',
        },
        {
          dag_id: 'd',
          run_id: 'r2',
          state: 'queued',
          run_after: '2025-06-15T10:00:00+00:00',
          logical_date: '',
          start_date: '',
          end_date: '',
        },
      ]),
    ).toEqual([
      {
        runId: 'r1',
        state: 'success',
        logicalDate: '2024-11-05T10:00:00+00:00',
        startDate: Date.parse('2024-11-05T10:00:01.123Z'),
        endDate: undefined,
      },
      { runId: 'r2', state: 'queued', logicalDate: undefined, startDate: undefined, endDate: undefined },
    ]);
    expect(
      parseTaskStates([
        {
          dag_id: 'd',
          execution_date: 'x',
          task_id: 't1',
          state: 'success',
          start_date: '2024-11-05T10:00:02+00:00',
          end_date: '2024-11-05T10:00:03+00:00',
        },
        { dag_id: 'd', execution_date: 'x', task_id: 't2', state: null, start_date: '', end_date: '' },
        { dag_id: 'd', logical_date: '', task_id: 'm', state: '', map_index: '2' },
        { dag_id: 'd', logical_date: '', task_id: 'n', state: 'failed', map_index: '' },
      ]),
    ).toEqual([
      { taskId: 't1', state: 'success', startDate: Date.parse('2024-11-05T10:00:02Z'), endDate: Date.parse('2024-11-05T10:00:03Z') },
      { taskId: 't2', state: 'none', startDate: undefined, endDate: undefined },
      { taskId: 'm', state: 'none', mapIndex: 2, startDate: undefined, endDate: undefined },
      { taskId: 'n', state: 'failed', startDate: undefined, endDate: undefined },
    ]);
  });

  it('reads both date forms', () => {
    expect(airflowDate('2024-11-05 10:00:00+00:00')).toBe(Date.parse('2024-11-05T10:00:00Z'));
    expect(airflowDate('2024-11-05T10:00:00.5+01:00')).toBe(Date.parse('2024-11-05T09:00:00.5Z'));
    expect(airflowDate('')).toBeUndefined();
    expect(airflowDate(null)).toBeUndefined();
    expect(lastLine('a\n\n[2024-11-05T10:00:00.000+0000] {x.py:1} INFO - y\n')).toBe('a');
  });
});

describe('Redactor', () => {
  it('removes registered secrets and any bearer value from text and error chains', () => {
    const r = new Redactor();
    r.add('secret-token-value-123');
    expect(r.text('a secret-token-value-123 b')).toBe('a *** b');
    expect(r.text('Authorization: Bearer something-else')).toBe('Authorization: Bearer ***');
    expect(r.text('(Authorization: Bearer ***) body')).toBe('(Authorization: Bearer ***) body');
    expect(r.text('{"authorization": "Bearer abc.def.ghi"}')).toBe('{"authorization": "Bearer ***"}');
    const inner = new Error('inner has secret-token-value-123');
    const outer = new Error('outer secret-token-value-123', { cause: inner });
    const copy = r.error(outer) as Error & { cause: Error };
    expect(copy.message).toBe('outer ***');
    expect(copy.stack).not.toContain('secret-token-value-123');
    expect(copy.cause.message).toBe('inner has ***');
  });
});
