import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { EnvWaitView, type EnvWaitState } from '../../src/ui/views/env-wait.js';

const T0 = Date.UTC(2026, 0, 1);

function frame(state: Partial<EnvWaitState>): string {
  const props: EnvWaitState = { name: 'analytics-dev', operation: 'update', timeline: [], startedAt: T0, now: T0, notes: [], ...state };
  const view = render(createElement(EnvWaitView, props));
  const out = view.lastFrame() ?? '';
  view.unmount();
  return out;
}

describe('the env wait live view', () => {
  it('before the first read: the operation, the name and the elapsed time', () => {
    const out = frame({ now: T0 + 1500 });
    expect(out).toMatch(/Updating analytics-dev\s+reading status…\s+1s/);
    expect(out).toMatch(/Ctrl-C stops waiting; the environment keeps going/);
  });

  it('a status sequence: the current status, the timeline with time spent in each, the Airflow UI', () => {
    const out = frame({
      status: 'ROLLING_BACK',
      timeline: [
        { status: 'UPDATING', at: T0 },
        { status: 'CREATING_SNAPSHOT', at: T0 + 65_000 },
        { status: 'ROLLING_BACK', at: T0 + 125_000 },
      ],
      now: T0 + 185_000,
      webserverUrl: 'https://abc.c2.eu-west-1.airflow.amazonaws.com',
    });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/Updating analytics-dev\s+ROLLING_BACK\s+3m 05s$/);
    expect(lines[1]).toMatch(/· UPDATING\s+\+0ms\s+1m 05s$/);
    expect(lines[2]).toMatch(/· CREATING_SNAPSHOT\s+\+1m 05s\s+1m 00s$/);
    expect(lines[3]).toMatch(/› ROLLING_BACK\s+\+2m 05s\s+1m 00s$/);
    expect(out).toMatch(/Airflow UI: https:\/\/abc\.c2\.eu-west-1\.airflow\.amazonaws\.com/);
  });

  it('a successful end: a check mark, no hint about Ctrl-C', () => {
    const out = frame({
      operation: 'create',
      status: 'AVAILABLE',
      timeline: [
        { status: 'CREATING', at: T0 },
        { status: 'AVAILABLE', at: T0 + 1_500_000 },
      ],
      now: T0 + 1_500_000,
      outcome: { ok: true, message: 'done' },
    });
    expect(out.split('\n')[0]).toMatch(/^✔ Creating analytics-dev\s+AVAILABLE\s+25m 00s$/);
    expect(out).toMatch(/· CREATING\s+\+0ms\s+25m 00s/);
    expect(out).not.toMatch(/Ctrl-C/);
  });

  it('a failed end: a cross and the warnings; the error is left to the report that follows', () => {
    const out = frame({
      status: 'UPDATE_FAILED',
      timeline: [{ status: 'UPDATE_FAILED', at: T0 + 1000 }],
      now: T0 + 2000,
      notes: ['demo is PENDING'],
      outcome: { ok: false, message: 'updating environment analytics-dev failed (UPDATE_FAILED)' },
    });
    expect(out.split('\n')[0]).toMatch(/^✖ Updating analytics-dev\s+UPDATE_FAILED/);
    expect(out).toMatch(/warning: demo is PENDING/);
    expect(out).not.toMatch(/updating environment analytics-dev failed/);
  });

  it('delete and wait have their own titles', () => {
    expect(frame({ operation: 'delete', status: 'DELETING' })).toMatch(/Deleting analytics-dev\s+DELETING/);
    expect(frame({ operation: 'wait', status: 'UPDATING' })).toMatch(/Waiting for analytics-dev\s+UPDATING/);
  });
});
