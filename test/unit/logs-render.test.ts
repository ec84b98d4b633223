import { describe, expect, it } from 'vitest';
import { eventText, jsonRecord, levelOf, streamLabel, textRenderer, timeFormatter, type LevelStyler } from '../../src/core/logs/render.js';

const tag = (name: string) => (t: string) => `<${name}>${t}</${name}>`;
const STYLER: LevelStyler = { error: tag('e'), warning: tag('w'), info: tag('i'), debug: tag('d'), dim: (t) => t };

describe('Airflow 3 JSON events', () => {
  it('renders level, logger, event and extra fields', () => {
    const msg = JSON.stringify({
      timestamp: '2026-01-01T00:00:00.000Z',
      level: 'info',
      event: 'Task started',
      logger: 'airflow.task',
      chan: 'stdout',
      try_number: 2,
    });
    expect(eventText(msg)).toBe('INFO airflow.task: Task started chan=stdout try_number=2');
  });

  it('renders error_detail as a traceback under the line', () => {
    const msg = JSON.stringify({
      timestamp: '2026-01-01T00:00:00.000Z',
      level: 'error',
      event: 'Task failed with exception',
      logger: 'task',
      error_detail: [
        {
          exc_type: 'ValueError',
          exc_value: 'bad input',
          frames: [
            { filename: '/usr/local/airflow/dags/etl.py', lineno: 12, name: 'extract' },
            { filename: '/usr/lib/python3.12/json.py', lineno: 3, name: 'loads' },
          ],
        },
      ],
    });
    expect(eventText(msg).split('\n')).toEqual([
      'ERROR task: Task failed with exception',
      'Traceback (most recent call last):',
      '  File "/usr/local/airflow/dags/etl.py", line 12, in extract',
      '  File "/usr/lib/python3.12/json.py", line 3, in loads',
      'ValueError: bad input',
    ]);
  });

  it('leaves text and JSON-looking text that is not an object alone', () => {
    expect(eventText('[2026-01-01T00:00:00.000+0000] {taskinstance.py:1} INFO - hello\n')).toBe(
      '[2026-01-01T00:00:00.000+0000] {taskinstance.py:1} INFO - hello',
    );
    expect(eventText('{not json')).toBe('{not json');
    expect(eventText('{"a": 1')).toBe('{"a": 1');
  });
});

describe('levels', () => {
  it('finds the level word of Airflow 2 and Airflow 3 lines', () => {
    expect(levelOf('[2026-01-01, 00:00:00 UTC] {taskinstance.py:1} ERROR - boom')?.level).toBe('ERROR');
    expect(levelOf('WARNING airflow.task: careful')?.level).toBe('WARNING');
    expect(levelOf('nothing here')).toBeUndefined();
  });
});

describe('time', () => {
  it('formats UTC as ISO 8601, matching Date#toISOString', () => {
    const fmt = timeFormatter(true);
    for (const t of [0, 1_700_000_000_123, 1_700_000_000_999, 1_700_000_001_000, 1_767_225_599_001]) {
      expect(fmt(t)).toBe(new Date(t).toISOString());
    }
  });

  it('formats local time as YYYY-MM-DD HH:MM:SS.mmm', () => {
    const t = 1_700_000_000_042;
    const d = new Date(t);
    const p = (n: number) => String(n).padStart(2, '0');
    expect(timeFormatter(false)(t)).toBe(
      `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.042`,
    );
  });
});

describe('labels', () => {
  const stream = 'dag_id=etl/run_id=manual__2026-01-01T00_00_00+00_00/task_id=load/map_index=3/attempt=2.log';
  it('leaves out what the address fixes', () => {
    expect(streamLabel('g', stream, {})).toBe('etl/manual__2026-01-01T00_00_00+00_00/load[3]#2');
    expect(streamLabel('g', stream, { dagId: 'etl' })).toBe('manual__2026-01-01T00_00_00+00_00/load[3]#2');
    expect(streamLabel('g', stream, { dagId: 'etl', runId: 'x' })).toBe('load[3]#2');
    expect(streamLabel('g', 'dag_id=a/run_id=b/task_id=c/attempt=1.log.trigger.4.log', { dagId: 'a', runId: 'b' })).toBe('c#1 trigger');
  });

  it('shortens component streams to prefix@host, with the group when several are shown', () => {
    const s = 'requirements_install_ip-10-0-1-2.ec2.internal_1767225600.log';
    expect(streamLabel('airflow-demo-Worker', s, {})).toBe('requirements_install@ip-10-0-1-2');
    expect(streamLabel('airflow-demo-Worker', s, { showGroup: true })).toBe('Worker requirements_install@ip-10-0-1-2');
    expect(streamLabel('airflow-demo-DAGProcessing', 'dag_processor_manager.log', {})).toBe('dag_processor_manager.log');
  });
});

describe('text lines', () => {
  const group = 'airflow-demo-Task';
  const base = { logStreamName: 'dag_id=etl/run_id=r1/task_id=extract/attempt=1.log' };

  it('one line per event: time, label, message; continuation lines aligned under the message', () => {
    const render = textRenderer({ utc: true, label: { dagId: 'etl', runId: 'r1' } });
    expect(render({ ...base, timestamp: 1_767_225_600_000, message: 'hello' }, group)).toBe('2026-01-01T00:00:00.000Z  extract#1  hello\n');
    const multi = render({ ...base, timestamp: 1_767_225_600_001, message: 'Traceback:\n  File "x"\nValueError: v\n' }, group);
    const prefix = '2026-01-01T00:00:00.001Z  extract#1  ';
    expect(multi).toBe(`${prefix}Traceback:\n${' '.repeat(prefix.length)}  File "x"\n${' '.repeat(prefix.length)}ValueError: v\n`);
  });

  it('colors the level word only when a styler is given', () => {
    const plain = textRenderer({ utc: true, label: { dagId: 'etl', runId: 'r1' } });
    const colored = textRenderer({ utc: true, label: { dagId: 'etl', runId: 'r1' }, styler: STYLER });
    const e = { ...base, timestamp: 0, message: '{taskinstance.py:1} ERROR - boom' };
    expect(plain(e, group)).not.toContain('<e>');
    expect(colored(e, group)).toContain('{taskinstance.py:1} <e>ERROR</e> - boom');
    expect(colored({ ...e, message: '{"level":"warning","event":"hm"}' }, group)).toContain('<w>WARNING</w> hm');
  });

  it('JSON records keep the raw message and add the parsed object of a JSON event', () => {
    const raw = '{"timestamp":"2026-01-01T00:00:00Z","level":"info","event":"x","logger":"task"}';
    expect(jsonRecord({ ...base, timestamp: 1_767_225_600_000, message: raw, eventId: '42' }, group)).toEqual({
      timestamp: 1_767_225_600_000,
      time: '2026-01-01T00:00:00.000Z',
      group,
      stream: base.logStreamName,
      eventId: '42',
      message: raw,
      structured: { timestamp: '2026-01-01T00:00:00Z', level: 'info', event: 'x', logger: 'task' },
    });
    expect(jsonRecord({ ...base, timestamp: 0, message: 'text' }, group)).not.toHaveProperty('structured');
  });
});
