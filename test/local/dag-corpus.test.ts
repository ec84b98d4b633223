/**
 * The emulator's DAG reading (src/local/airflow/dagfile.ts, pyparse.ts) never calls a valid file broken:
 * every file of test/fixtures/dag-corpus (TaskFlow, classic operators, factories, `with DAG(...)`,
 * dataset schedules, Airflow 3 `airflow.sdk`, ids from the environment or Variables) parses without an
 * import error; and a broken file gets CPython 3.11's wording and position (checked against the
 * machine's python3 when there is one).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDagFile } from '../../src/local/airflow/dagfile.js';

const CORPUS = join(__dirname, '..', 'fixtures', 'dag-corpus');
const files = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.py'))
  .sort();
const parse = (name: string, src: string) => parseDagFile(src, { fileloc: `/usr/local/airflow/dags/${name}` });

describe('the DAG corpus', () => {
  it.each(files)('%s parses clean', (name) => {
    const parsed = parse(name, readFileSync(join(CORPUS, name), 'utf8'));
    expect(parsed.failure).toBeUndefined();
  });

  it('finds the DAGs whose ids are known, and leaves out those that are not', () => {
    const ids = (name: string) =>
      parse(name, readFileSync(join(CORPUS, name), 'utf8'))
        .dags.map((d) => d.dagId)
        .sort();
    expect(ids('taskflow_etl.py')).toEqual(['tutorial_taskflow_api']);
    expect(ids('classic_operators.py')).toEqual(['classic_reporting']);
    expect(ids('dynamic_factory.py')).toEqual(['load_customers', 'load_inventory', 'load_orders']);
    expect(ids('dataset_schedule.py')).toEqual(['any_event', 'clean_events', 'produce_events']);
    expect(ids('airflow3_sdk.py')).toEqual(['af3_classic', 'consume_orders']);
    expect(ids('env_driven.py')).toEqual([]);
    expect(ids('class_config.py')).toEqual(['configured_by_class']);
    expect(ids('config_from_yaml.py')).toEqual(['from_kwargs']);
  });
});

describe('unknown values are unknown, not errors', () => {
  it.each([
    ['os.environ.get', 'import os\nfrom airflow import DAG\nwith DAG(os.environ.get("X", "a")):\n    pass\n'],
    ['os.environ[...]', 'import os\nfrom airflow import DAG\nwith DAG(dag_id=os.environ["X"]):\n    pass\n'],
    ['Variable.get', 'from airflow.models import Variable\nfrom airflow import DAG\nwith DAG(dag_id=Variable.get("X")):\n    pass\n'],
    [
      'a class attribute set at run time',
      'from airflow import DAG\nimport os\nclass C:\n    ID = os.environ["ID"]\nwith DAG(C.ID):\n    pass\n',
    ],
    ['an imported constant', 'from airflow import DAG\nfrom settings import DAG_ID\nDAG(DAG_ID)\n'],
    ['**kwargs', 'from airflow import DAG\nimport json\ncfg = json.load(open("c.json"))\nd = DAG(**cfg)\n'],
    ['@dag(dag_id=unknown)', 'from airflow.decorators import dag\nimport os\n@dag(dag_id=os.getenv("ID"))\ndef f():\n    pass\nf()\n'],
  ])('a DAG id from %s', (_label, src) => {
    expect(parse('x.py', src).failure).toBeUndefined();
  });

  it('still reports a DAG called without any id', () => {
    expect(parse('x.py', 'from airflow import DAG\nd = DAG()\n').failure).toMatchObject({ type: 'TypeError', lineno: 2 });
  });

  it('honours break and continue in loops (no false duplicate task ids)', () => {
    const p = parse(
      'x.py',
      'from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\nwith DAG("d"):\n    for i in [1, 2, 3]:\n        EmptyOperator(task_id="only")\n        break\n',
    );
    expect(p.failure).toBeUndefined();
    expect([...p.dags[0].tasks.keys()]).toEqual(['only']);
  });
});

/**
 * CPython's own verdicts on sources, in one python3 process: [type, msg, lineno, offset] per source,
 * or null when it compiles; undefined when there is no python3.
 */
async function cpython(sources: string[]): Promise<Array<[string, string, number, number] | null> | undefined> {
  const code =
    'import sys,json\nout=[]\nfor s in json.load(sys.stdin):\n try:\n  compile(s,"x.py","exec"); out.append(None)\n' +
    ' except SyntaxError as e:\n  out.append([type(e).__name__,e.msg,e.lineno,e.offset])\nprint(json.dumps(out))\n';
  return new Promise((resolve) => {
    const child = spawn('python3', ['-c', code], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', () => {
      try {
        resolve(JSON.parse(out));
      } catch {
        resolve(undefined);
      }
    });
    child.stdin.end(JSON.stringify(sources));
  });
}

describe("syntax errors in CPython 3.11's words", () => {
  const cases: Array<[string, string, [string, string, number, number]]> = [
    ['if without colon', 'from airflow import DAG\nif True\n    x = 1\n', ['SyntaxError', "expected ':'", 2, 8]],
    ['def without colon', 'def f()\n    return 1\n', ['SyntaxError', "expected ':'", 1, 8]],
    ['with without colon', 'with DAG("x") as dag\n    pass\n', ['SyntaxError', "expected ':'", 1, 21]],
    ['for without colon', 'for x in y\n  pass\n', ['SyntaxError', "expected ':'", 1, 11]],
    ['try without colon', 'try\n  pass\n', ['SyntaxError', "expected ':'", 1, 4]],
    ['else without colon', 'if x:\n  pass\nelse\n  pass\n', ['SyntaxError', "expected ':'", 3, 5]],
    ['header over two lines', 'if (a,\n    b)\n  pass\n', ['SyntaxError', "expected ':'", 2, 7]],
    ['async def', 'async def f()\n  pass\n', ['SyntaxError', "expected ':'", 1, 14]],
    ['colon error before an unclosed bracket', 'if True\n  x = (1,\n', ['SyntaxError', "expected ':'", 1, 8]],
    ['unclosed bracket first', 'x = (1,\nif True\n  pass\n', ['SyntaxError', "'(' was never closed", 1, 5]],
    ['unexpected indent', 'x = 1\n    y = 2\n', ['IndentationError', 'unexpected indent', 2, 4]],
    ['bad unindent', 'if x:\n  pass\n else:\n  pass\n', ['IndentationError', 'unindent does not match any outer indentation level', 3, 7]],
    ['no indented block', 'if True:\npass\n', ['IndentationError', "expected an indented block after 'if' statement on line 1", 2, 1]],
  ];

  it.each(cases)('%s', (_label, src, expected) => {
    const f = parse('x.py', src).failure;
    expect(f).toBeDefined();
    expect([f!.type, f!.message, f!.lineno, f!.offset]).toEqual(expected);
  });

  it("the expectations are CPython's own, and the corpus compiles with it (when python3 is installed)", async () => {
    const corpus = files.map((name) => readFileSync(join(CORPUS, name), 'utf8'));
    const real = await cpython([...cases.map((c) => c[1]), ...corpus]);
    if (real === undefined) return;
    expect(real.slice(0, cases.length)).toEqual(cases.map((c) => c[2]));
    expect(real.slice(cases.length)).toEqual(corpus.map(() => null));
  });
});
