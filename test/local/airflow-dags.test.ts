/**
 * Static DAG extraction (src/local/airflow/dagfile.ts, pyparse.ts): the forms README.md lists, and the
 * import errors of broken files. Plus the run timeline (dependency order, pause, failures).
 */
import { describe, expect, it } from 'vitest';
import { parseDagFile, type DagDef } from '../../src/local/airflow/dagfile.js';
import { computeTimeline, runStateAt, tiStateAt } from '../../src/local/airflow/timeline.js';

const info = { fileloc: '/usr/local/airflow/dags/sub/my_file.py' };
const dags = (src: string): DagDef[] => {
  const p = parseDagFile(src, info);
  if (p.failure) throw new Error(`unexpected failure: ${p.failure.type}: ${p.failure.message}`);
  return p.dags;
};
const one = (src: string): DagDef => {
  const d = dags(src);
  expect(d).toHaveLength(1);
  return d[0];
};
const edges = (d: DagDef): string[] => [...d.tasks.values()].flatMap((t) => t.upstream.map((u) => `${u}>${t.taskId}`)).sort();

describe('DAG extraction', () => {
  it('reads DAG("id") in a with block, operators, >> chains and default_args owner', () => {
    const d = one(`
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator

default_args = {"owner": "data-team", "retries": 1}

with DAG(
    "etl",  # the id
    default_args=default_args,
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["demo", 'etl'],
    description="Nightly ETL",
) as dag:
    extract = BashOperator(task_id="extract", bash_command="echo hi")
    transform = BashOperator(task_id='transform', bash_command="echo transform", owner="bob")
    load = BashOperator(
        task_id="load",
        bash_command="""echo load""",
    )
    extract >> transform >> load
`);
    expect(d.dagId).toBe('etl');
    expect([...d.tasks.keys()]).toEqual(['extract', 'transform', 'load']);
    expect(edges(d)).toEqual(['extract>transform', 'transform>load']);
    expect(d.schedule).toEqual({ kind: 'cron', expr: '@daily' });
    expect(d.tags).toEqual(['demo', 'etl']);
    expect(d.description).toBe('Nightly ETL');
    expect(d.defaultOwner).toBe('data-team');
    expect(d.tasks.get('transform')!.owner).toBe('bob');
    expect(d.tasks.get('extract')!.bashCommand).toBe('echo hi');
    expect(d.catchup).toBe(false);
    expect(d.startDate).toBe(Date.UTC(2024, 0, 1) * 1000);
  });

  it('reads DAG(dag_id=...) assigned to a variable with dag=dag tasks, <<, lists and set_downstream', () => {
    const d = one(`
import airflow
from airflow.models import DAG
from airflow.operators.empty import EmptyOperator
dag = DAG(dag_id="fan", schedule_interval=None, is_paused_upon_creation=False)
a = EmptyOperator(task_id="a", dag=dag)
b = EmptyOperator(task_id="b", dag=dag)
c = EmptyOperator(task_id="c", dag=dag)
d = EmptyOperator(task_id="d", dag=dag)
e = EmptyOperator(task_id="e", dag=dag)
[a, b] >> c
d << c
a.set_downstream(e)
e.set_upstream(b)
`);
    expect(d.dagId).toBe('fan');
    expect(d.schedule).toEqual({ kind: 'none' });
    expect(d.isPausedUponCreation).toBe(false);
    expect(edges(d)).toEqual(['a>c', 'a>e', 'b>c', 'b>e', 'c>d']);
  });

  it('takes the dag id from os.path.basename(__file__).replace(".py", "") and Path(__file__).stem', () => {
    expect(
      one(`import os\nfrom airflow import DAG\nwith DAG(dag_id=os.path.basename(__file__).replace(".py", ""), schedule=None):\n    pass\n`)
        .dagId,
    ).toBe('my_file');
    expect(
      one(`from pathlib import Path\nfrom airflow import DAG\nDAG_ID = Path(__file__).stem\nwith DAG(DAG_ID):\n    pass\n`).dagId,
    ).toBe('my_file');
    expect(one(`from airflow import DAG\nPREFIX = "team"\nwith DAG(f"{PREFIX}_daily"):\n    pass\n`).dagId).toBe('team_daily');
  });

  it('reads @dag/@task TaskFlow DAGs with data dependencies, task_id overrides and repeated calls', () => {
    const d = one(`
import pendulum
from airflow.decorators import dag, task

@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), tags=["tf"])
def taskflow_etl():
    @task()
    def extract():
        print("pulled 3 rows")
        return [1, 2, 3]

    @task(task_id="sum_rows")
    def total(rows):
        return sum(rows)

    @task
    def report(value):
        print("done")

    rows = extract()
    report(total(rows))
    report(total(rows))

taskflow_etl()
`);
    expect(d.dagId).toBe('taskflow_etl');
    expect([...d.tasks.keys()]).toEqual(['extract', 'sum_rows', 'report', 'sum_rows__1', 'report__1']);
    expect(edges(d)).toEqual(['extract>sum_rows', 'extract>sum_rows__1', 'sum_rows>report', 'sum_rows__1>report__1']);
    expect(d.tasks.get('extract')!.prints).toEqual(['pulled 3 rows']);
    expect(d.tasks.get('extract')!.operator).toBe('_PythonDecoratedOperator');
  });

  it('uses dag_id= of @dag, ignores an @dag function that is never called, and the __main__ block', () => {
    const ds = dags(`
from airflow.decorators import dag, task
@dag(dag_id="named")
def whatever():
    @task
    def t():
        pass
    t()

@dag
def never_called():
    pass

whatever()
if __name__ == "__main__":
    never_called().test()
`);
    expect(ds.map((d) => d.dagId)).toEqual(['named']);
  });

  it('prefixes task ids inside TaskGroups and links groups as a whole', () => {
    const d = one(`
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup
with DAG("grouped") as dag:
    start = EmptyOperator(task_id="start")
    with TaskGroup("section") as section:
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
        a >> b
    end = EmptyOperator(task_id="end")
    start >> section >> end
`);
    expect([...d.tasks.keys()]).toEqual(['start', 'section.a', 'section.b', 'end']);
    expect(edges(d)).toEqual(['section.a>section.b', 'section.b>end', 'start>section.a']);
  });

  it('expands for loops over literal lists and range(), and chain()', () => {
    const d = one(`
from airflow import DAG
from airflow.models.baseoperator import chain
from airflow.operators.bash import BashOperator
with DAG("loop"):
    tasks = []
    for name in ["x", "y"]:
        tasks.append(BashOperator(task_id=f"t_{name}", bash_command="true"))
    for i in range(2):
        BashOperator(task_id="n_{}".format(i), bash_command="true")
    a = BashOperator(task_id="a", bash_command="true")
    b = BashOperator(task_id="b", bash_command="true")
    c = BashOperator(task_id="c", bash_command="true")
    chain(a, b, c)
`);
    expect([...d.tasks.keys()]).toEqual(['t_x', 't_y', 'n_0', 'n_1', 'a', 'b', 'c']);
    expect(edges(d)).toEqual(['a>b', 'b>c']);
  });

  it('finds several DAGs in one file, including from a factory function', () => {
    const ds = dags(`
from airflow import DAG
from airflow.operators.empty import EmptyOperator
def make(dag_id):
    with DAG(dag_id, schedule=None) as dag:
        EmptyOperator(task_id="only")
    return dag
for name in ["one", "two"]:
    globals()[name] = make(name)
with DAG("three"):
    EmptyOperator(task_id="x")
`);
    expect(ds.map((d) => d.dagId).sort()).toEqual(['one', 'three', 'two']);
  });

  it('ignores files without DAG objects', () => {
    expect(dags('def helper():\n    return 1\n')).toEqual([]);
  });
});

