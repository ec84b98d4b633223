/**
 * Request validation of the emulated MWAA API.
 *
 * Two layers, like the real service:
 * 1. model constraints of the MWAA API: length, pattern, range, enum, required. They are
 *    collected together and reported in the AWS (Coral) wording:
 *    "2 validation errors detected: Value 'x' at 'name' failed to satisfy constraint: Member must ...; ..."
 * 2. business rules: environment class values, Airflow versions MWAA offers, worker /
 *    web server / scheduler ranges per class, versions required with paths, PUBLIC_AND_PRIVATE only on
 *    Airflow >= 3.2, fields that cannot be updated. The first broken rule is reported as
 *    "Invalid request provided: ...".
 *
 * Everything here is derived from MWAA's documented behaviour on its own (src/local/mwaa/README.md): nothing is shared with src/core.
 */

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

// ---- model constants (MWAA API model) ------------------------------------------------------------

export const NAME_PATTERN_TEXT = '^[a-zA-Z][0-9a-zA-Z-_]*$';
const NAME_RE = /^[a-zA-Z][0-9a-zA-Z_-]*$/;
const ENV_ARN_TEXT = '^arn:aws(-[a-z]+)?:airflow:[a-z0-9\\-]+:\\d{12}:environment/\\w+.*$';
export const ENV_ARN_RE = /^arn:aws(-[a-z]+)?:airflow:[a-z0-9-]+:\d{12}:environment\/\w+.*$/s;
const ROLE_ARN_TEXT = '^arn:aws(-[a-z]+)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$';
const ROLE_ARN_RE = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const BUCKET_ARN_TEXT = '^arn:aws(-[a-z]+)?:s3:::[a-z0-9.\\-]+$';
const BUCKET_ARN_RE = /^arn:aws(-[a-z]+)?:s3:::[a-z0-9.-]+$/;
const KMS_TEXT =
  '^(((arn:aws(-[a-z]+)?:kms:[a-z]{2}-[a-z]+-\\d:\\d+:)?key\\/)?[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}|(arn:aws(-[a-z]+)?:kms:[a-z]{2}-[a-z]+-\\d:\\d+:)?alias/.+)$';
const KMS_RE =
  /^(((arn:aws(-[a-z]+)?:kms:[a-z]{2}-[a-z]+-\d:\d+:)?key\/)?[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}|(arn:aws(-[a-z]+)?:kms:[a-z]{2}-[a-z]+-\d:\d+:)?alias\/.+)$/s;
const SUBNET_TEXT = '^subnet-[a-zA-Z0-9\\-._]+$';
const SUBNET_RE = /^subnet-[a-zA-Z0-9\-._]+$/;
const SG_TEXT = '^sg-[a-zA-Z0-9\\-._]+$';
const SG_RE = /^sg-[a-zA-Z0-9\-._]+$/;
const WINDOW_TEXT = '.*(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\\d|2[0-3]):(00|30).*';
const WINDOW_RE = /^.*(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30).*$/s;
const CONFIG_KEY_TEXT = '^[a-z]+([a-z0-9._]*[a-z0-9_]+)?$';
const CONFIG_KEY_RE = /^[a-z]+([a-z0-9._]*[a-z0-9_]+)?$/;
const CONFIG_VALUE_TEXT = '^[ -~]+$';
const CONFIG_VALUE_RE = /^[ -~]+$/;
const TAG_TEXT = '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$';
const TAG_RE = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const AIRFLOW_VERSION_TEXT = '^[0-9a-z.]+$';
const AIRFLOW_VERSION_RE = /^[0-9a-z.]+$/;

export const LOG_LEVELS = ['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG'] as const;
export const ACCESS_MODES = ['PRIVATE_ONLY', 'PUBLIC_ONLY', 'PUBLIC_AND_PRIVATE'] as const;
export const ENDPOINT_MANAGEMENT = ['CUSTOMER', 'SERVICE'] as const;
export const REPLACEMENT_STRATEGIES = ['FORCED', 'GRACEFUL'] as const;
export const REST_METHODS = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'] as const;

