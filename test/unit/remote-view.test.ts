/** The trigger --wait live view: state updates from core events, and what a frame shows. */
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { msg } from '../../src/core/messages.js';
import { applyTriggerEvent, TriggerView, type TriggerViewState } from '../../src/ui/views/trigger.js';

const base: Omit<TriggerViewState, 'now'> = {
  dagId: 'etl',
  runId: 'manual__2024-11-05T10:00:00+00:00',
  tasks: [],
  startedAt: 0,
  notes: [],
};

describe('trigger view', () => {
  it('follows run and task state events', () => {
    const run = { dagId: 'etl', runId: base.runId };
    let s = applyTriggerEvent(base, msg('trigger.run.state', { ...run, state: 'running' }, ''), 1000);
    s = applyTriggerEvent(s, msg('trigger.task.state', { ...run, taskId: 'extract', state: 'running' }, ''), 1000);
    s = applyTriggerEvent(s, msg('trigger.task.state', { ...run, taskId: 'm', mapIndex: 2, state: 'queued' }, ''), 1500);
    s = applyTriggerEvent(s, msg('trigger.task.state', { ...run, taskId: 'extract', state: 'success', durationMs: 4000 }, ''), 5000);
    s = applyTriggerEvent(s, msg('trigger.dag.paused', { dagId: 'etl' }, 'careful'), 5000);
    expect(s.runState).toBe('running');
    expect(s.tasks).toEqual([
      { key: 'extract', state: 'success', runningSince: 1000, durationMs: 4000 },
      { key: 'm[2]', state: 'queued', runningSince: undefined, durationMs: undefined },
    ]);
    expect(s.notes).toEqual(['careful']);
  });

  it('renders the run, each task with its state and duration, and the outcome', () => {
    const state: TriggerViewState = {
      ...base,
      runState: 'failed',
      tasks: [
        { key: 'extract', state: 'success', durationMs: 2000 },
        { key: 'transform', state: 'failed', durationMs: 61_000 },
        { key: 'load', state: 'upstream_failed' },
      ],
      now: 65_000,
      outcome: { ok: false, message: 'run failed (1 failed task: transform)' },
    };
    const frame = render(createElement(TriggerView, state)).lastFrame() ?? '';
    expect(frame).toMatch(/✖ etl manual__2024-11-05T10:00:00\+00:00\s+failed\s+1m 05s/);
    expect(frame).toMatch(/✔ extract\s+success\s+2s/);
    expect(frame).toMatch(/✖ transform\s+failed\s+1m 01s/);
    expect(frame).toMatch(/✖ load\s+upstream_failed/);
    // the command reports the failure right after the view: the last frame does not repeat it
    expect(frame).not.toContain('run failed');
    expect(frame).not.toContain('Ctrl-C');
  });

  it('shows how long a running task has been running', () => {
    const frame =
      render(
        createElement(TriggerView, {
          ...base,
          runState: 'running',
          tasks: [{ key: 'extract', state: 'running', runningSince: 1000 }],
          now: 13_000,
        }),
      ).lastFrame() ?? '';
    expect(frame).toMatch(/▶ extract\s+running\s+12s/);
    expect(frame).toContain('Ctrl-C stops waiting');
  });
});
