/**
 * The mapping between the `environment:` block of an mwaa.yaml entry and the MWAA API
 * (README "Configuration: mwaa.yaml"): CreateEnvironment input, and the values a live environment
 * (GetEnvironment) has for each field the config can manage.
 *
 * A field the config does not set is not managed: it is left to MWAA's default on create and left
 * as it is on update. Plugins/requirements/startup script paths and versions are not set here:
 * `mwaa dags push` owns them, and updates keep what the environment pins.
 */
import type { CreateEnvironmentInput, EnvironmentInfo } from '../ports/mwaa.js';
import { sourceBucketName } from '../config/load.js';
import { LOG_COMPONENTS, type EnvironmentEntry, type EnvironmentSettings, type LogComponent } from '../config/schema.js';

export type LogLevel = 'CRITICAL' | 'ERROR' | 'WARNING' | 'INFO' | 'DEBUG';
export type LogMember = 'DagProcessingLogs' | 'SchedulerLogs' | 'TaskLogs' | 'WebserverLogs' | 'WorkerLogs';

/** mwaa.yaml logging component → LoggingConfiguration member. */
export const LOG_MEMBERS: Record<LogComponent, LogMember> = {
  dagProcessing: 'DagProcessingLogs',
  scheduler: 'SchedulerLogs',
  task: 'TaskLogs',
  webserver: 'WebserverLogs',
  worker: 'WorkerLogs',
};

/** The DAG folder in the bucket when mwaa.yaml does not name one. */
export const DEFAULT_DAG_S3_PATH = 'dags';

/** The level sent for a disabled component (LogLevel is required in the input shape). */
const DISABLED_LEVEL: LogLevel = 'INFO';

export interface DesiredLogging {
  enabled: boolean;
  /** undefined: disabled, level not managed */
  level?: LogLevel;
}

type ComponentLogging = NonNullable<EnvironmentSettings['logging']>[LogComponent];

/** A component's logging as written in mwaa.yaml: a level, `false`, or { enabled, level }. */
export function desiredLogging(value: ComponentLogging): DesiredLogging | undefined {
  if (value === undefined) return undefined;
  if (value === false) return { enabled: false };
  if (typeof value === 'string') return { enabled: true, level: value };
  return { enabled: value.enabled, level: value.level ?? (value.enabled ? 'INFO' : undefined) };
}

/** The ARN partition of a region. */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  if (region?.startsWith('us-iso-')) return 'aws-iso';
  if (region?.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

export function bucketArn(bucket: string, region: string | undefined): string {
  return `arn:${partitionOf(region)}:s3:::${bucket}`;
}

/** The bucket name of an S3 bucket ARN (or the value itself when it is not an ARN). */
export function bucketOfArn(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  const i = arn.indexOf(':::');
  return i >= 0 ? arn.slice(i + 3) : arn;
}

export function dagS3Path(entry: EnvironmentEntry): string {
  return entry.environment?.dagS3Path ?? DEFAULT_DAG_S3_PATH;
}

function definedOnly<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** LoggingConfiguration input for the components mwaa.yaml sets. */
export function loggingInput(logging: EnvironmentSettings['logging']): CreateEnvironmentInput['LoggingConfiguration'] | undefined {
  if (!logging) return undefined;
  const out: Record<string, { Enabled: boolean; LogLevel: LogLevel }> = {};
  for (const component of LOG_COMPONENTS) {
    const desired = desiredLogging(logging[component]);
    if (!desired) continue;
    out[LOG_MEMBERS[component]] = { Enabled: desired.enabled, LogLevel: desired.level ?? DISABLED_LEVEL };
  }
  return Object.keys(out).length > 0 ? (out as CreateEnvironmentInput['LoggingConfiguration']) : undefined;
}

/**
 * CreateEnvironment input for an entry. `settings` defaults to the entry's `environment:` block (a local
 * environment passes the block with emulator defaults filled in).
 */
export function toCreateInput(
  entry: EnvironmentEntry,
  region: string | undefined,
  settings: EnvironmentSettings = entry.environment ?? {},
): CreateEnvironmentInput {
  const tags = settings.tags && Object.keys(settings.tags).length > 0 ? settings.tags : undefined;
  return definedOnly({
    Name: entry.name,
    ExecutionRoleArn: settings.executionRoleArn,
    SourceBucketArn: bucketArn(sourceBucketName(entry), region),
    DagS3Path: settings.dagS3Path ?? DEFAULT_DAG_S3_PATH,
    NetworkConfiguration: settings.network
      ? { SubnetIds: [...settings.network.subnetIds], SecurityGroupIds: [...settings.network.securityGroupIds] }
      : undefined,
    AirflowVersion: settings.airflowVersion,
    EnvironmentClass: settings.environmentClass,
    WebserverAccessMode: settings.webserverAccessMode as CreateEnvironmentInput['WebserverAccessMode'],
    EndpointManagement: settings.endpointManagement,
    MinWorkers: settings.minWorkers,
    MaxWorkers: settings.maxWorkers,
    MinWebservers: settings.minWebservers,
    MaxWebservers: settings.maxWebservers,
    Schedulers: settings.schedulers,
    LoggingConfiguration: loggingInput(settings.logging),
    AirflowConfigurationOptions: settings.airflowConfigurationOptions ? { ...settings.airflowConfigurationOptions } : undefined,
    KmsKey: settings.kmsKey,
    WeeklyMaintenanceWindowStart: settings.weeklyMaintenanceWindowStart,
    Tags: tags ? { ...tags } : undefined,
  }) as CreateEnvironmentInput;
}

/** Whether two KMS key references name the same key (an id, `key/<id>` or a key ARN). */
export function sameKmsKey(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const id = (k: string) => {
    const m = /key\/([^/]+)$/.exec(k);
    return m ? m[1] : k;
  };
  return id(a) === id(b);
}

/** The live logging of a component, as GetEnvironment reports it. */
export function liveLogging(env: EnvironmentInfo, component: LogComponent): { enabled: boolean; level?: string } | undefined {
  const mod = (env.LoggingConfiguration as Record<string, { Enabled?: boolean; LogLevel?: string } | undefined> | undefined)?.[
    LOG_MEMBERS[component]
  ];
  if (!mod) return undefined;
  return { enabled: mod.Enabled === true, level: mod.LogLevel };
}

/** The CloudWatch log group name of each enabled component (ARN without the trailing `:*`). */
export function logGroups(env: EnvironmentInfo): Partial<Record<LogComponent, string>> {
  const out: Partial<Record<LogComponent, string>> = {};
  for (const component of LOG_COMPONENTS) {
    const mod = (
      env.LoggingConfiguration as Record<string, { Enabled?: boolean; CloudWatchLogGroupArn?: string } | undefined> | undefined
    )?.[LOG_MEMBERS[component]];
    if (!mod?.Enabled) continue;
    const arn = mod.CloudWatchLogGroupArn;
    const m = arn ? /:log-group:(.+?)(:\*)?$/.exec(arn) : null;
    out[component] = m ? m[1] : (arn ?? undefined);
  }
  return out;
}