/** The environment classes MWAA documents as valid values. */
export const ENVIRONMENT_CLASSES = ['mw1.micro', 'mw1.small', 'mw1.medium', 'mw1.large', 'mw1.xlarge', 'mw1.2xlarge'] as const;

/** The Airflow versions MWAA offers for new environments (versions past end of support are refused). */
export const AIRFLOW_VERSIONS = ['2.7.2', '2.8.1', '2.9.2', '2.10.1', '2.10.3', '2.11.0', '2.11.2', '3.0.6', '3.2.1', '3.3.1'] as const;
export const LATEST_AIRFLOW_VERSION = '3.3.1';

/** The five log modules: API member name, and the log group suffix (`airflow-<Env>-<Suffix>`). */
export const LOG_MODULES = [
  { member: 'DagProcessingLogs', path: 'dagProcessingLogs', group: 'DAGProcessing' },
  { member: 'SchedulerLogs', path: 'schedulerLogs', group: 'Scheduler' },
  { member: 'WebserverLogs', path: 'webserverLogs', group: 'WebServer' },
  { member: 'WorkerLogs', path: 'workerLogs', group: 'Worker' },
  { member: 'TaskLogs', path: 'taskLogs', group: 'Task' },
] as const;
export type LogMember = (typeof LOG_MODULES)[number]['member'];

// ---- model-constraint collector -------------------------------------------------------------------

function show(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}=${typeof x === 'object' ? JSON.stringify(x) : String(x)}`)
      .join(', ')}}`;
  }
  const s = String(v);
  return s.length > 256 ? `${s.slice(0, 256)}...` : s;
}

interface StrRule {
  min?: number;
  max?: number;
  re?: RegExp;
  text?: string;
  sensitive?: boolean;
}

export class Constraints {
  readonly errors: string[] = [];

  private fail(path: string, value: unknown, rule: string, sensitive = false): void {
    const v = sensitive ? '' : value === null || value === undefined ? 'null' : `'${show(value)}'`;
    this.errors.push(`Value ${v ? `${v} ` : ''}at '${path}' failed to satisfy constraint: ${rule}`);
  }

  required(path: string, value: unknown): boolean {
    if (value === undefined || value === null) {
      this.fail(path, null, 'Member must not be null');
      return false;
    }
    return true;
  }

  /** Returns true when value is a string satisfying the rule (undefined counts as absent: false, no error). */
  str(path: string, value: unknown, rule: StrRule): value is string {
    if (value === undefined || value === null) return false;
    if (typeof value !== 'string') {
      this.fail(path, value, 'Member must be a string', rule.sensitive);
      return false;
    }
    const len = [...value].length;
    let ok = true;
    if (rule.min !== undefined && len < rule.min) {
      this.fail(path, value, `Member must have length greater than or equal to ${rule.min}`, rule.sensitive);
      ok = false;
    }
    if (rule.max !== undefined && len > rule.max) {
      this.fail(path, value, `Member must have length less than or equal to ${rule.max}`, rule.sensitive);
      ok = false;
    }
    if (ok && rule.re && !rule.re.test(value)) {
      this.fail(path, value, `Member must satisfy regular expression pattern: ${rule.text}`, rule.sensitive);
      ok = false;
    }
    return ok;
  }

