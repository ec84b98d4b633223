/**
 * The MWAA store: environments, tags, CLI/web tokens and injected update failures, persisted as a
 * journal of operations (see README.md in this folder).
 *
 * Every mutation is an operation `{op, data}` that is first appended to the journal
 * (world.persist.append('mwaa', op, data)) and then applied by `apply()`, the same function replay()
 * uses. Everything random or time-dependent (tokens, timestamps, the outcome of an update, the lines
 * of the requirements log) is decided before the append and carried in `data`, so replaying the
 * journal rebuilds exactly the same state. Effects on other stores (log groups, log events) happen only
 * live, after the append; on restart those stores rebuild them from their own journals.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EnvironmentRecord, MwaaStore, World } from '../contract.js';
import { simulatePipInstall, simulateStartupScript } from './requirements.js';
import {
  LATEST_AIRFLOW_VERSION,
  LOG_MODULES,
  ValidationError,
  bucketOfArn,
  checkConfigRules,
  checkCreateModel,
  checkName,
  checkTags,
  checkUpdateModel,
  checkVersionChange,
  classDefaults,
  Constraints,
  ENV_ARN_RE,
  invalid,
  RULES,
} from './validate.js';

export type Status = 'CREATING' | 'CREATE_FAILED' | 'AVAILABLE' | 'UPDATING' | 'ROLLING_BACK' | 'UPDATE_FAILED' | 'DELETING';

type Config = Record<string, unknown>;

export interface LogPlan {
  group: string;
  stream: string;
  lines: string[];
}

export interface UpdateError {
  ErrorCode: string;
  ErrorMessage: string;
}

interface Pending {
  kind: 'create' | 'update';
  /** the configuration the environment has once the create/update succeeds */
  config: Config;
  /** ms */
  startedAt: number;
  /** the update fails with this error (decided when the request was accepted) */
  failure?: UpdateError;
  /** end of ROLLING_BACK for a failing update (ms) */
  rollbackUntil?: number;
  /** log streams written when CREATING/UPDATING ends */
  logs: LogPlan[];
  workerReplacementStrategy?: string;
}

interface StoredLastUpdate {
  Status: 'SUCCESS' | 'PENDING' | 'FAILED';
  /** ms */
  CreatedAt: number;
  Source: string;
  Error?: UpdateError;
  WorkerReplacementStrategy?: string;
}

export interface EnvState {
  name: string;
  /** the region it was created in (absent in state written before regions: the emulator's default region) */
  region?: string;
  /** ms */
  createdAt: number;
  config: Config;
  tags: Record<string, string>;
  status: Status;
  /** end of the current transitional status (ms) */
  until?: number;
  pending?: Pending;
  lastUpdate?: StoredLastUpdate;
}

interface TokenRecord {
  kind: 'cli' | 'web';
  name: string;
  issuedAt: number;
  expiresAt: number;
}

interface State {
  envs: Record<string, EnvState>;
  tokens: Record<string, TokenRecord>;
  failNext: Record<string, UpdateError>;
}

/** Errors the API answers with (code = x-amzn-errortype). */
export class MwaaError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function notFound(name: string): MwaaError {
  return new MwaaError(404, 'ResourceNotFoundException', `Environment ${name} not found.`);
}

/** LastUpdate.Source of updates made through this API. */
export const UPDATE_SOURCE = 'API';
/** LastUpdate.Error.ErrorCode of updates that fail because of the request's configuration. */
export const CONFIG_ERROR_CODE = 'INCORRECT_CONFIGURATION';
export const TOKEN_TTL_MS = 60_000;
/** Tokens expired for longer than this are forgotten (then reported as unknown). */
const TOKEN_MEMORY_MS = 3_600_000;

const UPDATABLE_STATES: readonly Status[] = ['AVAILABLE', 'UPDATE_FAILED'];
const DELETABLE_STATES: readonly Status[] = ['AVAILABLE', 'UPDATE_FAILED', 'CREATE_FAILED'];

