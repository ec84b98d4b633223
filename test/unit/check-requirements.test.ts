/** requirements.txt parsing and the import-error comparison of --verify (src/core/check). */
import { describe, expect, it } from 'vitest';
import { constraintVersions, normalizeName, parseConstraints, parseRequirements } from '../../src/core/check/requirements.js';
import { addedImportErrors } from '../../src/core/check/verify.js';

describe('requirements.txt parsing', () => {
  it('reads pins, extras, markers, continuations, options and direct references with their lines', () => {
    const p = parseRequirements(
      [
        '# a comment',
        '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"',
        'apache-airflow-providers-amazon[s3fs]==8.28.0  # extras',
        'Snowflake_Connector.Python==3.6.0 ; python_version >= "3.8"',
        'requests>=2.0',
        'pandas== \\',
        '  2.1.0',
        '-r more.txt',
        '--no-index',
        '--find-links=/usr/local/airflow/plugins',
        'mylib @ file:///usr/local/airflow/plugins/mylib-1.0-py3-none-any.whl',
        'https://example.com/pkg.tar.gz',
      ].join('\n'),
      'requirements.txt',
    );
    expect(p.requirements.map((r) => [r.name, r.pinned ?? null, r.line])).toEqual([
      ['apache-airflow-providers-amazon', '8.28.0', 3],
      ['snowflake-connector-python', '3.6.0', 4],
      ['requests', null, 5],
      ['pandas', '2.1.0', 6],
    ]);
    expect(p.constraints).toEqual([
      {
        value: 'https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt',
        file: 'requirements.txt',
        line: 2,
      },
    ]);
    expect(p.includes.map((i) => i.value)).toEqual(['more.txt']);
    expect(p.noIndex).toBe(true);
    expect(p.findLinks).toEqual(['/usr/local/airflow/plugins']);
    expect(p.paths.map((x) => x.value)).toEqual(['/usr/local/airflow/plugins/mylib-1.0-py3-none-any.whl']);
  });

  it('normalizes names as PEP 503 does and reads the versions a constraints URL names', () => {
    expect(normalizeName('Apache_Airflow.Providers--Amazon')).toBe('apache-airflow-providers-amazon');
    expect(constraintVersions('https://raw.githubusercontent.com/apache/airflow/constraints-2.11.0/constraints-3.12.txt')).toEqual({
      airflow: '2.11.0',
      python: '3.12',
    });
    expect(constraintVersions('/usr/local/airflow/dags/constraints.txt')).toEqual({});
    expect(parseConstraints('# x\nboto3==1.35.0\nSQLAlchemy==1.4.52\n')).toEqual(
      new Map([
        ['boto3', '1.35.0'],
        ['sqlalchemy', '1.4.52'],
      ]),
    );
  });
});

describe('verify: which import errors a release added', () => {
  const e = (filepath: string, last: string) => ({
    filepath,
    error: `Traceback (most recent call last):\n  File "${filepath}", line 3\n${last}\n`,
  });

  it('compares file and exception line, not the traceback around it', () => {
    const before = [e('/dags/a.py', 'ModuleNotFoundError: x')];
    const after = [
      { ...e('/dags/a.py', 'ModuleNotFoundError: x'), error: 'other frames\nModuleNotFoundError: x' },
      e('/dags/b.py', 'SyntaxError: y'),
      e('/dags/a.py', 'NameError: z'),
    ];
    expect(addedImportErrors(before, after).map((x) => `${x.filepath} ${x.error.trim().split('\n').pop()}`)).toEqual([
      '/dags/b.py SyntaxError: y',
      '/dags/a.py NameError: z',
    ]);
    expect(addedImportErrors(after, before)).toEqual([]);
  });
});
