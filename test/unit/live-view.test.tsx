/**
 * The live renderer (src/ui/views/live.tsx) on a stream rendered by a terminal emulator, and how the
 * views fit the terminal's height: what a person sees, frame by frame.
 */
import { Writable } from 'node:stream';
import xterm from '@xterm/headless';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { EnvWaitView, startEnvWaitView } from '../../src/ui/views/env-wait.js';
import { msg } from '../../src/core/messages.js';
import { progressBar, startDeployView, uploadLine } from '../../src/ui/views/deploy.js';
import { fitWords, Line, mountLiveView, type Outcome } from '../../src/ui/views/live.js';
import { countLine, fitTasks, startTriggerView, TriggerView, type TaskRow } from '../../src/ui/views/trigger.js';
import type { LiveScreen, LiveTarget } from '../../src/ui/io.js';
import { ERASING, STYLING } from '../helpers/terminal.js';
import { planJson } from './deploy-fakes.js';

/** A terminal of cols × rows (what the stream reports can differ: `reports`) and a target drawing on it. */
function terminal(cols: number, rows: number, reports: { columns: number; rows: number } = { columns: cols, rows }, color = true) {
  const term = new xterm.Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
  let raw = '';
  let written = Promise.resolve();
  const stream = new Writable({
    write(chunk: Buffer, _enc, callback) {
      const text = chunk.toString('utf8');
      raw += text;
      // the terminal wants \r\n; a pty's line discipline adds the \r
      written = written.then(() => new Promise<void>((resolve) => term.write(text.replace(/\n/g, '\r\n'), resolve)));
      callback();
    },
  });
  Object.assign(stream, { isTTY: true, ...reports });
  let claimed: LiveScreen | undefined;
  const target: LiveTarget = {
    stream: stream as unknown as NodeJS.WriteStream,
    color,
    claim: (view) => {
      claimed = view;
      return () => (claimed = undefined);
    },
  };
  const lines = async () => {
    await written;
    const buffer = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < buffer.length; y++) out.push((buffer.getLine(y)?.translateToString(true) ?? '').trimEnd());
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  };
  /** the person narrows or widens the window: the terminal reflows, the stream reports the new size */
  const resize = async (columns: number) => {
    await written;
    term.resize(columns, rows);
    Object.assign(stream, { columns });
    stream.emit('resize');
  };
  return { target, raw: () => raw, lines, claimed: () => claimed, resize };
}

interface Demo {
  title: string;
  items: string[];
  outcome?: Outcome;
}

const demoView = (state: Demo, _now: number, maxLines: number) => (
  <>
    <Line color="cyan">
      {state.outcome ? (state.outcome.ok ? '✔' : '✖') : '…'} {state.title}
    </Line>
    {state.items.slice(0, Math.max(0, maxLines - 1)).map((item) => (
      <Line key={item}>
        {'  '}
        {item}
      </Line>
    ))}
  </>
);

const tasks = (n: number, state: (i: number) => string): TaskRow[] =>
  Array.from({ length: n }, (_, i) => ({ key: `t${String(i).padStart(2, '0')}`, state: state(i) }));