  int(path: string, value: unknown, rule: { min?: number; max?: number }): value is number {
    if (value === undefined || value === null) return false;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.fail(path, value, 'Member must be an integer');
      return false;
    }
    if (rule.min !== undefined && value < rule.min) {
      this.fail(path, value, `Member must have value greater than or equal to ${rule.min}`);
      return false;
    }
    if (rule.max !== undefined && value > rule.max) {
      this.fail(path, value, `Member must have value less than or equal to ${rule.max}`);
      return false;
    }
    return true;
  }

  bool(path: string, value: unknown): value is boolean {
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') {
      this.fail(path, value, 'Member must be a boolean');
      return false;
    }
    return true;
  }

  enumeration(path: string, value: unknown, values: readonly string[]): value is string {
    if (value === undefined || value === null) return false;
    if (typeof value !== 'string' || !values.includes(value)) {
      this.fail(path, value, `Member must satisfy enum value set: [${values.join(', ')}]`);
      return false;
    }
    return true;
  }

  list(path: string, value: unknown, rule: { min?: number; max?: number }, each: (p: string, v: unknown) => void): value is unknown[] {
    if (value === undefined || value === null) return false;
    if (!Array.isArray(value)) {
      this.fail(path, value, 'Member must be a list');
      return false;
    }
    let ok = true;
    if (rule.min !== undefined && value.length < rule.min) {
      this.fail(path, value, `Member must have length greater than or equal to ${rule.min}`);
      ok = false;
    }
    if (rule.max !== undefined && value.length > rule.max) {
      this.fail(path, value, `Member must have length less than or equal to ${rule.max}`);
      ok = false;
    }
    const before = this.errors.length;
    value.forEach((v, i) => {
      each(`${path}.${i + 1}.member`, v);
    });
    return ok && this.errors.length === before;
  }

  map(
    path: string,
    value: unknown,
    rule: { min?: number; max?: number; sensitive?: boolean },
    key: StrRule,
    val: StrRule,
  ): value is Record<string, string> {
    if (value === undefined || value === null) return false;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, value, 'Member must be a map', rule.sensitive);
      return false;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    let ok = true;
    if (rule.min !== undefined && entries.length < rule.min) {
      this.fail(path, value, `Member must have length greater than or equal to ${rule.min}`, rule.sensitive);
      ok = false;
    }
    if (rule.max !== undefined && entries.length > rule.max) {
      this.fail(path, value, `Member must have length less than or equal to ${rule.max}`, rule.sensitive);
      ok = false;
    }
    const keyProblem = entries.map(([k]) => strProblem(k, key)).find((p) => p !== undefined);
    if (keyProblem) {
      this.fail(path, value, `Map keys must satisfy constraint: [${keyProblem}]`, rule.sensitive);
      ok = false;
    }
    const valueProblem = entries.map(([, v]) => strProblem(v, val)).find((p) => p !== undefined);
    if (valueProblem) {
      this.fail(path, value, `Map value must satisfy constraint: [${valueProblem}]`, rule.sensitive);
      ok = false;
    }
    return ok;
  }

  throwIfAny(): void {
    if (this.errors.length === 0) return;
    const n = this.errors.length;
    throw new ValidationError(`${n} validation error${n === 1 ? '' : 's'} detected: ${this.errors.join('; ')}`);
  }
}

function strProblem(v: unknown, rule: StrRule): string | undefined {
  if (typeof v !== 'string') return 'Member must be a string';
  const len = [...v].length;
  if (rule.min !== undefined && len < rule.min) return `Member must have length greater than or equal to ${rule.min}`;
  if (rule.max !== undefined && len > rule.max) return `Member must have length less than or equal to ${rule.max}`;
  if (rule.re && !rule.re.test(v)) return `Member must satisfy regular expression pattern: ${rule.text}`;
  return undefined;
}

export function invalid(message: string): ValidationError {
  return new ValidationError(`Invalid request provided: ${message}`);
}

// ---- field rules shared by create / update --------------------------------------------------------

