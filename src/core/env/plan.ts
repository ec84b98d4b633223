/**
 * The plan: field-level differences between the `environment:` block of mwaa.yaml and the live
 * environment, and the UpdateEnvironment / TagResource / UntagResource calls that apply them.
 *
 * Only fields mwaa.yaml sets are compared (a field it does not set is left as it is). Differences in
 * fields that cannot change after creation (subnets, kmsKey, endpointManagement) are listed with
 * `updatable: false`; `env update` refuses them. UpdateEnvironment gets only the changed fields:
 * LoggingConfiguration carries every component (unchanged ones with their live values) and
 * AirflowConfigurationOptions the whole desired map (it replaces the live one), so nothing is reset by
 * omission. Plugins/requirements/startup script versions are never sent: the environment keeps them.
 */
import type { CreateEnvironmentInput, EnvironmentInfo, UpdateEnvironmentInput } from '../ports/mwaa.js';
import { sourceBucketName } from '../config/load.js';
import { LOG_COMPONENTS, type EnvironmentEntry, type EnvironmentSettings } from '../config/schema.js';
import {
  bucketArn,
  bucketOfArn,
  DEFAULT_DAG_S3_PATH,
  desiredLogging,
  LOG_MEMBERS,
  liveLogging,
  sameKmsKey,
  toCreateInput,
  type LogLevel,
} from './fields.js';

export type ChangeKind = 'add' | 'change' | 'remove';

export interface FieldChange {
  /** mwaa.yaml field path under `environment:` (or `bucket`), e.g. "minWorkers", "logging.task", "tags.team" */
  field: string;
  kind: ChangeKind;
  /** live value (undefined when not set) */
  from?: unknown;
  /** desired value (undefined for a removal) */
  to?: unknown;
  /** false: MWAA cannot change it after creation */
  updatable: boolean;
  /** the API call that applies it */
  via: 'UpdateEnvironment' | 'TagResource' | 'UntagResource' | 'none';
  /** why it cannot be applied (not updatable) */
  reason?: string;
}

export interface EnvironmentPlan {
  name: string;
  exists: boolean;
  /** every difference, including those that cannot be applied */
  changes: FieldChange[];
  /** managed fields already equal */
  unchanged: string[];
  /** UpdateEnvironment input with only the changed fields; undefined when nothing needs it */
  update?: UpdateEnvironmentInput;
  /** TagResource / UntagResource work */
  tags: { set: Record<string, string>; remove: string[] };
  /** for an environment that does not exist: what CreateEnvironment would get */
  create?: CreateEnvironmentInput;
}

/** Fields the plan compares as single values. */
const SCALARS: ReadonlyArray<{
  field: keyof NonNullable<EnvironmentEntry['environment']>;
  api: (keyof EnvironmentInfo & keyof UpdateEnvironmentInput) | 'KmsKey' | 'EndpointManagement';
  updatable: boolean;
}> = [
  { field: 'airflowVersion', api: 'AirflowVersion', updatable: true },
  { field: 'environmentClass', api: 'EnvironmentClass', updatable: true },
  { field: 'executionRoleArn', api: 'ExecutionRoleArn', updatable: true },
  { field: 'webserverAccessMode', api: 'WebserverAccessMode', updatable: true },
  { field: 'minWorkers', api: 'MinWorkers', updatable: true },
  { field: 'maxWorkers', api: 'MaxWorkers', updatable: true },
  { field: 'minWebservers', api: 'MinWebservers', updatable: true },
  { field: 'maxWebservers', api: 'MaxWebservers', updatable: true },
  { field: 'schedulers', api: 'Schedulers', updatable: true },
  { field: 'weeklyMaintenanceWindowStart', api: 'WeeklyMaintenanceWindowStart', updatable: true },
  { field: 'kmsKey', api: 'KmsKey', updatable: false },
  { field: 'endpointManagement', api: 'EndpointManagement', updatable: false },
];

const NOT_UPDATABLE = 'MWAA cannot change this after the environment is created; recreate the environment to change it';

