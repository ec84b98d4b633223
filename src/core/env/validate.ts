/**
 * The MWAA rules (constraints, CreateEnvironment/UpdateEnvironment rules, Airflow versions) that the mwaa.yaml schema cannot check on
 * its own because they involve more than one field, or the live environment:
 * worker / web server / scheduler ranges per environment class, min ≤ max, PUBLIC_AND_PRIVATE only on
 * Airflow ≥ 3.2, two different subnets, KMS key form, the fields CreateEnvironment requires, the
 * fields that cannot change after creation (subnets, kmsKey, endpointManagement), and in-place version
 * changes. (Name, subnet/security-group counts, window format, option keys and tag limits are in the
 * schema, src/core/config/schema.ts, and fail when mwaa.yaml is loaded.)
 *
 * Everything here runs before any call that changes something; each violation names the field and the
 * rule, located in mwaa.yaml (file:line:column).
 */
import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import type { EnvironmentInfo } from '../ports/mwaa.js';
import type { SelectedEnvironment } from '../config/load.js';
import { AIRFLOW_VERSIONS, type EnvironmentEntry } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { EventSink } from '../events.js';
import { sameKmsKey } from './fields.js';
import { msg } from '../messages.js';

export interface Violation {
  /** path under the environment entry, e.g. "environment.maxWorkers" */
  field: string;
  message: string;
}

export interface ValidationContext {
  operation: 'create' | 'update' | 'diff';
  /** the environment as it is now (update/diff) */
  live?: EnvironmentInfo;
  /** the local emulator fills executionRoleArn and network */
  local?: boolean;
}

export interface ValidationResult {
  errors: Violation[];
  warnings: Violation[];
}

/** The Airflow version MWAA uses when CreateEnvironment names none: the latest. */
export const LATEST_AIRFLOW_VERSION = AIRFLOW_VERSIONS[0].version;
export const DEFAULT_ENVIRONMENT_CLASS = 'mw1.small';
/** Default quota of workers per environment; up to 50 with a quota increase. */
export const WORKER_QUOTA = 25;
export const WORKER_QUOTA_MAX = 50;

const KMS_KEY_RE =
  /^(((arn:aws(-[a-z]+)?:kms:[a-z]{2}-[a-z]+-\d:\d+:)?key\/)?[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}|(arn:aws(-[a-z]+)?:kms:[a-z]{2}-[a-z]+-\d:\d+:)?alias\/.+)$/;

export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const y = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const list = (values: readonly string[] | undefined) => (values?.length ? values.join(', ') : '(none)');
const sameSet = (a: readonly string[] = [], b: readonly string[] = []) =>
  a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

