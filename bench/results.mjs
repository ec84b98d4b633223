// Replaces one "## <title>" section of bench/RESULTS.md, leaving the others as they are.
import { spawn } from 'node:child_process';
import { CreateEnvironmentCommand, GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const HEAD =
  "# Benchmark results\n\nEach section is written by its benchmark; ratios are measured in one run on this project's\n2-core machines. Reproduce with the command given in the section.\n";

export function writeSection(title, body) {
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : HEAD;
  const heading = `## ${title}`;
  const section = `${heading}\n\n${body.trim()}\n`;
  const start = text.indexOf(`${heading}\n`);
  if (start === -1) {
    text = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = text.indexOf('\n## ', start + heading.length);
    text = text.slice(0, start) + section + (next === -1 ? '' : `\n${text.slice(next + 1)}`);
  }
  writeFileSync(RESULTS, text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * The environment of the processes a benchmark starts (mwaa, the AWS CLI, the emulator): only PATH and
 * HOME of the caller's, no instance metadata, no shared config or credentials files (`extra` may name
 * its own), no colour; `extra` adds credentials, a region or an endpoint.
 */
export function benchEnv(extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    NO_COLOR: '1',
    ...extra,
  };
}

export function machine() {
  return `Node ${process.version}, ${process.platform}/${process.arch}`;
}

/**
 * Starts `mwaa local start` (the built bin) as a separate process over `stateDir`; resolves with the
 * child and the URL it announces.
 */
export function startLocalEmulator({ bin, cwd, stateDir, env, extraArgs = [] }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'local', 'start', '--port', '0', '--state-dir', stateDir, '--json', ...extraArgs], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => reject(new Error(`mwaa local start exited (${code}): ${err}`)));
  });
}

/** An environment on the emulator reading DAGs from `bucket`, once it is AVAILABLE. */
export async function availableEnvironment(mwaa, name, bucket) {
  await mwaa.send(
    new CreateEnvironmentCommand({
      Name: name,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/bench',
      SourceBucketArn: `arn:aws:s3:::${bucket}`,
      DagS3Path: 'dags',
      NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
    }),
  );
  while ((await mwaa.send(new GetEnvironmentCommand({ Name: name }))).Environment?.Status !== 'AVAILABLE')
    await new Promise((r) => setTimeout(r, 100));
}

/** A bucket as MWAA needs it: versioned, public access blocked. */
export async function versionedBucket(s3, name) {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: name,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
}

/** A DAG file of about 1.5 KB, different per index. */
export function dagFile(i) {
  const id = `etl_${String(i).padStart(5, '0')}`;
  return [
    'from datetime import datetime, timedelta',
    'from airflow import DAG',
    'from airflow.operators.bash import BashOperator',
    '',
    `default_args = {"owner": "data", "retries": ${i % 4}, "retry_delay": timedelta(minutes=${(i % 9) + 1})}`,
    '',
    `with DAG("${id}", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False, default_args=default_args) as dag:`,
    ...Array.from({ length: 8 }, (_, t) => `    t${t} = BashOperator(task_id="step_${t}", bash_command="echo ${id} step ${t} && sleep 1")`),
    '    t0 >> t1 >> t2 >> t3 >> t4 >> t5 >> t6 >> t7',
    '',
  ].join('\n');
}

/**
 * benchEnv for the AWS CLI and mwaa against a local S3: fixed credentials and region, and an AWS CLI config
 * (written into `dir`) for path-style addressing, which a server on 127.0.0.1 needs.
 */
export function localAwsEnv(dir, credentials) {
  const awsConfig = join(dir, 'aws-config');
  writeFileSync(awsConfig, '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n');
  return benchEnv({
    AWS_CONFIG_FILE: awsConfig,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
  });
}