const sorted = (values: readonly string[] | undefined) => [...(values ?? [])].sort();
const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/** Compares mwaa.yaml with the live environment (undefined: it does not exist). */
export function planEnvironment(
  entry: EnvironmentEntry,
  live: EnvironmentInfo | undefined,
  region: string | undefined,
  options: { createSettings?: EnvironmentSettings } = {},
): EnvironmentPlan {
  const s = entry.environment ?? {};
  const plan: EnvironmentPlan = { name: entry.name, exists: Boolean(live), changes: [], unchanged: [], tags: { set: {}, remove: [] } };
  if (!live) {
    plan.create = toCreateInput(entry, region, options.createSettings);
    return plan;
  }

  const update: Record<string, unknown> = {};
  const add = (c: Omit<FieldChange, 'kind'> & { kind?: ChangeKind }) =>
    plan.changes.push({ ...c, kind: c.kind ?? (c.from === undefined ? 'add' : 'change') } as FieldChange);

  // scalar fields
  for (const { field, api, updatable } of SCALARS) {
    const desired = s[field];
    if (desired === undefined) continue;
    let current = (live as Record<string, unknown>)[api];
    if (api === 'EndpointManagement') current ??= 'SERVICE';
    const equal = api === 'KmsKey' ? sameKmsKey(desired as string, current as string | undefined) : desired === current;
    if (equal) {
      plan.unchanged.push(field);
      continue;
    }
    add({
      field,
      from: current,
      to: desired,
      updatable,
      via: updatable ? 'UpdateEnvironment' : 'none',
      ...(updatable ? {} : { reason: NOT_UPDATABLE }),
    });
    if (updatable) update[api] = desired;
  }

  // the DAG folder (managed, default "dags") and the source bucket
  const dagPath = s.dagS3Path ?? DEFAULT_DAG_S3_PATH;
  if (live.DagS3Path === dagPath) plan.unchanged.push('dagS3Path');
  else {
    add({ field: 'dagS3Path', from: live.DagS3Path, to: dagPath, updatable: true, via: 'UpdateEnvironment' });
    update.DagS3Path = dagPath;
  }
  const bucket = sourceBucketName(entry);
  if (bucketOfArn(live.SourceBucketArn) === bucket) plan.unchanged.push('bucket');
  else {
    add({ field: 'bucket', from: bucketOfArn(live.SourceBucketArn), to: bucket, updatable: true, via: 'UpdateEnvironment' });
    update.SourceBucketArn = bucketArn(bucket, region);
  }

  // network: subnets cannot change; security groups can
  if (s.network) {
    const net = live.NetworkConfiguration ?? {};
    if (sameList(s.network.subnetIds, net.SubnetIds)) plan.unchanged.push('network.subnetIds');
    else
      add({
        field: 'network.subnetIds',
        from: net.SubnetIds,
        to: s.network.subnetIds,
        updatable: false,
        via: 'none',
        reason: NOT_UPDATABLE,
      });
    if (sameList(s.network.securityGroupIds, net.SecurityGroupIds)) plan.unchanged.push('network.securityGroupIds');
    else {
      add({
        field: 'network.securityGroupIds',
        from: net.SecurityGroupIds,
        to: s.network.securityGroupIds,
        updatable: true,
        via: 'UpdateEnvironment',
      });
      update.NetworkConfiguration = { SecurityGroupIds: [...s.network.securityGroupIds] };
    }
  }

  // logging, per component
  if (s.logging) {
    let loggingChanged = false;
    for (const component of LOG_COMPONENTS) {
      const desired = desiredLogging(s.logging[component]);
      if (!desired) continue;
      const current = liveLogging(live, component);
      const same = current !== undefined && current.enabled === desired.enabled && (!desired.enabled || current.level === desired.level);
      const field = `logging.${component}`;
      if (same) {
        plan.unchanged.push(field);
        continue;
      }
      loggingChanged = true;
      add({ field, from: describeLogging(current), to: describeLogging(desired), updatable: true, via: 'UpdateEnvironment' });
    }
    if (loggingChanged) {
      const out: Record<string, { Enabled: boolean; LogLevel: LogLevel }> = {};
      for (const component of LOG_COMPONENTS) {
        const desired = desiredLogging(s.logging[component]);
        const current = liveLogging(live, component);
        if (desired)
          out[LOG_MEMBERS[component]] = { Enabled: desired.enabled, LogLevel: (desired.level ?? current?.level ?? 'INFO') as LogLevel };
        else if (current) out[LOG_MEMBERS[component]] = { Enabled: current.enabled, LogLevel: (current.level ?? 'INFO') as LogLevel };
      }
      update.LoggingConfiguration = out;
    }
  }

  // Airflow configuration options, per key (the map is replaced as a whole)
  if (s.airflowConfigurationOptions) {
    const desired = s.airflowConfigurationOptions;
    const current = (live.AirflowConfigurationOptions ?? {}) as Record<string, string>;
    let changed = false;
    for (const key of [...new Set([...Object.keys(current), ...Object.keys(desired)])].sort()) {
      const field = `airflowConfigurationOptions.${key}`;
      if (desired[key] === current[key]) {
        plan.unchanged.push(field);
        continue;
      }
      changed = true;
      add({
        field,
        kind: desired[key] === undefined ? 'remove' : current[key] === undefined ? 'add' : 'change',
        from: current[key],
        to: desired[key],
        updatable: true,
        via: 'UpdateEnvironment',
      });
    }
    if (changed) update.AirflowConfigurationOptions = { ...desired };
  }

  // tags, per key (TagResource / UntagResource)
  if (s.tags) {
    const desired = s.tags;
    const current = (live.Tags ?? {}) as Record<string, string>;
    for (const key of [...new Set([...Object.keys(current), ...Object.keys(desired)])].sort()) {
      const field = `tags.${key}`;
      if (desired[key] === current[key]) {
        plan.unchanged.push(field);
        continue;
      }
      if (desired[key] === undefined) {
        add({ field, kind: 'remove', from: current[key], updatable: true, via: 'UntagResource' });
        plan.tags.remove.push(key);
      } else {
        add({
          field,
          kind: current[key] === undefined ? 'add' : 'change',
          from: current[key],
          to: desired[key],
          updatable: true,
          via: 'TagResource',
        });
        plan.tags.set[key] = desired[key];
      }
    }
  }

  if (Object.keys(update).length > 0) {
    if (s.workerReplacementStrategy) update.WorkerReplacementStrategy = s.workerReplacementStrategy;
    plan.update = { Name: entry.name, ...update } as UpdateEnvironmentInput;
  }
  return plan;
}