export const RULES = {
  name: { min: 1, max: 80, re: NAME_RE, text: NAME_PATTERN_TEXT },
  envArn: { min: 1, max: 1224, re: ENV_ARN_RE, text: ENV_ARN_TEXT },
  roleArn: { min: 1, max: 1224, re: ROLE_ARN_RE, text: ROLE_ARN_TEXT },
  bucketArn: { min: 1, max: 1224, re: BUCKET_ARN_RE, text: BUCKET_ARN_TEXT },
  relativePath: { min: 1, max: 1024 },
  objectVersion: { min: 1, max: 1024 },
  airflowVersion: { min: 1, max: 32, re: AIRFLOW_VERSION_RE, text: AIRFLOW_VERSION_TEXT },
  environmentClass: { min: 1, max: 1024 },
  kmsKey: { min: 1, max: 1224, re: KMS_RE, text: KMS_TEXT },
  window: { min: 1, max: 9, re: WINDOW_RE, text: WINDOW_TEXT },
  subnet: { min: 1, max: 1024, re: SUBNET_RE, text: SUBNET_TEXT },
  sg: { min: 1, max: 1024, re: SG_RE, text: SG_TEXT },
  configKey: { min: 1, max: 64, re: CONFIG_KEY_RE, text: CONFIG_KEY_TEXT },
  configValue: { min: 1, max: 65536, re: CONFIG_VALUE_RE, text: CONFIG_VALUE_TEXT, sensitive: true },
  tagKey: { min: 1, max: 128, re: TAG_RE, text: TAG_TEXT },
  tagValue: { min: 1, max: 256, re: TAG_RE, text: TAG_TEXT },
  restApiPath: { min: 1, max: 64 },
} satisfies Record<string, StrRule>;

export function checkTags(c: Constraints, path: string, tags: unknown): void {
  c.map(path, tags, { min: 1, max: 50 }, RULES.tagKey, RULES.tagValue);
}

function checkLogging(c: Constraints, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    c.errors.push(`Value '${show(value)}' at 'loggingConfiguration' failed to satisfy constraint: Member must be a structure`);
    return;
  }
  const lc = value as Record<string, unknown>;
  for (const m of LOG_MODULES) {
    const mod = lc[m.member];
    if (mod === undefined || mod === null) continue;
    const path = `loggingConfiguration.${m.path}`;
    if (typeof mod !== 'object' || Array.isArray(mod)) {
      c.errors.push(`Value '${show(mod)}' at '${path}' failed to satisfy constraint: Member must be a structure`);
      continue;
    }
    const o = mod as Record<string, unknown>;
    if (c.required(`${path}.enabled`, o.Enabled)) c.bool(`${path}.enabled`, o.Enabled);
    if (c.required(`${path}.logLevel`, o.LogLevel)) c.enumeration(`${path}.logLevel`, o.LogLevel, LOG_LEVELS);
  }
}

function checkNetwork(c: Constraints, value: unknown, kind: 'create' | 'update'): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    c.errors.push(`Value '${show(value)}' at 'networkConfiguration' failed to satisfy constraint: Member must be a structure`);
    return;
  }
  const n = value as Record<string, unknown>;
  if (kind === 'create') {
    // optional in the shape, but an environment cannot be created without its subnets and security groups
    c.required('networkConfiguration.subnetIds', n.SubnetIds);
    c.required('networkConfiguration.securityGroupIds', n.SecurityGroupIds);
    c.list('networkConfiguration.subnetIds', n.SubnetIds, { min: 2, max: 2 }, (p, v) => c.str(p, v, RULES.subnet));
  }
  if (kind === 'update') c.required('networkConfiguration.securityGroupIds', n.SecurityGroupIds);
  c.list('networkConfiguration.securityGroupIds', n.SecurityGroupIds, { min: 1, max: 5 }, (p, v) => c.str(p, v, RULES.sg));
}

