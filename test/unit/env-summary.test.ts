import { describe, expect, it } from 'vitest';
import { logGroups } from '../../src/core/env/fields.js';
import { airflowUiUrl, renderSummary, summarizeEnvironment } from '../../src/core/env/summary.js';
import { envWith } from './env-fakes.js';

describe('env show summary', () => {
  it('the Airflow UI is https, and http only for a loopback host (the emulator)', () => {
    expect(airflowUiUrl({ WebserverUrl: 'abc.c2.eu-west-1.airflow.amazonaws.com' })).toBe('https://abc.c2.eu-west-1.airflow.amazonaws.com');
    expect(airflowUiUrl({ WebserverUrl: 'https://abc.example.com/' })).toBe('https://abc.example.com');
    expect(airflowUiUrl({ WebserverUrl: 'https://localhost:4566' })).toBe('http://localhost:4566');
    expect(airflowUiUrl({ WebserverUrl: '127.0.0.1:8080' })).toBe('http://127.0.0.1:8080');
    expect(airflowUiUrl({})).toBeUndefined();
  });

  it('log groups come from the ARNs without the trailing :*, only for enabled components', () => {
    const env = envWith('AVAILABLE', {
      LoggingConfiguration: {
        TaskLogs: {
          Enabled: true,
          LogLevel: 'INFO',
          CloudWatchLogGroupArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:airflow-demo-Task:*',
        },
        WorkerLogs: { Enabled: false, LogLevel: 'INFO' },
      },
    });
    expect(logGroups(env)).toEqual({ task: 'airflow-demo-Task' });
  });

  it('pinned artifacts and a failed last update with its error', () => {
    const s = summarizeEnvironment(
      envWith('UPDATE_FAILED', {
        PluginsS3Path: 'plugins.zip',
        PluginsS3ObjectVersion: 'v1',
        RequirementsS3Path: 'requirements.txt',
        RequirementsS3ObjectVersion: 'v2',
        LastUpdate: {
          Status: 'FAILED',
          CreatedAt: new Date(Date.UTC(2026, 0, 1)),
          Error: { ErrorCode: 'INCORRECT_CONFIGURATION', ErrorMessage: 'check the role' },
        },
      }),
    );
    expect(s.artifacts).toEqual({
      plugins: { path: 'plugins.zip', version: 'v1' },
      requirements: { path: 'requirements.txt', version: 'v2' },
      startupScript: undefined,
    });
    const text = renderSummary(s, Date.UTC(2026, 0, 1, 0, 5));
    expect(text).toMatch(/^Plugins:\s+plugins\.zip @ v1$/m);
    expect(text).toMatch(/^Startup script:\s+\(none\)$/m);
    expect(text).toMatch(/^Last update:\s+FAILED at 2026-01-01T00:00:00\.000Z \(5m 00s ago\)$/m);
    expect(text).toMatch(/^\s+INCORRECT_CONFIGURATION: check the role$/m);
  });
});