function describeLogging(value: { enabled: boolean; level?: string } | undefined): string | undefined {
  if (!value) return undefined;
  return value.enabled ? (value.level ?? 'INFO') : 'disabled';
}

/** Differences that MWAA cannot apply. */
export function blockedChanges(plan: EnvironmentPlan): FieldChange[] {
  return plan.changes.filter((c) => !c.updatable);
}

export function hasChanges(plan: EnvironmentPlan): boolean {
  return plan.changes.length > 0;
}

/** A value as the plan shows it. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}

/** The plan as text: `+ added`, `~ changed`, `- removed`, `! cannot be changed`. */
export function renderPlan(
  plan: EnvironmentPlan,
  style?: { green(s: string): string; yellow(s: string): string; red(s: string): string; dim(s: string): string },
): string {
  const st = style ?? { green: (x: string) => x, yellow: (x: string) => x, red: (x: string) => x, dim: (x: string) => x };
  if (!plan.exists) {
    const lines = [`Environment ${plan.name} does not exist; \`mwaa env create\` would create it with:`];
    for (const [key, value] of Object.entries(plan.create ?? {})) {
      if (key === 'Name') continue;
      lines.push(st.green(`  + ${key}: ${showValue(value)}`));
    }
    return lines.join('\n');
  }
  if (plan.changes.length === 0)
    return `No changes: environment ${plan.name} matches mwaa.yaml (${plan.unchanged.length} fields compared).`;
  const lines = [`Plan for environment ${plan.name}:`];
  for (const c of plan.changes) {
    if (!c.updatable) {
      lines.push(st.red(`  ! ${c.field}: ${showValue(c.from)} → ${showValue(c.to)}  (cannot be changed after creation)`));
    } else if (c.kind === 'add') {
      lines.push(st.green(`  + ${c.field}: ${showValue(c.to)}`));
    } else if (c.kind === 'remove') {
      lines.push(st.red(`  - ${c.field}: ${showValue(c.from)}`));
    } else {
      lines.push(st.yellow(`  ~ ${c.field}: ${showValue(c.from)} → ${showValue(c.to)}`));
    }
  }
  const applicable = plan.changes.filter((c) => c.updatable).length;
  const blocked = plan.changes.length - applicable;
  const summary = [`${applicable} to change`, ...(blocked ? [`${blocked} cannot be changed`] : []), `${plan.unchanged.length} unchanged`];
  lines.push(st.dim(summary.join(', ')));
  if (plan.update) lines.push(st.dim('Applying it updates the environment (MWAA takes 20–30 minutes; running tasks may be stopped).'));
  else if (applicable > 0) lines.push(st.dim('Only tags change: no environment update is needed.'));
  return lines.join('\n');
}
