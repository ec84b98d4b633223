/** The deploy live view and its event reducer. */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { msg } from '../../src/core/messages.js';
import { planJson } from './deploy-fakes.js';
import { DeployView, progressBar, reduceDeployEvent, type DeployViewState } from '../../src/ui/views/deploy.js';

const start: Omit<DeployViewState, 'now'> = { title: 'Deploying to dev', startedAt: 0, lines: [] };

describe('deploy live view', () => {
  it('folds events into the state: plan, phase, upload progress, environment status, warnings', () => {
    let s = start;
    s = reduceDeployEvent(
      s,
      msg('deploy.plan', { plan: planJson(), planMs: 5 }, 'plan: 3 added, 0 changed, 0 removed, 0 unchanged; environment update: no'),
    );
    s = reduceDeployEvent(s, msg('deploy.phase', { phase: 'uploads' }, 'uploading 3 DAG files'));
    s = reduceDeployEvent(s, msg('deploy.upload.done', { key: 'dags/b.py', done: 2, total: 3, bytesDone: 2048, bytesTotal: 3072 }, ''));
    s = reduceDeployEvent(s, msg('env.status.changed', { name: 'dev', status: 'UPDATING', previous: 'AVAILABLE', elapsedMs: 0 }, ''));
    s = reduceDeployEvent(s, msg('deploy.preflight.warning', { code: 'requirements.no-constraint' }, 'no --constraint line'));
    // the check's lines, worded as the plain host prints them
    s = reduceDeployEvent(
      s,
      msg('check.finding', { level: 'warning', code: 'requirements.unpinned', file: 'requirements.txt' }, 'check: requirements.txt: x'),
    );
    s = reduceDeployEvent(
      s,
      msg('check.done', { errors: 0, warnings: 1, skipped: 0, durationMs: 12 }, 'check: 0 errors, 1 warning (12ms)'),
    );
    expect(s.plan).toBe('3 added, 0 changed, 0 removed, 0 unchanged; environment update: no');
    expect(s.upload).toEqual({ done: 2, total: 3, bytesDone: 2048, bytesTotal: 3072 });
    expect(s.envStatus).toBe('UPDATING');
    expect(s.lines).toEqual(['warning: no --constraint line', 'warning: check: requirements.txt: x', 'check: 0 errors, 1 warning (12ms)']);

    const { lastFrame } = render(<DeployView {...s} now={1500} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('Deploying to dev');
    expect(frame).toContain('uploading 3 DAG files');
    expect(frame).toContain(`${progressBar(2, 3)} 2/3 files, 2.0 KiB/3.0 KiB`);
    expect(frame).toContain('environment: UPDATING');
    // lines are printed above the frame by startDeployView, once: not part of a frame
    expect(frame).not.toContain('warning: no --constraint line');
  });

  it('shows the outcome instead of the phase when done, without its message (the command prints it next)', () => {
    const { lastFrame } = render(
      <DeployView {...start} phase="uploading" outcome={{ ok: false, message: 'deploy failed: boom' }} now={10} />,
    );
    expect(lastFrame()).toContain('✖ Deploying to dev');
    expect(lastFrame()).not.toContain('deploy failed: boom');
    expect(lastFrame()).not.toContain('uploading');
  });

  it('draws a proportional bar', () => {
    expect(progressBar(0, 10, 10)).toBe('░░░░░░░░░░');
    expect(progressBar(5, 10, 10)).toBe('█████░░░░░');
    expect(progressBar(10, 10, 10)).toBe('██████████');
  });
});
