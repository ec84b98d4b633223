/** The deploy target: the environment, its source bucket and DAG prefix, and the pre-flight checks of both. */
import { environmentNotFound, requireEnvironment, type EnvironmentInfo } from '../ports/mwaa.js';
import { ConfigError, ExitCode, FailedError, MwaaError, NotFoundError } from '../errors.js';
import { msg, type Notify } from '../messages.js';
import type { DeployPorts } from './ports.js';

export interface Target {
  env: EnvironmentInfo;
  /** the account of the environment (from its ARN), when known */
  account?: string;
  name: string;
  bucket: string;
  /** "dags/" */
  dagPrefix: string;
}

export interface Finding {
  level: 'error' | 'warning';
  code: string;
  message: string;
  fix?: string;
}

export function bucketOfArn(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(arn);
  return m ? m[1] : undefined;
}

export async function loadTarget(ports: DeployPorts, name: string, configBucket?: string): Promise<Target> {
  return targetOf(await requireEnvironment(ports.mwaa, name), name, configBucket);
}

/** The target of an environment as read: its bucket (checked against mwaa.yaml's), DAG prefix and account. */
function targetOf(env: EnvironmentInfo, name: string, configBucket: string | undefined): Target {
  const bucket = bucketOfArn(env.SourceBucketArn) ?? configBucket;
  if (!bucket) {
    throw new FailedError(
      'deploy.no-bucket',
      `environment ${name} names no source bucket (SourceBucketArn is ${env.SourceBucketArn ?? 'missing'})`,
    );
  }
  if (configBucket && configBucket !== bucket) {
    throw new ConfigError(`mwaa.yaml names bucket ${configBucket}, but environment ${name} uses ${bucket}`, undefined, {
      code: 'deploy.bucket-mismatch',
      hint: `set \`bucket: ${bucket}\` for this environment in mwaa.yaml (or update the environment's source bucket with \`mwaa env update\`)`,
    });
  }
  const dagPath = (env.DagS3Path ?? 'dags').replace(/^\/+|\/+$/g, '');
  const account = /^arn:aws[a-z-]*:airflow:[^:]*:(\d{12}):/.exec(env.Arn ?? '')?.[1];
  return { env, name, bucket, dagPrefix: dagPath === '' ? '' : `${dagPath}/`, ...(account ? { account } : {}) };
}

/** Where an environment's release history is read (`releases list|show`). */
export interface HistoryTarget {
  name: string;
  bucket: string;
  account?: string;
  /** false: the environment does not exist (deleted, or not created yet); the bucket is mwaa.yaml's */
  exists: boolean;
}

/**
 * The release history outlives the environment: its records stay in the bucket after `mwaa env delete`.
 * When the environment exists, its source bucket (as for a push, checked against mwaa.yaml's); when it
 * does not, the bucket mwaa.yaml names (it names one for every environment but a `local: true` one);
 * without one, the environment's NotFound, as for a push.
 */
export async function historyTarget(ports: DeployPorts, name: string, configBucket?: string): Promise<HistoryTarget> {
  const env = await ports.mwaa.getEnvironment(name);
  if (env) {
    const target = targetOf(env, name, configBucket);
    return { name, bucket: target.bucket, ...(target.account ? { account: target.account } : {}), exists: true };
  }
  if (!configBucket) throw environmentNotFound(name);
  // a bucket that is gone too holds no history: say so, not "no releases yet" (a listing of nothing)
  try {
    await ports.s3.getBucketVersioning(configBucket);
  } catch (error) {
    if (!MwaaError.is(error) || error.exitCode !== ExitCode.NotFound) throw error;
    throw new NotFoundError(`environment "${name}" does not exist, and neither does the bucket mwaa.yaml names (${configBucket})`, {
      code: 'env.not-found',
      cause: error,
      hint: 'check the region and the names in mwaa.yaml',
    });
  }
  return { name, bucket: configBucket, exists: false };
}

/** The ports with S3 calls scoped to the environment's account (ExpectedBucketOwner), when it is known. */
export function ownerScoped(ports: DeployPorts, target: { account?: string }): DeployPorts {
  if (!target.account || !ports.s3.forOwner) return ports;
  return { ...ports, s3: ports.s3.forOwner(target.account) };
}

/**
 * The environment as it is now (read again under the lock: a deploy that waited for a prompt or the lock
 * must not plan — nor record "pins before" — from what it read before).
 */