describe('the live renderer', () => {
  it('redraws its frame in place, prints lines above it, and leaves only the last frame and those lines', async () => {
    const t = terminal(60, 10);
    const view = mountLiveView<Demo>({ target: t.target, initial: { title: 'working', items: ['a'] }, clock: () => 0, view: demoView });
    expect(t.claimed()).toBe(view);
    view.update({ ...view.state, items: ['a', 'b'] });
    view.printAbove('a line for the record');
    view.update({ ...view.state, items: ['a', 'b', 'c'] });
    await view.finish({ ok: true, message: 'done' });
    expect(t.claimed()).toBeUndefined();
    expect(await t.lines()).toEqual(['a line for the record', '✔ working', '  a', '  b', '  c']);
    expect(t.raw()).not.toMatch(ERASING);
  });

  it('never draws a frame taller than the terminal less one row, and never erases what was above it', async () => {
    const t = terminal(60, 8);
    const view = mountLiveView<Demo>({
      target: t.target,
      initial: { title: 'working', items: [] },
      clock: () => 0,
      // a view that ignores maxLines: the renderer cuts the frame
      view: (state) => (
        <>
          <Text>{state.title}</Text>
          {state.items.map((item) => (
            <Text key={item}>{item}</Text>
          ))}
        </>
      ),
    });
    for (let i = 0; i < 30; i++) view.update({ ...view.state, items: [...view.state.items, `item ${i}`] });
    view.printAbove('kept');
    await view.finish({ ok: true, message: '' });
    const lines = await t.lines();
    expect(lines).toEqual(['kept', 'working', ...Array.from({ length: 6 }, (_, i) => `item ${i}`)]);
    expect(t.raw()).not.toMatch(ERASING);
  });

  it('suspended: the frame is erased and nothing is drawn until resumed; then it is drawn below what was written meanwhile', async () => {
    const t = terminal(60, 10);
    const view = mountLiveView<Demo>({ target: t.target, initial: { title: 'working', items: ['a'] }, clock: () => 0, view: demoView });
    view.suspend();
    const atSuspend = t.raw().length;
    view.update({ ...view.state, items: ['a', 'b'] });
    await new Promise((resolve) => setImmediate(resolve));
    (t.target.stream as Writable).write('question? [y/N] y\n');
    expect(t.raw().slice(atSuspend)).toBe('question? [y/N] y\n');
    view.resume();
    await view.finish({ ok: true, message: '' });
    expect(await t.lines()).toEqual(['question? [y/N] y', '✔ working', '  a', '  b']);
  });

  it('after the window gets narrower, the redrawn frame replaces the old one, rows it wrapped into included', async () => {
    const t = terminal(80, 10);
    const view = mountLiveView<Demo>({
      target: t.target,
      initial: { title: 'working', items: ['y'.repeat(70)] },
      clock: () => 0,
      view: demoView,
    });
    view.printAbove('kept');
    await t.resize(40);
    await view.finish({ ok: true, message: '' });
    expect(await t.lines()).toEqual(['kept', '✔ working', `  ${'y'.repeat(37)}…`]);
  });

  it('a terminal that reports 0 columns and 0 rows is drawn as 80 × 24', async () => {
    const t = terminal(100, 30, { columns: 0, rows: 0 });
    const long = 'x'.repeat(90);
    const view = mountLiveView<Demo>({ target: t.target, initial: { title: 'working', items: [long] }, clock: () => 0, view: demoView });
    await view.finish({ ok: true, message: '' });
    const lines = await t.lines();
    expect(lines[0]).toBe('✔ working');
    expect(lines[1]).toMatch(/^ {2}x{77}…$/);
    expect(lines).toHaveLength(2);
  });

  it("with colour, the frame is coloured whatever stdout is (here vitest's, not a terminal)", async () => {
    const t = terminal(60, 10, undefined, true);
    const view = mountLiveView<Demo>({ target: t.target, initial: { title: 'working', items: ['a'] }, clock: () => 0, view: demoView });
    await view.finish({ ok: true, message: '' });
    expect(t.raw()).toContain('\u001b[36m✔ working');
  });

  it('without colour (NO_COLOR, --no-color, FORCE_COLOR=0), no styling escape reaches the terminal', async () => {
    const t = terminal(60, 10, undefined, false);
    const view = mountLiveView<Demo>({ target: t.target, initial: { title: 'working', items: ['a'] }, clock: () => 0, view: demoView });
    await view.finish({ ok: false, message: '' });
    expect(await t.lines()).toEqual(['✖ working', '  a']);
    expect(t.raw()).not.toMatch(STYLING);
  });
});

