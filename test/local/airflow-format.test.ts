/**
 * Output formats of the emulated Airflow CLI against the byte-exact output of
 * Airflow's CLI (src/local/airflow/README.md, "Commands"), plus Python's json/repr/shlex semantics.
 */
import { describe, expect, it } from 'vitest';
import { printAs, type Row } from '../../src/local/airflow/console.js';
import { JSONDecodeError, PyDict, PyFloat, PyInt, floatRepr, jsonDumps, jsonLoads, pyRepr } from '../../src/local/airflow/py.js';
import { ShlexError, shlexQuote, shlexSplit } from '../../src/local/airflow/shlex.js';
import { yamlDump } from '../../src/local/airflow/yaml.js';

const dagRows: Row[] = [
  [
    ['dag_id', 'example_bash_operator'],
    ['fileloc', '/usr/local/airflow/dags/example_bash_operator.py'],
    ['owners', ['airflow']],
    ['is_paused', true],
  ],
  [
    ['dag_id', 'my_dag'],
    ['fileloc', '/usr/local/airflow/dags/my_dag.py'],
    ['owners', ['airflow', ' bob']],
    ['is_paused', false],
  ],
];

describe('AirflowConsole.print_as', () => {
  it('renders the dags list table byte for byte (trailing spaces and caption line included)', () => {
    expect(printAs(dagRows, 'table')).toBe(
      [
        'dag_id                | fileloc                                          | owners       | is_paused',
        '======================+==================================================+==============+==========',
        'example_bash_operator | /usr/local/airflow/dags/example_bash_operator.py | airflow      | True     ',
        'my_dag                | /usr/local/airflow/dags/my_dag.py                | airflow, bob | False    ',
        ' '.repeat(99),
        '',
      ].join('\n'),
    );
  });

  it('renders one-line JSON with stringified scalars', () => {
    expect(printAs(dagRows, 'json')).toBe(
      '[{"dag_id": "example_bash_operator", "fileloc": "/usr/local/airflow/dags/example_bash_operator.py", "owners": ["airflow"], "is_paused": "True"}, {"dag_id": "my_dag", "fileloc": "/usr/local/airflow/dags/my_dag.py", "owners": ["airflow", " bob"], "is_paused": "False"}]\n',
    );
  });

  it('renders tabulate plain output with repr lists and trimmed lines', () => {
    expect(printAs(dagRows, 'plain')).toBe(
      [
        'dag_id                 fileloc                                           owners               is_paused',
        "example_bash_operator  /usr/local/airflow/dags/example_bash_operator.py  ['airflow']          True",
        "my_dag                 /usr/local/airflow/dags/my_dag.py                 ['airflow', ' bob']  False",
        '',
      ].join('\n'),
    );
  });

  it('renders YAML sorted, quoted where PyYAML quotes, with the extra empty line', () => {
    expect(printAs(dagRows.slice(0, 1), 'yaml')).toBe(
      [
        '- dag_id: example_bash_operator',
        '  fileloc: /usr/local/airflow/dags/example_bash_operator.py',
        "  is_paused: 'True'",
        '  owners:',
        '  - airflow',
        '',
        '',
      ].join('\n'),
    );
    expect(printAs([], 'yaml')).toBe('[]\n\n');
  });

  it('renders empty data as [] or No data found', () => {
    expect(printAs([], 'json')).toBe('[]\n');
    expect(printAs([], 'table')).toBe('No data found\n');
    expect(printAs([], 'plain')).toBe('No data found\n');
  });

  it('renders the list-runs table with an empty last cell', () => {
    const rows: Row[] = [
      [
        ['dag_id', 'my_dag'],
        ['run_id', 'manual__2024-11-05T10:00:00+00:00'],
        ['state', 'success'],
        ['execution_date', '2024-11-05T10:00:00+00:00'],
        ['start_date', '2024-11-05T10:00:01.123456+00:00'],
        ['end_date', ''],
      ],
    ];
    const out = printAs(rows, 'table').split('\n');
    expect(out.slice(0, 3)).toEqual([
      'dag_id | run_id                            | state   | execution_date            | start_date                       | end_date',
      '=======+===================================+=========+===========================+==================================+=========',
      'my_dag | manual__2024-11-05T10:00:00+00:00 | success | 2024-11-05T10:00:00+00:00 | 2024-11-05T10:00:01.123456+00:00 |         ',
    ]);
  });

  it('wraps a table wider than 200 columns exactly like the dags trigger output of Airflow', () => {
    const row: Row = [
      ['conf', new PyDict()],
      ['dag_id', 'my_dag'],
      ['dag_run_id', 'manual__2024-11-05T10:00:00+00:00'],
      ['data_interval_start', '2024-11-04 10:00:00+00:00'],
      ['data_interval_end', '2024-11-05 10:00:00+00:00'],
      ['end_date', null],
      ['external_trigger', true],
      ['last_scheduling_decision', null],
      ['logical_date', '2024-11-05 10:00:00+00:00'],
      ['run_type', 'manual'],
      ['start_date', null],
      ['state', 'queued'],
    ];
    const lines = printAs([row], 'table').split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '     |        |                        |                        |                        |          |                  | last_scheduling_decisi |                       |          |            |       ',
      'conf | dag_id | dag_run_id             | data_interval_start    | data_interval_end      | end_date | external_trigger | on                     | logical_date          | run_type | start_date | state ',
      '=====+========+========================+========================+========================+==========+==================+========================+=======================+==========+============+=======',
      '{}   | my_dag | manual__2024-11-05T10: | 2024-11-04             | 2024-11-05             | None     | True             | None                   | 2024-11-05            | manual   | None       | queued',
      '     |        | 00:00+00:00            | 10:00:00+00:00         | 10:00:00+00:00         |          |                  |                        | 10:00:00+00:00        |          |            |       ',
    ]);
  });

  it('prints conf as a Python repr in table mode and as stringified leaves in JSON', () => {
    const conf = PyDict.of([['a', new PyInt(1n)]]);
    expect(printAs([[['conf', conf]]], 'table').split('\n')[2]).toBe("{'a': 1}");
    expect(printAs([[['conf', conf]]], 'json')).toBe('[{"conf": {"a": "1"}}]\n');
    expect(printAs([[['conf', conf]]], 'plain').split('\n')[1]).toBe("{'a': '1'}");
  });

  it('strips rich markup from table cells', () => {
    expect(printAs([[['x', 'a[bold]b[/bold]c']]], 'table').split('\n')[2]).toBe('abc');
  });
});