/** Model constraints of the members CreateEnvironment and UpdateEnvironment have in common. */
function checkCommon(c: Constraints, b: Record<string, unknown>): void {
  c.str('executionRoleArn', b.ExecutionRoleArn, RULES.roleArn);
  c.str('sourceBucketArn', b.SourceBucketArn, RULES.bucketArn);
  c.str('dagS3Path', b.DagS3Path, RULES.relativePath);
  for (const what of ['Plugins', 'Requirements', 'StartupScript'] as const) {
    const lc = what[0].toLowerCase() + what.slice(1);
    c.str(`${lc}S3Path`, b[`${what}S3Path`], RULES.relativePath);
    c.str(`${lc}S3ObjectVersion`, b[`${what}S3ObjectVersion`], RULES.objectVersion);
  }
  c.map('airflowConfigurationOptions', b.AirflowConfigurationOptions, { sensitive: true }, RULES.configKey, RULES.configValue);
  c.str('airflowVersion', b.AirflowVersion, RULES.airflowVersion);
  c.str('environmentClass', b.EnvironmentClass, RULES.environmentClass);
  c.int('maxWorkers', b.MaxWorkers, { min: 1 });
  c.int('minWorkers', b.MinWorkers, { min: 1 });
  c.int('maxWebservers', b.MaxWebservers, { min: 1 });
  c.int('minWebservers', b.MinWebservers, { min: 1 });
  c.int('schedulers', b.Schedulers, { max: 5 });
  c.str('weeklyMaintenanceWindowStart', b.WeeklyMaintenanceWindowStart, RULES.window);
  c.enumeration('webserverAccessMode', b.WebserverAccessMode, ACCESS_MODES);
  checkLogging(c, b.LoggingConfiguration);
}

export function checkCreateModel(name: string, b: Record<string, unknown>): void {
  const c = new Constraints();
  c.str('name', name, RULES.name);
  c.required('executionRoleArn', b.ExecutionRoleArn);
  c.required('sourceBucketArn', b.SourceBucketArn);
  c.required('dagS3Path', b.DagS3Path);
  c.required('networkConfiguration', b.NetworkConfiguration);
  checkCommon(c, b);
  checkNetwork(c, b.NetworkConfiguration, 'create');
  c.str('kmsKey', b.KmsKey, RULES.kmsKey);
  c.enumeration('endpointManagement', b.EndpointManagement, ENDPOINT_MANAGEMENT);
  checkTags(c, 'tags', b.Tags);
  c.throwIfAny();
}

export function checkUpdateModel(name: string, b: Record<string, unknown>): void {
  const c = new Constraints();
  c.str('name', name, RULES.name);
  checkCommon(c, b);
  checkNetwork(c, b.NetworkConfiguration, 'update');
  c.enumeration('workerReplacementStrategy', b.WorkerReplacementStrategy, REPLACEMENT_STRATEGIES);
  c.throwIfAny();
}

export function checkName(name: string, path = 'name'): void {
  const c = new Constraints();
  c.str(path, name, RULES.name);
  c.throwIfAny();
}

// ---- business rules ---------------------------------------------------------------------------------

export function parseVersion(v: string): number[] {
  return v.split('.').map((p) => Number.parseInt(p, 10) || 0);
}

export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function bucketOfArn(arn: string): string {
  return arn.slice(arn.indexOf(':::') + 3);
}

/** Defaults that depend on the environment class (src/local/mwaa/README.md, "Defaults"). */
export function classDefaults(envClass: string): { schedulers: number; webservers: number; minWorkers: number; maxWorkers: number } {
  return envClass === 'mw1.micro'
    ? { schedulers: 1, webservers: 1, minWorkers: 1, maxWorkers: 1 }
    : { schedulers: 2, webservers: 2, minWorkers: 1, maxWorkers: 10 };
}

/**
 * Business rules on the complete configuration an environment would have after the request
 * (for an update: the current configuration merged with the request).
 */
