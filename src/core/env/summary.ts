/** What `mwaa env show` and `mwaa env list` report about an environment (README "Environments: `mwaa env`"). */
import type { EnvironmentInfo } from '../ports/mwaa.js';
import type { LogComponent } from '../config/schema.js';
import { formatDuration } from '../duration.js';
import { bucketOfArn, logGroups } from './fields.js';

export interface ArtifactPin {
  path: string;
  version?: string;
}

export interface EnvironmentSummary {
  name: string;
  status: string;
  arn?: string;
  createdAt?: string;
  airflowVersion?: string;
  environmentClass?: string;
  workers: { min?: number; max?: number };
  webservers: { min?: number; max?: number };
  schedulers?: number;
  webserverUrl?: string;
  webserverAccessMode?: string;
  executionRoleArn?: string;
  sourceBucket?: string;
  dagS3Path?: string;
  artifacts: { plugins?: ArtifactPin; requirements?: ArtifactPin; startupScript?: ArtifactPin };
  logGroups: Partial<Record<LogComponent, string>>;
  lastUpdate?: {
    status?: string;
    createdAt?: string;
    source?: string;
    workerReplacementStrategy?: string;
    error?: { code?: string; message?: string };
  };
}

function iso(value: Date | string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(typeof value === 'number' && value < 1e12 ? value * 1000 : value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The Airflow UI address: https, or http for a loopback host (the local emulator, README "Tokens"). */
export function airflowUiUrl(env: Pick<EnvironmentInfo, 'WebserverUrl'>): string | undefined {
  const raw = env.WebserverUrl;
  if (!raw) return undefined;
  const host = raw.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const loopback = hostname === 'localhost' || hostname === '::1' || /^127\./.test(hostname);
  return `${loopback ? 'http' : 'https'}://${host}`;
}

function pin(path: string | undefined, version: string | undefined): ArtifactPin | undefined {
  if (!path) return undefined;
  return version ? { path, version } : { path };
}

export function summarizeEnvironment(env: EnvironmentInfo): EnvironmentSummary {
  const lu = env.LastUpdate;
  return {
    name: env.Name ?? '',
    status: env.Status ?? 'UNKNOWN',
    arn: env.Arn,
    createdAt: iso(env.CreatedAt as Date | undefined),
    airflowVersion: env.AirflowVersion,
    environmentClass: env.EnvironmentClass,
    workers: { min: env.MinWorkers, max: env.MaxWorkers },
    webservers: { min: env.MinWebservers, max: env.MaxWebservers },
    schedulers: env.Schedulers,
    webserverUrl: airflowUiUrl(env),
    webserverAccessMode: env.WebserverAccessMode,
    executionRoleArn: env.ExecutionRoleArn,
    sourceBucket: bucketOfArn(env.SourceBucketArn),
    dagS3Path: env.DagS3Path,
    artifacts: {
      plugins: pin(env.PluginsS3Path, env.PluginsS3ObjectVersion),
      requirements: pin(env.RequirementsS3Path, env.RequirementsS3ObjectVersion),
      startupScript: pin(env.StartupScriptS3Path, env.StartupScriptS3ObjectVersion),
    },
    logGroups: logGroups(env),
    lastUpdate: lu
      ? {
          status: lu.Status,
          createdAt: iso(lu.CreatedAt as Date | undefined),
          source: lu.Source,
          workerReplacementStrategy: lu.WorkerReplacementStrategy,
          error: lu.Error ? { code: lu.Error.ErrorCode, message: lu.Error.ErrorMessage } : undefined,
        }
      : undefined,
  };
}

const range = (r: { min?: number; max?: number }) =>
  r.min === undefined && r.max === undefined ? '-' : r.min === r.max ? String(r.min) : `${r.min ?? '?'}–${r.max ?? '?'}`;

/** `mwaa env show` as text. */
export function renderSummary(s: EnvironmentSummary, now?: number): string {
  const rows: Array<[string, string]> = [
    ['Name', s.name],
    ['Status', s.status],
    ['Airflow', s.airflowVersion ?? '-'],
    ['Class', s.environmentClass ?? '-'],
    ['Workers', range(s.workers)],
    ['Web servers', range(s.webservers)],
    ['Schedulers', s.schedulers !== undefined ? String(s.schedulers) : '-'],
    ['Airflow UI', s.webserverUrl ?? '-'],
    ['Access mode', s.webserverAccessMode ?? '-'],
    ['Bucket', s.sourceBucket ? `s3://${s.sourceBucket}/${s.dagS3Path ?? ''}` : '-'],
  ];
  const art = (a?: ArtifactPin) => (a ? `${a.path}${a.version ? ` @ ${a.version}` : ''}` : '(none)');
  rows.push(
    ['Plugins', art(s.artifacts.plugins)],
    ['Requirements', art(s.artifacts.requirements)],
    ['Startup script', art(s.artifacts.startupScript)],
  );
  const groups = Object.entries(s.logGroups);
  rows.push(['Log groups', groups.length ? groups.map(([c, g]) => `${c}: ${g}`).join('\n') : '(logging disabled)']);
  if (s.lastUpdate) {
    const when = s.lastUpdate.createdAt;
    const ago = when && now !== undefined ? ` (${formatDuration(Math.max(0, now - Date.parse(when)))} ago)` : '';
    const parts = [`${s.lastUpdate.status ?? '?'}${when ? ` at ${when}${ago}` : ''}`];
    if (s.lastUpdate.source) parts.push(`source: ${s.lastUpdate.source}`);
    if (s.lastUpdate.workerReplacementStrategy) parts.push(`workers: ${s.lastUpdate.workerReplacementStrategy}`);
    let text = parts.join(', ');
    if (s.lastUpdate.error) text += `\n${s.lastUpdate.error.code ?? 'ERROR'}: ${s.lastUpdate.error.message ?? ''}`;
    rows.push(['Last update', text]);
  }
  if (s.createdAt) rows.push(['Created', s.createdAt]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows
    .map(([k, v]) => {
      const [first, ...rest] = v.split('\n');
      return [`${(`${k}:`).padEnd(width)}${first}`, ...rest.map((l) => `${' '.repeat(width)}${l}`)].join('\n');
    })
    .join('\n');
}