/** Checks an entry against the rules; returns errors and warnings (nothing is thrown). */
export function checkEnvironment(entry: EnvironmentEntry, context: ValidationContext): ValidationResult {
  const s = entry.environment ?? {};
  const live = context.live;
  const errors: Violation[] = [];
  const warnings: Violation[] = [];
  const err = (field: string, message: string) => errors.push({ field: `environment.${field}`, message });
  const warn = (field: string, message: string) => warnings.push({ field: `environment.${field}`, message });

  const envClass = s.environmentClass ?? live?.EnvironmentClass ?? DEFAULT_ENVIRONMENT_CLASS;
  const micro = envClass === 'mw1.micro';
  const classNote = s.environmentClass ? '' : live?.EnvironmentClass ? " (the environment's class)" : ' (the default class)';

  // --- ranges per class ---
  if (micro) {
    for (const field of ['minWorkers', 'maxWorkers', 'schedulers', 'minWebservers', 'maxWebservers'] as const) {
      const value = s[field];
      if (value !== undefined && value !== 1) {
        err(
          field,
          `${field} must be 1 for environment class mw1.micro (a single hybrid worker and scheduler, one web server), got ${value}`,
        );
      }
    }
  } else {
    for (const field of ['schedulers', 'minWebservers', 'maxWebservers'] as const) {
      const value = s[field];
      if (value !== undefined && (value < 2 || value > 5)) {
        err(field, `${field} must be between 2 and 5 for environment class ${envClass}${classNote}, got ${value}`);
      }
    }
    if (s.maxWorkers !== undefined && s.maxWorkers > WORKER_QUOTA) {
      warn(
        'maxWorkers',
        `maxWorkers ${s.maxWorkers} is above the default quota of ${WORKER_QUOTA} workers per environment; it needs a Service Quotas increase (up to ${WORKER_QUOTA_MAX})`,
      );
    }
  }
  const minWorkers = s.minWorkers ?? live?.MinWorkers;
  const maxWorkers = s.maxWorkers ?? live?.MaxWorkers;
  if (
    (s.minWorkers !== undefined || s.maxWorkers !== undefined) &&
    minWorkers !== undefined &&
    maxWorkers !== undefined &&
    minWorkers > maxWorkers
  ) {
    err(
      s.minWorkers !== undefined ? 'minWorkers' : 'maxWorkers',
      `minWorkers (${minWorkers}) must not be greater than maxWorkers (${maxWorkers})`,
    );
  }
  const minWeb = s.minWebservers ?? live?.MinWebservers;
  const maxWeb = s.maxWebservers ?? live?.MaxWebservers;
  if ((s.minWebservers !== undefined || s.maxWebservers !== undefined) && minWeb !== undefined && maxWeb !== undefined && minWeb > maxWeb) {
    err(
      s.minWebservers !== undefined ? 'minWebservers' : 'maxWebservers',
      `minWebservers (${minWeb}) must not be greater than maxWebservers (${maxWeb})`,
    );
  }

  // --- Airflow version: those MWAA offers, and the in-place upgrades it allows ---
  const version = s.airflowVersion ?? live?.AirflowVersion ?? LATEST_AIRFLOW_VERSION;
  if (s.airflowVersion !== undefined && !AIRFLOW_VERSIONS.some((v) => v.version === s.airflowVersion)) {
    warn(
      'airflowVersion',
      `Airflow ${s.airflowVersion} is not a version this tool knows MWAA to offer (${AIRFLOW_VERSIONS.map((v) => v.version).join(', ')}); MWAA will refuse it if it is not available`,
    );
  }
  if (s.webserverAccessMode === 'PUBLIC_AND_PRIVATE' && compareVersions(version, '3.2') < 0) {
    err(
      'webserverAccessMode',
      `webserverAccessMode PUBLIC_AND_PRIVATE is only available for Airflow 3.2 and later (airflowVersion is ${version}${s.airflowVersion ? '' : ", the environment's"})`,
    );
  }
  if (live?.AirflowVersion && s.airflowVersion && s.airflowVersion !== live.AirflowVersion) {
    const from = live.AirflowVersion;
    const to = s.airflowVersion;
    const [fromMajor] = from.split('.').map(Number);
    const [toMajor] = to.split('.').map(Number);
    if (fromMajor === 2 && toMajor === 3 && !from.startsWith('2.11.')) {
      err(
        'airflowVersion',
        `airflowVersion: upgrading in place from ${from} to ${to} is not supported; upgrade to the latest 2.11.x first (from 2.10.3 and earlier, create a new environment and migrate)`,
      );
    } else if (fromMajor === 3 && toMajor === 2 && !to.startsWith('2.11.')) {
      err('airflowVersion', `airflowVersion: an Airflow 3 environment (${from}) can only be downgraded to 2.11.x, not ${to}`);
    }
  }

  // --- network and keys ---
  const subnets = s.network?.subnetIds;
  if (subnets && subnets.length === 2 && subnets[0] === subnets[1]) {
    err('network.subnetIds', `network.subnetIds must name two different subnets (in two Availability Zones), got ${subnets[0]} twice`);
  }
  if (s.kmsKey !== undefined) {
    if (!KMS_KEY_RE.test(s.kmsKey)) {
      err(
        'kmsKey',
        'kmsKey must be a KMS key id or key ARN (e.g. arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab)',
      );
    } else if (/(^|:)alias\//.test(s.kmsKey)) {
      err('kmsKey', 'kmsKey: MWAA does not support KMS aliases (nor multi-Region keys); use the key id or key ARN');
    }
  }

  // --- CreateEnvironment required members ---
  if (context.operation === 'create' && !context.local) {
    if (!s.executionRoleArn) {
      err('executionRoleArn', 'executionRoleArn is required to create an environment (the IAM role MWAA runs as)');
    }
    if (!s.network) {
      err('network', 'network is required to create an environment: { subnetIds: [2 private subnets], securityGroupIds: [1 to 5] }');
    }
  }

  // --- fields that cannot change after creation; `env diff` shows them in the plan ---
  if (live && context.operation === 'update') {
    const liveSubnets = live.NetworkConfiguration?.SubnetIds;
    if (subnets && liveSubnets && !sameSet(subnets, liveSubnets)) {
      err(
        'network.subnetIds',
        `network.subnetIds cannot be changed after the environment is created (the environment has ${list(liveSubnets)}, mwaa.yaml says ${list(subnets)}); ` +
          'put the live subnets back in mwaa.yaml, or create a new environment',
      );
    }
    if (s.kmsKey !== undefined && !sameKmsKey(s.kmsKey, live.KmsKey)) {
      err(
        'kmsKey',
        `kmsKey cannot be changed after the environment is created (the environment has ${live.KmsKey ?? 'an AWS-owned key'}, mwaa.yaml says ${s.kmsKey}); ` +
          'remove kmsKey from mwaa.yaml or set it to the live value, or create a new environment',
      );
    }
    const liveEndpoints = live.EndpointManagement ?? 'SERVICE';
    if (s.endpointManagement !== undefined && s.endpointManagement !== liveEndpoints) {
      err(
        'endpointManagement',
        `endpointManagement cannot be changed after the environment is created (the environment has ${liveEndpoints}, mwaa.yaml says ${s.endpointManagement}); ` +
          'set it back in mwaa.yaml, or create a new environment',
      );
    }
  }
  return { errors, warnings };
}

