/** `mwaa open`: the login URL's shape and when a browser is opened instead of printing it. */
import { describe, expect, it } from 'vitest';
import { browserCommand, loginUrl } from '../../src/cli/commands/open.js';

describe('mwaa open', () => {
  it('builds the MWAA console-SSO login URL, https unless the host is loopback', () => {
    expect(loginUrl('abc.c2.us-east-1.airflow.amazonaws.com', 'TOKEN')).toBe(
      'https://abc.c2.us-east-1.airflow.amazonaws.com/aws_mwaa/aws-console-sso?login=true#TOKEN',
    );
    expect(loginUrl('localhost:4566', 'T')).toBe('http://localhost:4566/aws_mwaa/aws-console-sso?login=true#T');
  });

  it('opens a browser only with a terminal and a display (or $BROWSER)', () => {
    expect(browserCommand({ interactive: false, env: { DISPLAY: ':0' } }, 'linux')).toBeUndefined();
    expect(browserCommand({ interactive: true, env: {} }, 'linux')).toBeUndefined();
    expect(browserCommand({ interactive: true, env: { DISPLAY: ':0' } }, 'linux')).toEqual({ cmd: 'xdg-open', args: [] });
    expect(browserCommand({ interactive: true, env: { WAYLAND_DISPLAY: 'wayland-0' } }, 'linux')?.cmd).toBe('xdg-open');
    expect(browserCommand({ interactive: true, env: {} }, 'darwin')?.cmd).toBe('open');
    expect(browserCommand({ interactive: true, env: { BROWSER: 'firefox' } }, 'linux')?.cmd).toBe('firefox');
  });
});