describe('fitting the trigger view to the terminal', () => {
  it('shows failed and running tasks first, in DAG order, and counts the others by state', () => {
    const rows = tasks(30, (i) => (i === 7 ? 'failed' : i === 20 || i === 21 ? 'running' : i < 20 ? 'success' : 'queued'));
    const { shown, hidden } = fitTasks(rows, 5);
    expect(shown.map((t) => `${t.key} ${t.state}`)).toEqual(['t07 failed', 't20 running', 't21 running', 't22 queued']);
    expect(countLine(hidden, true)).toBe('… 26 more tasks: 7 queued, 19 success');
    expect(fitTasks(rows, 30)).toEqual({ shown: rows, hidden: [] });
    expect(countLine(fitTasks(rows, 1).hidden, false)).toBe('30 tasks: 1 failed, 2 running, 8 queued, 19 success');
  });

  it('a frame of 30 tasks in 23 lines: the header, the telling tasks, a count line, the hint', () => {
    const rows = tasks(30, (i) => (i < 24 ? 'success' : i < 28 ? 'queued' : 'running'));
    const frame =
      render(
        <TriggerView
          dagId="wide"
          runId="manual__1"
          runState="running"
          tasks={rows}
          startedAt={0}
          now={1000}
          notes={['slow scheduler']}
          maxLines={23}
        />,
      ).lastFrame() ?? '';
    const lines = frame.split('\n');
    expect(lines).toHaveLength(23);
    expect(lines[0]).toMatch(/^⠋ wide manual__1\s+running\s+1s$/);
    expect(lines.filter((l) => /▶ t2[89]\s+running/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /… t2[4-7]\s+queued/.test(l))).toHaveLength(4);
    expect(lines.filter((l) => /✔ t\d\d\s+success/.test(l))).toHaveLength(13);
    expect(lines[20]).toBe('  … 11 more tasks: 11 success');
    expect(lines[21]).toMatch(/warning: slow scheduler/);
    expect(lines[22]).toMatch(/Ctrl-C stops waiting/);
  });

  it('lines of the frame are cut to the width, never wrapped; the run state and time stay whole', () => {
    const frame =
      render(<TriggerView dagId={'d'.repeat(150)} runId="r" tasks={[]} startedAt={0} now={0} notes={[]} maxLines={10} />).lastFrame() ?? '';
    expect(frame.split('\n')[0]).toMatch(/^⠋ d+… {2}reading state… {2}0ms$/);
    expect(frame.split('\n')[0].length).toBeLessThanOrEqual(80);
  });

  it('40 columns: the run id gives way to the run state and the time', () => {
    const run = 'manual__2026-12-07T10:50:00.395000+00:00';
    const header = (columns: number) =>
      (
        render(
          <TriggerView dagId="example" runId={run} runState="running" tasks={[]} startedAt={0} now={90_000} notes={[]} columns={columns} />,
        ).lastFrame() ?? ''
      ).split('\n')[0];
    expect(header(40)).toBe('⠋ example manual__2026…  running  1m 30s');
    expect(header(40).length).toBeLessThanOrEqual(40);
    expect(header(100)).toBe(`⠋ example ${run}  running  1m 30s`);
  });
});

describe('fitting the env wait view to the terminal', () => {
  it('40 columns: the title gives way to the status and the time', () => {
    const frame =
      render(
        <EnvWaitView
          name="analytics-production"
          operation="create"
          status="CREATING"
          timeline={[{ status: 'CREATING', at: 0 }]}
          startedAt={0}
          now={750_000}
          notes={[]}
          columns={40}
        />,
      ).lastFrame() ?? '';
    const header = frame.split('\n')[0];
    expect(header).toMatch(/^⠋ \S.*… {2}CREATING {2}12m 30s$/);
    expect(header.length).toBeLessThanOrEqual(40);
  });

  it('a long timeline keeps its latest statuses under a count of the earlier ones', () => {
    const timeline = ['UPDATING', 'CREATING_SNAPSHOT', 'UPDATING', 'ROLLING_BACK', 'UPDATE_FAILED'].map((status, i) => ({
      status,
      at: i * 1000,
    }));
    const frame =
      render(
        <EnvWaitView
          name="dev"
          operation="update"
          status="UPDATE_FAILED"
          timeline={timeline}
          startedAt={0}
          now={5000}
          notes={[]}
          maxLines={5}
        />,
      ).lastFrame() ?? '';
    const lines = frame.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe('  … 3 earlier statuses');
    expect(lines[2]).toMatch(/· ROLLING_BACK/);
    expect(lines[3]).toMatch(/› UPDATE_FAILED/);
    expect(lines[4]).toMatch(/Ctrl-C stops waiting/);
  });
});