const ARTIFACTS = ['Plugins', 'Requirements', 'StartupScript'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function hashHex(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

/** Bucket and key of an artifact path: relative to the source bucket, or an s3:// URI (doc example). */
function locate(sourceBucket: string, path: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(path);
  if (m) return { bucket: m[1], key: m[2] };
  return { bucket: sourceBucket, key: path.replace(/^\/+/, '') };
}

export class LocalMwaaStore implements MwaaStore {
  readonly name = 'mwaa';
  private state: State = { envs: {}, tokens: {}, failNext: {} };

  constructor(private readonly world: World) {}

  // ---- PersistentStore ------------------------------------------------------------------------------

  snapshot(): unknown {
    return clone(this.state);
  }

  restore(snapshot: unknown): void {
    const s = isObject(snapshot) ? snapshot : {};
    this.state = {
      envs: isObject(s.envs) ? (clone(s.envs) as State['envs']) : {},
      tokens: isObject(s.tokens) ? (clone(s.tokens) as State['tokens']) : {},
      failNext: isObject(s.failNext) ? (clone(s.failNext) as State['failNext']) : {},
    };
  }

  replay(op: string, data: unknown): void {
    this.apply(op, data as Record<string, unknown>);
  }

  // ---- journal ------------------------------------------------------------------------------------

  private commit(op: string, data: Record<string, unknown>): void {
    this.world.persist.append('mwaa', op, data);
    this.apply(op, data);
  }

  private apply(op: string, d: Record<string, unknown>): void {
    const s = this.state;
    switch (op) {
      case 'create': {
        const env = clone(d.env as EnvState);
        s.envs[env.name] = env;
        return;
      }
      case 'update': {
        const env = s.envs[d.name as string];
        if (!env) return;
        env.status = 'UPDATING';
        env.until = d.until as number;
        env.pending = clone(d.pending as Pending);
        env.lastUpdate = clone(d.lastUpdate as StoredLastUpdate);
        if (d.consumedFailNext) delete s.failNext[env.name];
        return;
      }
      case 'delete': {
        const env = s.envs[d.name as string];
        if (!env) return;
        env.status = 'DELETING';
        env.until = d.until as number;
        env.pending = undefined;
        return;
      }
      case 'transition': {
        const env = s.envs[d.name as string];
        if (!env || env.status !== d.from) return;
        this.advance(env);
        return;
      }
      case 'tags': {
        const env = s.envs[d.name as string];
        if (env) env.tags = clone(d.tags as Record<string, string>);
        return;
      }
      case 'token': {
        const issuedAt = d.issuedAt as number;
        for (const [t, rec] of Object.entries(s.tokens)) {
          if (rec.expiresAt < issuedAt - TOKEN_MEMORY_MS) delete s.tokens[t];
        }
        s.tokens[d.token as string] = {
          kind: d.kind as 'cli' | 'web',
          name: d.name as string,
          issuedAt,
          expiresAt: d.expiresAt as number,
        };
        return;
      }
      case 'failNext': {
        s.failNext[d.name as string] = { ErrorCode: d.errorCode as string, ErrorMessage: d.errorMessage as string };
        return;
      }
      default:
        throw new Error(`mwaa: unknown journal op ${op}`);
    }
  }

  /** The next status of a transitional environment (deterministic; used live and on replay). */
  private advance(env: EnvState): void {
    const p = env.pending;
    switch (env.status) {
      case 'CREATING': {
        const failed = p?.failure;
        env.status = failed ? 'CREATE_FAILED' : 'AVAILABLE';
        env.lastUpdate = {
          Status: failed ? 'FAILED' : 'SUCCESS',
          CreatedAt: p?.startedAt ?? env.createdAt,
          Source: UPDATE_SOURCE,
          ...(failed ? { Error: clone(failed) } : {}),
        };
        env.pending = undefined;
        env.until = undefined;
        return;
      }
      case 'UPDATING': {
        if (p?.failure) {
          env.status = 'ROLLING_BACK';
          env.until = p.rollbackUntil ?? env.until;
          env.lastUpdate = {
            Status: 'FAILED',
            CreatedAt: p.startedAt,
            Source: UPDATE_SOURCE,
            Error: clone(p.failure),
            ...(p.workerReplacementStrategy ? { WorkerReplacementStrategy: p.workerReplacementStrategy } : {}),
          };
          return;
        }
        if (p) env.config = clone(p.config);
        env.status = 'AVAILABLE';
        env.lastUpdate = {
          Status: 'SUCCESS',
          CreatedAt: p?.startedAt ?? env.until ?? env.createdAt,
          Source: UPDATE_SOURCE,
          ...(p?.workerReplacementStrategy ? { WorkerReplacementStrategy: p.workerReplacementStrategy } : {}),
        };
        env.pending = undefined;
        env.until = undefined;
        return;
      }
      case 'ROLLING_BACK': {
        // The configuration (and the pinned object versions) never changed: the environment is
        // "restored to its previous state", as MWAA describes ROLLING_BACK.
        env.status = 'UPDATE_FAILED';
        env.pending = undefined;
        env.until = undefined;
        return;
      }
      case 'DELETING': {
        delete this.state.envs[env.name];
        delete this.state.failNext[env.name];
        return;
      }
      default:
        return;
    }
  }

  // ---- simulation ---------------------------------------------------------------------------------

  tick(now: number): void {
    for (const name of Object.keys(this.state.envs).sort()) {
      for (let guard = 0; guard < 10; guard++) {
        const env = this.state.envs[name];
        if (!env || env.until === undefined || env.until > now) break;
        const from = env.status;
        const logs = from === 'CREATING' || from === 'UPDATING' ? (env.pending?.logs ?? []) : [];
        const at = env.until;
        const region = this.regionOf(env);
        this.commit('transition', { name, from });
        this.writeLogs(logs, at, region);
      }
    }
  }

  private writeLogs(plans: LogPlan[], at: number, region: string): void {
    for (const plan of plans) {
      this.world.logs.ensureGroup(plan.group, region);
      this.world.logs.ensureStream(plan.group, plan.stream, region);
      this.world.logs.write(
        plan.group,
        plan.stream,
        plan.lines.map((message, i) => ({ timestamp: at + i, message })),
        region,
      );
    }
  }

  /** The region an environment lives in. */
  regionOf(env: EnvState): string {
    return env.region ?? this.world.region;
  }

  // ---- views --------------------------------------------------------------------------------------

  private port(): string {
    try {
      const u = new URL(this.world.baseUrl());
      return u.port || (u.protocol === 'https:' ? '443' : '80');
    } catch {
      return '80';
    }
  }

  /** CreateCliToken/CreateWebLoginToken WebServerHostname: the emulator's own web server. */
  webServerHostname(): string {
    return `localhost:${this.port()}`;
  }

  private logGroupArn(env: EnvState, group: string): string {
    return `arn:aws:logs:${this.regionOf(env)}:${this.world.accountId}:log-group:airflow-${env.name}-${group}:*`;
  }

  /** The Environment object of GetEnvironment. */
  view(env: EnvState): EnvironmentRecord {
    const c = env.config;
    const logging: Record<string, unknown> = {};
    const lc = (c.LoggingConfiguration ?? {}) as Record<string, { Enabled: boolean; LogLevel: string }>;
    for (const m of LOG_MODULES) {
      const mod = lc[m.member] ?? { Enabled: false, LogLevel: 'INFO' };
      logging[m.member] = {
        Enabled: mod.Enabled,
        LogLevel: mod.LogLevel,
        ...(mod.Enabled ? { CloudWatchLogGroupArn: this.logGroupArn(env, m.group) } : {}),
      };
    }
    const out: Record<string, unknown> = {
      Name: env.name,
      Status: env.status,
      Arn: c.Arn,
      CreatedAt: env.createdAt / 1000,
      WebserverUrl: `https://${this.webServerHostname()}`,
      ExecutionRoleArn: c.ExecutionRoleArn,
      ServiceRoleArn: c.ServiceRoleArn,
      KmsKey: c.KmsKey,
      AirflowVersion: c.AirflowVersion,
      SourceBucketArn: c.SourceBucketArn,
      DagS3Path: c.DagS3Path,
      PluginsS3Path: c.PluginsS3Path,
      PluginsS3ObjectVersion: c.PluginsS3ObjectVersion,
      RequirementsS3Path: c.RequirementsS3Path,
      RequirementsS3ObjectVersion: c.RequirementsS3ObjectVersion,
      StartupScriptS3Path: c.StartupScriptS3Path,
      StartupScriptS3ObjectVersion: c.StartupScriptS3ObjectVersion,
      AirflowConfigurationOptions: c.AirflowConfigurationOptions ?? {},
      EnvironmentClass: c.EnvironmentClass,
      MaxWorkers: c.MaxWorkers,
      MinWorkers: c.MinWorkers,
      MaxWebservers: c.MaxWebservers,
      MinWebservers: c.MinWebservers,
      Schedulers: c.Schedulers,
      NetworkConfiguration: c.NetworkConfiguration,
      LoggingConfiguration: logging,
      WeeklyMaintenanceWindowStart: c.WeeklyMaintenanceWindowStart,
      Tags: env.tags,
      WebserverAccessMode: c.WebserverAccessMode,
      EndpointManagement: c.EndpointManagement,
      CeleryExecutorQueue: c.CeleryExecutorQueue,
    };
    if (env.lastUpdate) {
      const lu = env.lastUpdate;
      out.LastUpdate = {
        Status: lu.Status,
        CreatedAt: lu.CreatedAt / 1000,
        Source: lu.Source,
        ...(lu.Error ? { Error: lu.Error } : {}),
        ...(lu.WorkerReplacementStrategy ? { WorkerReplacementStrategy: lu.WorkerReplacementStrategy } : {}),
      };
    }
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return clone(out) as EnvironmentRecord;
  }

  // ---- MwaaStoreView ------------------------------------------------------------------------------

  getEnvironment(name: string): EnvironmentRecord | undefined {
    const env = this.state.envs[name];
    return env ? this.view(env) : undefined;
  }

  environmentForToken(token: string, kind: 'cli' | 'web'): { name: string } | { error: 'expired' | 'unknown' } {
    const rec = Object.hasOwn(this.state.tokens, token) ? this.state.tokens[token] : undefined;
    if (!rec || rec.kind !== kind || !this.state.envs[rec.name]) return { error: 'unknown' };
    if (this.world.clock.now() >= rec.expiresAt) return { error: 'expired' };
    return { name: rec.name };
  }

  // ---- operations ---------------------------------------------------------------------------------

  /** The environment of that name in that region (each region has its own environments). */
  private env(name: string, region = this.world.region): EnvState {
    const env = Object.hasOwn(this.state.envs, name) ? this.state.envs[name] : undefined;
    if (!env || this.regionOf(env) !== region) throw notFound(name);
    return env;
  }

  private checkBucket(arn: string): void {
    const bucket = bucketOfArn(arn);
    if (!this.world.s3.bucketExists(bucket)) {
      throw invalid(`Unable to access the source bucket ${bucket} (SourceBucketArn ${arn}): the bucket does not exist.`);
    }
    if (!this.world.s3.isVersioningEnabled(bucket)) {
      throw invalid(
        `Provided bucket ${bucket} does not have versioning enabled. The source bucket of an environment must have Bucket Versioning enabled.`,
      );
    }
  }

  private hostFor(name: string, startedAt: number, component: string, region: string): string {
    const h = hashHex(name, startedAt, component);
    const a = Number.parseInt(h.slice(0, 2), 16);
    const b = Number.parseInt(h.slice(2, 4), 16);
    const c = 1 + (Number.parseInt(h.slice(4, 6), 16) % 254);
    const domain = region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
    return `ip-10-${a % 256}-${b}-${c}.${domain}`;
  }

  private enabledGroups(cfg: Config): Set<string> {
    const lc = (cfg.LoggingConfiguration ?? {}) as Record<string, { Enabled?: boolean }>;
    const out = new Set<string>();
    for (const m of LOG_MODULES) if (lc[m.member]?.Enabled) out.add(m.group);
    return out;
  }

  /**
   * Decides, when a create/update is accepted, how it ends: the artifacts it pins must be readable,
   * the requirements must "install". Returns the failure (if any) and the log streams to write.
   */
  private plan(name: string, cfg: Config, startedAt: number, endsAt: number, region: string): { failure?: UpdateError; logs: LogPlan[] } {
    const sourceBucket = bucketOfArn(cfg.SourceBucketArn as string);
    for (const what of ARTIFACTS) {
      const path = cfg[`${what}S3Path`] as string | undefined;
      const version = cfg[`${what}S3ObjectVersion`] as string | undefined;
      if (path === undefined || version === undefined) continue;
      const { bucket, key } = locate(sourceBucket, path);
      if (!this.world.s3.hasVersion(bucket, key, version)) {
        return {
          failure: { ErrorCode: CONFIG_ERROR_CODE, ErrorMessage: `Unable to read version \`${version}\` of file \`${path}\`` },
          logs: [],
        };
      }
    }
    const logs: LogPlan[] = [];
    let failure: UpdateError | undefined;
    const groups = this.enabledGroups(cfg);
    const micro = cfg.EnvironmentClass === 'mw1.micro';
    const epoch = Math.floor(endsAt / 1000);
    const streamFor = (prefix: string, component: string): string =>
      `${prefix}_${this.hostFor(name, startedAt, component, region)}_${epoch}.log`;

    if (cfg.StartupScriptS3Path !== undefined) {
      const path = cfg.StartupScriptS3Path as string;
      const version = cfg.StartupScriptS3ObjectVersion as string;
      const { bucket, key } = locate(sourceBucket, path);
      const text = this.world.s3.getObjectBody(bucket, key, version)?.toString('utf8') ?? '';
      const lines = simulateStartupScript(text, { file: path, version });
      const components = micro ? ['Worker', 'WebServer'] : ['Worker', 'Scheduler', 'WebServer'];
      for (const component of components) {
        if (!groups.has(component)) continue;
        logs.push({ group: `airflow-${name}-${component}`, stream: streamFor('startup_script_execution', component), lines });
      }
    }
    if (cfg.RequirementsS3Path !== undefined) {
      const path = cfg.RequirementsS3Path as string;
      const version = cfg.RequirementsS3ObjectVersion as string;
      const { bucket, key } = locate(sourceBucket, path);
      const text = this.world.s3.getObjectBody(bucket, key, version)?.toString('utf8') ?? '';
      const result = simulatePipInstall(text, {
        file: path,
        version,
        airflowVersion: cfg.AirflowVersion as string,
        denied: this.world.sim.denyPackages ?? [],
      });
      if (result.error) {
        failure = {
          ErrorCode: CONFIG_ERROR_CODE,
          ErrorMessage: `Failed to install the requirements in \`${path}\` (version \`${version}\`): ${result.error}. See the requirements_install log stream in CloudWatch Logs for details.`,
        };
      }
      // mw1.micro runs a hybrid worker/scheduler container that logs to the worker group.
      const components = micro ? ['Worker'] : ['Worker', 'Scheduler'];
      for (const component of components) {
        if (!groups.has(component)) continue;
        logs.push({ group: `airflow-${name}-${component}`, stream: streamFor('requirements_install', component), lines: result.lines });
      }
    }
    return { failure, logs };
  }

  private ensureGroups(name: string, cfg: Config, region: string): void {
    for (const g of this.enabledGroups(cfg)) this.world.logs.ensureGroup(`airflow-${name}-${g}`, region);
  }

  private normalizeLogging(input: unknown, base: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = clone(base);
    for (const m of LOG_MODULES) {
      if (!out[m.member]) out[m.member] = { Enabled: false, LogLevel: 'INFO' };
    }
    if (isObject(input)) {
      for (const m of LOG_MODULES) {
        const mod = input[m.member];
        if (isObject(mod)) out[m.member] = { Enabled: mod.Enabled, LogLevel: mod.LogLevel };
      }
    }
    return out;
  }

  createEnvironment(name: string, body: Record<string, unknown>, region = this.world.region): string {
    checkCreateModel(name, body);
    if (Object.hasOwn(this.state.envs, name)) {
      const other = this.regionOf(this.state.envs[name]);
      if (other === region) throw invalid(`Environment ${name} already exists.`);
      // the emulator's one Airflow per environment name: unlike AWS, a name is unique across regions
      throw invalid(`Environment ${name} already exists in ${other}; mwaa local keeps environment names unique across regions.`);
    }
    const now = this.world.clock.now();
    const envClass = (body.EnvironmentClass as string | undefined) ?? 'mw1.small';
    const d = classDefaults(envClass);
    const arn = `arn:aws:airflow:${region}:${this.world.accountId}:environment/${name}`;
    const net = body.NetworkConfiguration as Record<string, unknown>;
    const cfg: Config = {
      Arn: arn,
      ExecutionRoleArn: body.ExecutionRoleArn,
      ServiceRoleArn: `arn:aws:iam::${this.world.accountId}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA`,
      KmsKey: body.KmsKey,
      AirflowVersion: body.AirflowVersion ?? LATEST_AIRFLOW_VERSION,
      SourceBucketArn: body.SourceBucketArn,
      DagS3Path: body.DagS3Path,
      AirflowConfigurationOptions: body.AirflowConfigurationOptions ?? {},
      EnvironmentClass: envClass,
      MaxWorkers:
        body.MaxWorkers ?? (body.MinWorkers !== undefined && (body.MinWorkers as number) > d.maxWorkers ? body.MinWorkers : d.maxWorkers),
      MinWorkers: body.MinWorkers ?? d.minWorkers,
      MaxWebservers: body.MaxWebservers ?? Math.max(d.webservers, (body.MinWebservers as number | undefined) ?? 0),
      MinWebservers: body.MinWebservers ?? d.webservers,
      Schedulers: body.Schedulers ?? d.schedulers,
      NetworkConfiguration: { SubnetIds: net.SubnetIds, SecurityGroupIds: net.SecurityGroupIds },
      LoggingConfiguration: this.normalizeLogging(body.LoggingConfiguration, {}),
      WeeklyMaintenanceWindowStart: body.WeeklyMaintenanceWindowStart ?? 'SUN:03:00',
      WebserverAccessMode: body.WebserverAccessMode ?? 'PRIVATE_ONLY',
      EndpointManagement: body.EndpointManagement ?? 'SERVICE',
      CeleryExecutorQueue: `arn:aws:sqs:${region}:${this.world.accountId}:airflow-celery-${hashHex(name, now).slice(0, 32)}`,
    };
    for (const what of ARTIFACTS) {
      if (body[`${what}S3Path`] !== undefined) cfg[`${what}S3Path`] = body[`${what}S3Path`];
      if (body[`${what}S3ObjectVersion`] !== undefined) cfg[`${what}S3ObjectVersion`] = body[`${what}S3ObjectVersion`];
    }
    for (const k of Object.keys(cfg)) if (cfg[k] === undefined) delete cfg[k];
    checkConfigRules(cfg);
    this.checkBucket(cfg.SourceBucketArn as string);

    const until = now + Math.max(0, this.world.sim.createSeconds) * 1000;
    const outcome = this.plan(name, cfg, now, until, region);
    const env: EnvState = {
      name,
      ...(region !== this.world.region ? { region } : {}),
      createdAt: now,
      config: cfg,
      tags: (body.Tags as Record<string, string> | undefined) ?? {},
      status: 'CREATING',
      until,
      pending: {
        kind: 'create',
        config: cfg,
        startedAt: now,
        logs: outcome.logs,
        ...(outcome.failure ? { failure: outcome.failure } : {}),
      },
      lastUpdate: { Status: 'PENDING', CreatedAt: now, Source: UPDATE_SOURCE },
    };
    this.commit('create', { env });
    this.ensureGroups(name, cfg, region);
    return arn;
  }

  updateEnvironment(name: string, body: Record<string, unknown>, region = this.world.region): string {
    checkUpdateModel(name, body);
    for (const f of ['KmsKey', 'Tags', 'EndpointManagement'] as const) {
      if (body[f] !== undefined) {
        throw invalid(
          f === 'Tags'
            ? 'Tags cannot be changed with UpdateEnvironment; use TagResource and UntagResource.'
            : `${f} cannot be updated after the environment is created.`,
        );
      }
    }
    const netIn = body.NetworkConfiguration as Record<string, unknown> | undefined;
    if (netIn && netIn.SubnetIds !== undefined) {
      throw invalid(
        'NetworkConfiguration.SubnetIds cannot be updated: the VPC network of an environment cannot be modified after it is created. Only SecurityGroupIds can be updated.',
      );
    }
    const env = this.env(name, region);
    if (!UPDATABLE_STATES.includes(env.status)) {
      throw invalid(
        `Unable to update environment ${name}: it is in ${env.status} state. An environment can be updated only in the AVAILABLE or UPDATE_FAILED state.`,
      );
    }
    const cur = env.config;
    const cfg: Config = clone(cur);
    for (const f of [
      'ExecutionRoleArn',
      'AirflowVersion',
      'SourceBucketArn',
      'DagS3Path',
      'EnvironmentClass',
      'MaxWorkers',
      'MinWorkers',
      'MaxWebservers',
      'MinWebservers',
      'Schedulers',
      'WeeklyMaintenanceWindowStart',
      'WebserverAccessMode',
      'AirflowConfigurationOptions',
    ]) {
      if (body[f] !== undefined) cfg[f] = clone(body[f]);
    }
    for (const what of ARTIFACTS) {
      if (body[`${what}S3Path`] !== undefined) cfg[`${what}S3Path`] = body[`${what}S3Path`];
      if (body[`${what}S3ObjectVersion`] !== undefined) cfg[`${what}S3ObjectVersion`] = body[`${what}S3ObjectVersion`];
      if (body[`${what}S3Path`] !== undefined && body[`${what}S3ObjectVersion`] === undefined) {
        // "If specified, then a version is required" (the MWAA API on these paths): a path is never sent without its version
        delete cfg[`${what}S3ObjectVersion`];
      }
    }
    if (netIn) {
      cfg.NetworkConfiguration = { ...(cur.NetworkConfiguration as Record<string, unknown>), SecurityGroupIds: netIn.SecurityGroupIds };
    }
    if (body.LoggingConfiguration !== undefined) {
      cfg.LoggingConfiguration = this.normalizeLogging(body.LoggingConfiguration, cur.LoggingConfiguration as Record<string, unknown>);
    }
    // A class change keeps the counts the caller did not give, unless the new class cannot have them.
    if (body.EnvironmentClass !== undefined && body.EnvironmentClass !== cur.EnvironmentClass) {
      const d = classDefaults(body.EnvironmentClass as string);
      const fits = (n: number, lo: number, hi: number): boolean => n >= lo && n <= hi;
      const micro = body.EnvironmentClass === 'mw1.micro';
      const [lo, hi] = micro ? [1, 1] : [2, 5];
      if (body.Schedulers === undefined && !fits(cfg.Schedulers as number, lo, hi)) cfg.Schedulers = d.schedulers;
      if (body.MinWebservers === undefined && !fits(cfg.MinWebservers as number, lo, hi)) cfg.MinWebservers = d.webservers;
      if (body.MaxWebservers === undefined && !fits(cfg.MaxWebservers as number, lo, hi)) cfg.MaxWebservers = d.webservers;
      if (micro && body.MaxWorkers === undefined) cfg.MaxWorkers = 1;
      if (micro && body.MinWorkers === undefined) cfg.MinWorkers = 1;
    }
    checkConfigRules(cfg);
    checkVersionChange(cur.AirflowVersion as string, cfg.AirflowVersion as string);
    if (body.SourceBucketArn !== undefined) this.checkBucket(cfg.SourceBucketArn as string);

    const now = this.world.clock.now();
    const stepMs = Math.max(0, this.world.sim.updateSeconds) * 1000;
    const until = now + stepMs;
    const outcome = this.plan(name, cfg, now, until, region);
    const injected = this.state.failNext[name];
    const failure = injected ? clone(injected) : outcome.failure;
    const strategy = (body.WorkerReplacementStrategy as string | undefined) ?? 'FORCED';
    const pending: Pending = {
      kind: 'update',
      config: cfg,
      startedAt: now,
      logs: outcome.logs,
      workerReplacementStrategy: strategy,
      ...(failure ? { failure, rollbackUntil: until + stepMs } : {}),
    };
    const lastUpdate: StoredLastUpdate = { Status: 'PENDING', CreatedAt: now, Source: UPDATE_SOURCE, WorkerReplacementStrategy: strategy };
    this.commit('update', { name, until, pending, lastUpdate, ...(injected ? { consumedFailNext: true } : {}) });
    this.ensureGroups(name, cfg, region);
    return cur.Arn as string;
  }

  deleteEnvironment(name: string, region = this.world.region): void {
    const env = this.env(name, region);
    if (env.status === 'DELETING') return;
    if (!DELETABLE_STATES.includes(env.status)) {
      throw invalid(`Unable to delete environment ${name}: it is in ${env.status} state. Wait until the operation in progress completes.`);
    }
    const until = this.world.clock.now() + Math.max(0, this.world.sim.deleteSeconds) * 1000;
    this.commit('delete', { name, until });
  }

  getEnvironmentView(name: string, region = this.world.region): EnvironmentRecord {
    return this.view(this.env(name, region));
  }

  listEnvironments(
    maxResults: string | null,
    nextToken: string | null,
    region = this.world.region,
  ): { Environments: string[]; NextToken?: string } {
    const c = new Constraints();
    let max = 25;
    if (maxResults !== null) {
      const n = /^-?\d+$/.test(maxResults) ? Number(maxResults) : Number.NaN;
      if (!Number.isInteger(n))
        c.errors.push(`Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must be an integer`);
      else if (c.int('maxResults', n, { min: 1, max: 25 })) max = n;
    }
    if (nextToken !== null) c.str('nextToken', nextToken, { min: 0, max: 2048 });
    c.throwIfAny();
    let after = '';
    if (nextToken !== null && nextToken !== '') {
      try {
        const parsed = JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8')) as { after?: unknown };
        if (typeof parsed.after !== 'string') throw new Error('bad');
        after = parsed.after;
      } catch {
        throw new ValidationError('Invalid NextToken: the pagination token is not valid.');
      }
    }
    const names = Object.keys(this.state.envs)
      .sort()
      .filter((n) => n > after && this.regionOf(this.state.envs[n]) === region);
    const page = names.slice(0, max);
    const out: { Environments: string[]; NextToken?: string } = { Environments: page };
    if (names.length > max) out.NextToken = Buffer.from(JSON.stringify({ after: page[page.length - 1] })).toString('base64url');
    return out;
  }

  createToken(name: string, kind: 'cli' | 'web', region = this.world.region): { token: string; hostname: string } {
    checkName(name);
    this.env(name, region);
    const issuedAt = this.world.clock.now();
    const token = `${kind === 'cli' ? 'mwaa-cli-' : 'mwaa-web-'}${randomBytes(32).toString('base64url')}`;
    this.commit('token', { token, kind, name, issuedAt, expiresAt: issuedAt + TOKEN_TTL_MS });
    return { token, hostname: this.webServerHostname() };
  }

  /** The environment an ARN names, as the caller's regional endpoint sees it (another region's ARN: not found). */
  private envOfArn(arn: string, callerRegion: string): EnvState {
    const c = new Constraints();
    c.str('resourceArn', arn, RULES.envArn);
    c.throwIfAny();
    const m = /^arn:aws(?:-[a-z]+)?:airflow:([a-z0-9-]+):(\d{12}):environment\/(.+)$/s.exec(arn);
    if (!m || !ENV_ARN_RE.test(arn)) throw new MwaaError(404, 'ResourceNotFoundException', `Resource ${arn} not found.`);
    const [, region, account, name] = m;
    const env = Object.hasOwn(this.state.envs, name) ? this.state.envs[name] : undefined;
    if (!env || region !== this.regionOf(env) || region !== callerRegion || account !== this.world.accountId) {
      throw new MwaaError(404, 'ResourceNotFoundException', `Resource ${arn} not found.`);
    }
    return env;
  }

  listTags(arn: string, region = this.world.region): Record<string, string> {
    return clone(this.envOfArn(arn, region).tags);
  }

  tagResource(arn: string, tags: unknown, region = this.world.region): void {
    const c = new Constraints();
    c.required('tags', tags);
    checkTags(c, 'tags', tags);
    c.throwIfAny();
    const env = this.envOfArn(arn, region);
    const merged = { ...env.tags, ...(tags as Record<string, string>) };
    if (Object.keys(merged).length > 50) {
      throw invalid(`An environment can have at most 50 tags; this request would give ${env.name} ${Object.keys(merged).length}.`);
    }
    this.commit('tags', { name: env.name, tags: merged });
  }

  untagResource(arn: string, keys: string[], region = this.world.region): void {
    const c = new Constraints();
    c.list('tagKeys', keys, { min: 0, max: 50 }, (p, v) => c.str(p, v, RULES.tagKey));
    c.throwIfAny();
    const env = this.envOfArn(arn, region);
    const next = { ...env.tags };
    for (const k of keys) delete next[k];
    if (Object.keys(next).length === Object.keys(env.tags).length) return;
    this.commit('tags', { name: env.name, tags: next });
  }

  /** Control endpoint: the next UpdateEnvironment of this environment ends in UPDATE_FAILED. */
  failNextUpdate(name: string, errorCode: string, errorMessage: string): void {
    this.env(name);
    this.commit('failNext', { name, errorCode, errorMessage });
  }

  /** For tests and the control endpoint (without a region: in any region). */
  exists(name: string, region?: string): boolean {
    if (!Object.hasOwn(this.state.envs, name)) return false;
    return region === undefined || this.regionOf(this.state.envs[name]) === region;
  }

  /** Exposed for tests of the journal. */
  rawState(): unknown {
    return clone(this.state);
  }
}