describe('PyYAML scalars', () => {
  it('quotes strings that would read back as other types and folds long lines', () => {
    expect(yamlDump(['2024-11-05T10:00:00+00:00', '', 'null', '16', 'yes', 'plain text', ': x', 'a: b'])).toBe(
      "- '2024-11-05T10:00:00+00:00'\n- ''\n- 'null'\n- '16'\n- 'yes'\n- plain text\n- ': x'\n- 'a: b'\n",
    );
    expect(yamlDump(['tab\there', 'ü', "it's", "'q"])).toBe("- \"tab\\there\"\n- \"\\xFC\"\n- it's\n- '''q'\n");
    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const out = yamlDump([new Map([['k', long]])]);
    expect(out.split('\n').length).toBeGreaterThan(2);
    expect(out.split('\n')[1].startsWith('    ')).toBe(true);
  });
});

describe('Python json / repr', () => {
  it('keeps ints, floats, key order and unicode through loads/dumps', () => {
    const v = jsonLoads('{"b": 1, "a": 1.0, "big": 123456789012345678901234567890, "s": "é\\n\\"x\\"", "n": null, "l": [true, false]}');
    expect(jsonDumps(v)).toBe(
      '{"b": 1, "a": 1.0, "big": 123456789012345678901234567890, "s": "\\u00e9\\n\\"x\\"", "n": null, "l": [true, false]}',
    );
    expect(pyRepr(v)).toBe("{'b': 1, 'a': 1.0, 'big': 123456789012345678901234567890, 's': 'é\\n\"x\"', 'n': None, 'l': [True, False]}");
    expect(jsonDumps(jsonLoads('"😀"'))).toBe('"\\ud83d\\ude00"');
  });

  it('raises JSONDecodeError with Python positions', () => {
    const msg = (s: string): string => {
      try {
        jsonLoads(s);
      } catch (e) {
        if (e instanceof JSONDecodeError) return e.message;
        throw e;
      }
      return 'ok';
    };
    expect(msg('')).toBe('Expecting value: line 1 column 1 (char 0)');
    expect(msg('{a: 1}')).toBe('Expecting property name enclosed in double quotes: line 1 column 2 (char 1)');
    expect(msg('{"a" 1}')).toBe("Expecting ':' delimiter: line 1 column 6 (char 5)");
    expect(msg('{"a": 1,}')).toBe('Expecting property name enclosed in double quotes: line 1 column 9 (char 8)');
    expect(msg('[1 2]')).toBe("Expecting ',' delimiter: line 1 column 4 (char 3)");
    expect(msg('{}x')).toBe('Extra data: line 1 column 3 (char 2)');
    expect(msg('"abc')).toBe('Unterminated string starting at: line 1 column 1 (char 0)');
    expect(msg('{\n"a": tru}')).toBe('Expecting value: line 2 column 6 (char 7)');
  });

  it('formats floats like repr()', () => {
    expect(floatRepr(1)).toBe('1.0');
    expect(floatRepr(1e16)).toBe('1e+16');
    expect(floatRepr(1.5e-5)).toBe('1.5e-05');
    expect(floatRepr(0.1)).toBe('0.1');
    expect(floatRepr(123456.789)).toBe('123456.789');
    expect(pyRepr(new PyFloat(NaN))).toBe('nan');
  });
});

describe('shlex.split', () => {
  it('splits like Python (posix)', () => {
    expect(shlexSplit(`dags trigger d -c '{"a": "b c"}'`)).toEqual(['dags', 'trigger', 'd', '-c', '{"a": "b c"}']);
    expect(shlexSplit('a "b \\" \\\\ \\x" c\\ d \'\' e')).toEqual(['a', 'b " \\ \\x', 'c d', '', 'e']);
    expect(shlexSplit('  x\n\ty  ')).toEqual(['x', 'y']);
    expect(() => shlexSplit("a 'b")).toThrow(ShlexError);
    expect(() => shlexSplit('a \\')).toThrow('No escaped character');
  });

  it('round-trips quoted arguments', () => {
    const args = ['{"k": "it\'s \\"q\\" é\n😀"}', '', 'plain', "a'b"];
    expect(shlexSplit(args.map(shlexQuote).join(' '))).toEqual(args);
  });
});