describe('import errors', () => {
  const fail = (src: string) => {
    const p = parseDagFile(src, info);
    expect(p.failure).toBeDefined();
    return p.failure!;
  };

  it('reports an unclosed bracket at the bracket', () => {
    const f = fail('from airflow import DAG\nwith DAG("x") as dag:\n    t = BashOperator(task_id="a"\n');
    expect(f).toMatchObject({ type: 'SyntaxError', message: "'(' was never closed", lineno: 3, offset: 21 });
  });

  it('reports mismatched and unmatched brackets, unterminated strings and bad indentation', () => {
    expect(fail('x = [1, 2)\n').message).toBe("closing parenthesis ')' does not match opening parenthesis '['");
    expect(fail('x = 1)\n').message).toBe("unmatched ')'");
    expect(fail('x = "abc\n').message).toBe('unterminated string literal (detected at line 1)');
    expect(fail('x = """abc\n\n').message).toMatch(/^unterminated triple-quoted string literal/);
    expect(fail('x = 1\n    y = 2\n')).toMatchObject({ type: 'IndentationError', message: 'unexpected indent', lineno: 2 });
    expect(fail('with open("f") as f:\nx = 1\n')).toMatchObject({
      type: 'IndentationError',
      message: "expected an indented block after 'with' statement on line 1",
    });
  });

  it('reports duplicate task ids and invalid keys as the exception Airflow raises', () => {
    const f = fail(
      'from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\nwith DAG("d"):\n    EmptyOperator(task_id="a")\n    EmptyOperator(task_id="a")\n',
    );
    expect(f).toMatchObject({
      type: 'airflow.exceptions.DuplicateTaskIdFound',
      message: "Task id 'a' has already been added to the DAG",
      lineno: 5,
    });
    expect(fail('from airflow import DAG\nDAG("bad id")\n').message).toBe(
      "The key 'bad id' has to be made of alphanumeric characters, dashes, dots and underscores exclusively",
    );
  });

  it('does not report valid but unusual Python as broken', () => {
    const p = parseDagFile(
      `
from airflow import DAG
import json
CONF = {"a": [1, 2, {"b": (3, 4)}], **{"c": 5}}
x = [i * 2 for i in range(10) if i % 2]
y = lambda a, b=2: a + b
match x:
    case [1, *_]:
        pass
    case _:
        pass
async def f():
    await g()
class C:
    def m(self) -> "C":
        return self
s = 'it\\'s' + "q\\"q" + r"raw\\n" + f"{x!r:>10}"
with DAG("ok", schedule=None, doc_md=__doc__) as dag:
    pass
`,
      info,
    );
    expect(p.failure).toBeUndefined();
    expect(p.dags.map((d) => d.dagId)).toEqual(['ok']);
  });
});