describe('live views in a narrow terminal', () => {
  it('40 columns: the file count and the plan numbers are whole, the bar is shorter, nothing is wider than the terminal', async () => {
    const t = terminal(40, 12);
    let now = 0;
    const view = startDeployView({ target: t.target, title: 'Deploying to t', clock: () => now });
    view.event(
      msg(
        'deploy.plan',
        { plan: planJson({ added: 0, changed: 150, removed: 0, unchanged: 2851 }), planMs: 5 },
        'plan: 0 added, 150 changed, 0 removed, 2851 unchanged; environment update: no',
      ),
    );
    view.event(msg('deploy.phase', { phase: 'commit' }, 'recording release 20261207-104840-b5cf'));
    view.event(msg('deploy.upload.done', { key: 'dags/a.py', done: 113, total: 150, bytesDone: 1_150_000, bytesTotal: 1_500_000 }, ''));
    now = 900;
    await new Promise((resolve) => setImmediate(resolve));
    await view.finish({ ok: true, message: 'deployed' });
    const lines = await t.lines();
    expect(lines).toContain(`  ${progressBar(113, 150, 24)} 113/150 files`);
    expect(lines).toContain('  0 added, 150 changed, 0 removed…');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
  });

  it('the trigger and env wait views get the width too: their headers keep the status and the time', async () => {
    const t = terminal(40, 12);
    let now = 90_000;
    const trigger = startTriggerView({
      target: t.target,
      dagId: 'example',
      runId: 'manual__2026-12-07T10:50:00.395000+00:00',
      startedAt: 0,
      clock: () => now,
    });
    trigger.event(msg('trigger.run.state', { dagId: 'example', runId: 'r', state: 'running' }, 'run r: running'));
    await trigger.finish({ ok: true, message: 'succeeded (waited 1m 30s)' });
    const env = startEnvWaitView({ target: t.target, name: 'analytics-production', operation: 'create', startedAt: 0, clock: () => now });
    env.event(msg('env.status.changed', { name: 'analytics-production', status: 'CREATING', previous: null, elapsedMs: 0 }, ''));
    now = 750_000;
    await env.finish({ ok: true, message: 'created' });
    const lines = await t.lines();
    expect(lines).toContain('✔ example manual__2026…  running  1m 30s');
    expect(lines.some((l) => /^✔ \S.*… {2}CREATING {2}12m 30s$/.test(l))).toBe(true);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
  });

  it('80 columns: the bar is 30 wide and the sizes are shown', () => {
    expect(uploadLine({ done: 2, total: 3, bytesDone: 2048, bytesTotal: 3072 }, 80)).toEqual({
      bar: progressBar(2, 3, 30),
      text: '2/3 files, 2.0 KiB/3.0 KiB',
    });
    // too narrow for any bar: the count alone
    expect(uploadLine({ done: 113, total: 150, bytesDone: 0, bytesTotal: 0 }, 18)).toEqual({ bar: '', text: '113/150 files' });
  });

  it('fitWords cuts at a word, never inside a number', () => {
    expect(fitWords('0 added, 150 changed, 0 removed, 2851 unchanged', 36)).toBe('0 added, 150 changed, 0 removed…');
    // a count whose word does not fit goes with it
    expect(fitWords('0 added, 150 changed, 0 removed, 2851 unchanged', 38)).toBe('0 added, 150 changed, 0 removed…');
    expect(fitWords('fits as it is', 20)).toBe('fits as it is');
  });
});