/**
 * Throws a ConfigError (exit 2) listing every violation with its place in mwaa.yaml; reports warnings
 * as `env.config.warning` events.
 */
export function assertValidEnvironment(selected: SelectedEnvironment, context: ValidationContext, events: EventSink): void {
  const { errors, warnings } = checkEnvironment(selected.entry, context);
  const base = ['environments', selected.key];
  const locate = locator(selected.source.file);
  for (const w of warnings) {
    events(msg('env.config.warning', { field: w.field }, `${[...base, w.field].join('.')}: ${w.message}`));
  }
  if (errors.length === 0) return;
  const located = errors.map((e) => {
    const path = [...base, ...splitField(e.field)];
    const at = locate(path);
    return { ...e, path: path.join('.'), ...at };
  });
  const [first, ...rest] = located;
  const text = (v: (typeof located)[number]) =>
    `${selected.source.file}${v.line !== undefined ? `:${v.line}:${v.column}` : ''}: ${v.path}: ${v.message}`;
  throw new ConfigError(
    first.message + (rest.length ? `\n${rest.map(text).join('\n')}` : ''),
    { file: selected.source.file, line: first.line, column: first.column, path: first.path },
    {
      code: 'env.config.invalid',
      hint:
        errors.length > 1
          ? `${errors.length} problems; fix them in mwaa.yaml (nothing was changed)`
          : 'fix mwaa.yaml (nothing was changed)',
      details: { problems: located.map((v) => ({ path: v.path, line: v.line, column: v.column, message: v.message })) },
    },
  );
}

function splitField(field: string): string[] {
  // "environment.network.subnetIds" → ["environment", "network", "subnetIds"]
  return field.split('.');
}

/** Finds line/column of a path in the YAML file (of the closest existing ancestor). */
export function locator(file: string): (path: string[]) => { line?: number; column?: number } {
  let doc: ReturnType<typeof parseDocument> | undefined;
  const lineCounter = new LineCounter();
  try {
    doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter });
  } catch {
    doc = undefined;
  }
  return (path) => {
    if (!doc) return {};
    let node: YamlNode | null = doc.contents as YamlNode | null;
    let offset = node?.range?.[0];
    for (const segment of path) {
      if (!node || !isMap(node)) break;
      const pair = node.items.find((p: Pair) => String((p.key as { value?: unknown } | null)?.value) === segment) as
        | Pair<YamlNode, YamlNode>
        | undefined;
      if (!pair) break;
      offset = pair.key?.range?.[0] ?? offset;
      node = pair.value ?? null;
    }
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
}