export function checkConfigRules(cfg: Record<string, unknown>): void {
  const envClass = cfg.EnvironmentClass as string;
  if (!(ENVIRONMENT_CLASSES as readonly string[]).includes(envClass)) {
    throw invalid(`EnvironmentClass ${envClass} is not valid. Valid values: ${ENVIRONMENT_CLASSES.join(', ')}.`);
  }
  const version = cfg.AirflowVersion as string;
  if (!(AIRFLOW_VERSIONS as readonly string[]).includes(version)) {
    throw invalid(`AirflowVersion ${version} is not supported. Supported versions: ${AIRFLOW_VERSIONS.join(', ')}.`);
  }
  const micro = envClass === 'mw1.micro';
  const minW = cfg.MinWorkers as number;
  const maxW = cfg.MaxWorkers as number;
  if (minW > maxW) throw invalid(`MinWorkers (${minW}) must be less than or equal to MaxWorkers (${maxW}).`);
  if (micro && maxW !== 1) {
    throw invalid(`MaxWorkers must be 1 for environment class mw1.micro (a single hybrid worker and scheduler), got ${maxW}.`);
  }
  const schedulers = cfg.Schedulers as number;
  if (micro && schedulers !== 1) throw invalid(`Schedulers must be 1 for environment class mw1.micro, got ${schedulers}.`);
  if (!micro && (schedulers < 2 || schedulers > 5)) {
    throw invalid(`Schedulers must be between 2 and 5 for environment class ${envClass}, got ${schedulers}.`);
  }
  for (const f of ['MinWebservers', 'MaxWebservers'] as const) {
    const n = cfg[f] as number;
    if (micro && n !== 1) throw invalid(`${f} must be 1 for environment class mw1.micro, got ${n}.`);
    if (!micro && (n < 2 || n > 5)) throw invalid(`${f} must be between 2 and 5 for environment class ${envClass}, got ${n}.`);
  }
  if ((cfg.MinWebservers as number) > (cfg.MaxWebservers as number)) {
    throw invalid(
      `MinWebservers (${String(cfg.MinWebservers)}) must be less than or equal to MaxWebservers (${String(cfg.MaxWebservers)}).`,
    );
  }
  if (cfg.WebserverAccessMode === 'PUBLIC_AND_PRIVATE' && compareVersions(version, '3.2') < 0) {
    throw invalid(
      `WebserverAccessMode PUBLIC_AND_PRIVATE is only available for Apache Airflow version 3.2 and later; AirflowVersion is ${version}.`,
    );
  }
  for (const what of ['Plugins', 'Requirements', 'StartupScript'] as const) {
    const path = cfg[`${what}S3Path`];
    const ver = cfg[`${what}S3ObjectVersion`];
    if (path !== undefined && ver === undefined) {
      throw invalid(`${what}S3ObjectVersion is required when ${what}S3Path is specified.`);
    }
    if (path === undefined && ver !== undefined) {
      throw invalid(`${what}S3Path is required when ${what}S3ObjectVersion is specified.`);
    }
  }
  const kms = cfg.KmsKey;
  if (typeof kms === 'string' && /(^|:)alias\//.test(kms)) {
    throw invalid(`KmsKey ${kms}: AWS KMS aliases are not supported by Amazon MWAA; specify the key ARN or key ID.`);
  }
  const net = cfg.NetworkConfiguration as { SubnetIds?: string[]; SecurityGroupIds?: string[] } | undefined;
  const subnets = net?.SubnetIds ?? [];
  if (subnets.length === 2 && subnets[0] === subnets[1]) {
    throw invalid(`NetworkConfiguration.SubnetIds must name two different subnets (in two Availability Zones), got ${subnets[0]} twice.`);
  }
  if (!net?.SecurityGroupIds || net.SecurityGroupIds.length === 0) {
    throw invalid('NetworkConfiguration.SecurityGroupIds must contain between 1 and 5 security group IDs.');
  }
}

/** In-place version changes MWAA allows: 2.x → 3.x only from 2.11.x; 3.x → 2.x only to 2.11.x. */
export function checkVersionChange(from: string, to: string): void {
  if (from === to) return;
  const [fromMajor] = parseVersion(from);
  const [toMajor] = parseVersion(to);
  if (fromMajor === 2 && toMajor === 3 && !from.startsWith('2.11.')) {
    throw invalid(
      `Upgrading from Apache Airflow ${from} to ${to} is not supported. Upgrade to the latest 2.11.x version first; from 2.10.3 and earlier, create a new environment and migrate.`,
    );
  }
  if (fromMajor === 3 && toMajor === 2 && !to.startsWith('2.11.')) {
    throw invalid(
      `Downgrading from Apache Airflow ${from} to ${to} is not supported. Apache Airflow 3 environments can only be downgraded to 2.11.x.`,
    );
  }
}