export async function refreshTarget(ports: DeployPorts, target: Target): Promise<Target> {
  const env = await requireEnvironment(ports.mwaa, target.name);
  const bucket = bucketOfArn(env.SourceBucketArn) ?? target.bucket;
  const dagPath = (env.DagS3Path ?? 'dags').replace(/^\/+|\/+$/g, '');
  const dagPrefix = dagPath === '' ? '' : `${dagPath}/`;
  if (bucket !== target.bucket || dagPrefix !== target.dagPrefix) {
    throw new FailedError(
      'deploy.target-changed',
      `environment ${target.name} changed while waiting: it now reads s3://${bucket}/${dagPrefix} (was s3://${target.bucket}/${target.dagPrefix}); nothing was changed`,
      { hint: 'run the command again' },
    );
  }
  return { ...target, env };
}

/** The environment status check of the pre-flight (no AWS call). */
export function statusFindings(target: Target, options: { wait: boolean }): Finding[] {
  const findings: Finding[] = [];
  const status = target.env.Status ?? 'UNKNOWN';
  if (status === 'UPDATE_FAILED') {
    findings.push({
      level: 'warning',
      code: 'env.update-failed',
      message: `environment ${target.name} is UPDATE_FAILED: its last update failed and was rolled back (it is usable)`,
    });
  } else if (status !== 'AVAILABLE') {
    findings.push({
      level: options.wait ? 'error' : 'warning',
      code: 'env.not-available',
      message: `environment ${target.name} is ${status}; a deploy needs it AVAILABLE`,
      fix: options.wait
        ? 'wait for it with `mwaa env wait`, or pass --no-wait to push DAG files now (plugins, requirements and startup script changes still need AVAILABLE)'
        : 'DAG files are pushed; changes to plugins, requirements or the startup script need the environment AVAILABLE',
    });
  }
  return findings;
}

/** Checks of the bucket and the environment (the pre-flight of docs/deploy.md). */
export async function checkTarget(ports: DeployPorts, target: Target, options: { wait: boolean }): Promise<Finding[]> {
  const findings = statusFindings(target, options);
  const versioning = await ports.s3.getBucketVersioning(target.bucket);
  if (versioning !== 'Enabled') {
    findings.push({
      level: 'error',
      code: 'bucket.not-versioned',
      message: `bucket ${target.bucket} does not have versioning enabled (${versioning ?? 'never enabled'}); MWAA needs it and deploys roll back through it`,
      fix: `aws s3api put-bucket-versioning --bucket ${target.bucket} --versioning-configuration Status=Enabled`,
    });
  }
  const pab = await ports.s3.getPublicAccessBlock(target.bucket);
  if (!pab?.BlockPublicAcls || !pab.IgnorePublicAcls || !pab.BlockPublicPolicy || !pab.RestrictPublicBuckets) {
    findings.push({
      level: 'warning',
      code: 'bucket.public-access',
      message: `bucket ${target.bucket} does not block all public access; MWAA requires "Block all public access"`,
      fix: `aws s3api put-public-access-block --bucket ${target.bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
    });
  }
  return findings;
}

/** Reports every warning finding (with its fix) as a pre-flight warning. */
export function reportWarnings(findings: Finding[], notify: Notify): void {
  for (const f of findings.filter((x) => x.level === 'warning')) {
    notify(msg('deploy.preflight.warning', { code: f.code }, f.fix ? `${f.message}\n  fix: ${f.fix}` : f.message));
  }
}

/** Throws one error listing every error finding (exit 2 when all are about local files, else 1). */
export function throwOnErrors(findings: Finding[]): void {
  const errors = findings.filter((f) => f.level === 'error');
  if (errors.length === 0) return;
  const lines = errors.map((e) => `- ${e.message}${e.fix ? `\n  fix: ${e.fix}` : ''}`);
  const message = `pre-flight check${errors.length === 1 ? '' : 's'} failed; nothing was changed:\n${lines.join('\n')}`;
  const local = errors.every((e) => e.code.startsWith('local.'));
  const details = { findings };
  if (local)
    throw new ConfigError(message, undefined, {
      code: 'deploy.preflight',
      hint: 'fix the files named above and run the command again',
      details,
    });
  throw new FailedError('deploy.preflight', message, { hint: 'fix the problems above and run the command again', details });
}