describe('robustness', () => {
  it('never throws on random Python-like input', () => {
    const atoms = [
      'DAG(',
      'with ',
      ' as d:',
      '\n',
      '    ',
      ')',
      '(',
      '[',
      ']',
      '{',
      '}',
      '"x"',
      "'y'",
      '"""',
      'task_id=',
      '>>',
      '<<',
      ',',
      ':',
      '=',
      '@dag',
      '@task',
      'def f():',
      'f()',
      'Op(',
      '#',
      '\\',
      'for i in range(3):',
      'if x:',
      'else:',
      'lambda:',
      '**',
      '*',
      '.',
      'os.path.basename(__file__)',
      'f"{a}"',
    ];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let failures = 0;
    for (let i = 0; i < 400; i++) {
      let src = 'from airflow import DAG\n';
      for (let k = 0; k < 60; k++) src += atoms[rnd(atoms.length)];
      const p = parseDagFile(src, info);
      if (p.failure) failures++;
    }
    expect(failures).toBeGreaterThan(0);
  });

  it('survives deep nesting', () => {
    const p = parseDagFile(`from airflow import DAG\nx = ${'('.repeat(3000)}1${')'.repeat(3000)}\nwith DAG("deep"):\n    pass\n`, info);
    expect(p.dags.map((d) => d.dagId)).toEqual(['deep']);
  });
});

describe('run timeline', () => {
  const tasks = [
    { id: 'a', op: 'BashOperator', up: [], rule: 'all_success', owner: 'airflow', prints: [] },
    { id: 'b', op: 'BashOperator', up: ['a'], rule: 'all_success', owner: 'airflow', prints: [] },
    { id: 'c', op: 'BashOperator', up: ['b'], rule: 'all_success', owner: 'airflow', prints: [] },
    { id: 'cleanup', op: 'BashOperator', up: ['c'], rule: 'all_done', owner: 'airflow', prints: [] },
  ];
  const S = 1_000_000;

  it('runs tasks one after the other in dependency order', () => {
    const tl = computeTimeline({ runId: 'r', runAfter: 0, taskSeconds: 1, tasks, fail: {} }, [[0, false]]);
    const a = tl.tis.get('a')!;
    const b = tl.tis.get('b')!;
    expect(b.queued).toBeGreaterThanOrEqual(a.end);
    expect(tiStateAt(a, a.start + 1)).toBe('running');
    expect(tiStateAt(b, a.start + 1)).toBeNull();
    expect(tiStateAt(a, a.queued)).toBe('queued');
    expect(runStateAt(tl, 0)).toBe('queued');
    expect(runStateAt(tl, tl.end)).toBe('success');
    expect(tl.end).toBeGreaterThanOrEqual(tl.tis.get('cleanup')!.end);
  });

  it('fails the named task, marks downstream upstream_failed, still runs all_done tasks', () => {
    const tl = computeTimeline({ runId: 'r', runAfter: 0, taskSeconds: 1, tasks, fail: { b: 'boom' } }, [[0, false]]);
    expect(tl.tis.get('b')!.final).toBe('failed');
    expect(tl.tis.get('c')!.final).toBe('upstream_failed');
    expect(tl.tis.get('c')!.ran).toBe(false);
    expect(tl.tis.get('cleanup')!.final).toBe('success');
    // the leaf succeeded, so Airflow marks the run success
    expect(tl.final).toBe('success');
    const tl2 = computeTimeline({ runId: 'r', runAfter: 0, taskSeconds: 1, tasks: tasks.slice(0, 3), fail: { b: 'boom' } }, [[0, false]]);
    expect(tl2.final).toBe('failed');
  });

  it('keeps a run of a paused DAG queued until it is unpaused', () => {
    const paused = computeTimeline({ runId: 'r', runAfter: 0, taskSeconds: 1, tasks, fail: {} }, [[0, true]]);
    expect(runStateAt(paused, 3600 * S)).toBe('queued');
    const later = computeTimeline({ runId: 'r', runAfter: 0, taskSeconds: 1, tasks, fail: {} }, [
      [0, true],
      [10 * S, false],
    ]);
    expect(runStateAt(later, 9 * S)).toBe('queued');
    expect(later.start).toBeGreaterThan(10 * S);
    expect(runStateAt(later, later.end)).toBe('success');
  });
});
