/** The deploy live view and its event reducer. */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { DeployView, progressBar, reduceDeployEvent, type DeployViewState } from '../../src/ui/views/deploy.js';

const start: Omit<DeployViewState, 'now'> = { title: 'Deploying to dev', startedAt: 0, lines: [] };

describe('deploy live view', () => {
  it('folds events into the state: plan, phase, upload progress, environment status, warnings', () => {
    let s = start;
    s = reduceDeployEvent(s, { code: 'deploy.plan', level: 'info', message: 'plan: 3 added, 0 changed, 0 removed, 0 unchanged; environment update: no' });
    s = reduceDeployEvent(s, { code: 'deploy.phase', level: 'info', message: 'uploading 3 DAG files' });
    s = reduceDeployEvent(s, { code: 'deploy.upload.done', level: 'progress', message: '', data: { done: 2, total: 3, bytesDone: 2048, bytesTotal: 3072 } });
    s = reduceDeployEvent(s, { code: 'env.status.changed', level: 'info', message: '', data: { status: 'UPDATING' } });
    s = reduceDeployEvent(s, { code: 'deploy.preflight.warning', level: 'warn', message: 'no --constraint line' });
    expect(s.plan).toBe('3 added, 0 changed, 0 removed, 0 unchanged; environment update: no');
    expect(s.upload).toEqual({ done: 2, total: 3, bytesDone: 2048, bytesTotal: 3072 });
    expect(s.envStatus).toBe('UPDATING');
    expect(s.lines).toEqual(['warning: no --constraint line']);

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
    const { lastFrame } = render(<DeployView {...start} phase="uploading" outcome={{ ok: false, message: 'deploy failed: boom' }} now={10} />);
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
