/**
 * Helpers of the `mwaa logs` integration tests: an environment in the emulator with logging enabled,
 * a project folder pointing at it, log events written straight into the emulator's CloudWatch Logs in
 * MWAA's stream-name format, and the CLI run in-process with a live view of its output.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateEnvironmentCommand, type CreateEnvironmentCommandInput } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { main } from '../../src/cli/main.js';
import { baseEnv, captureStreams } from '../helpers/cli.js';
import { TEST_ACCOUNT_ID, type TestEmulator } from '../helpers/emulator.js';

export const ROLE = `arn:aws:iam::${TEST_ACCOUNT_ID}:role/mwaa-exec`;

export async function versionedBucket(emu: TestEmulator, bucket: string): Promise<void> {
  await emu.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

export async function putObject(emu: TestEmulator, bucket: string, key: string, body: string): Promise<string> {
  const r = await emu.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return r.VersionId!;
}

export async function createEnvironment(
  emu: TestEmulator,
  bucket: string,
  name: string,
  extra: Partial<CreateEnvironmentCommandInput> = {},
): Promise<void> {
  await emu.mwaa.send(
    new CreateEnvironmentCommand({
      Name: name,
      ExecutionRoleArn: ROLE,
      SourceBucketArn: `arn:aws:s3:::${bucket}`,
      DagS3Path: 'dags',
      NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
      ...extra,
    }),
  );
}

/** A project folder whose mwaa.yaml has one environment `dev` named `name`. */
export function project(dir: string, name: string, bucket: string): void {
  mkdirSync(join(dir, 'dags'), { recursive: true });
  writeFileSync(
    join(dir, 'mwaa.yaml'),
    ['environments:', '  dev:', `    name: ${name}`, '    region: us-east-1', `    bucket: ${bucket}`, '    dags: ./dags', ''].join('\n'),
  );
}

const created = new Set<string>();

/** Appends events to a stream (created when new) of the emulator's CloudWatch Logs. */
export async function putEvents(
  emu: TestEmulator,
  group: string,
  stream: string,
  events: Array<{ timestamp: number; message: string }>,
): Promise<void> {
  const key = `${emu.url}|${group}|${stream}`;
  if (!created.has(key)) {
    await emu.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    created.add(key);
  }
  for (let i = 0; i < events.length; i += 10_000) {
    await emu.logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events.slice(i, i + 10_000) }));
  }
}

export interface LiveCli {
  /** everything written to stdout so far */
  stdout(): string;
  stderr(): string;
  /** resolves with the exit code */
  done: Promise<number>;
  /** Ctrl-C */
  interrupt(): void;
  /** the reader of stdout goes away */
  closeStdout(): void;
  /** waits until stdout contains the text */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** waits until stderr contains the text */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
}

async function waitForText(
  read: () => string,
  text: string,
  name: string,
  captured: { out(): string; err(): string },
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!read().includes(text)) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${JSON.stringify(text)} on ${name}; stdout:\n${captured.out()}\nstderr:\n${captured.err()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `mwaa <argv>` in-process against the emulator, with its output readable while it runs. */
export function liveCli(emu: TestEmulator, argv: string[], cwd: string): LiveCli {
  const captured = captureStreams();
  const { stdout, stderr, stdin } = captured;
  stdin.end();
  const controller = new AbortController();
  const done = main({
    argv: ['--endpoint-url', emu.url, ...argv],
    streams: { stdout, stderr, stdin },
    env: baseEnv(emu.env),
    cwd,
    signal: controller.signal,
  });
  return {
    stdout: captured.out,
    stderr: captured.err,
    done,
    interrupt: () => controller.abort(new Error('interrupted')),
    closeStdout: () => stdout.destroy(),
    waitFor: (text, timeoutMs = 10_000) => waitForText(captured.out, text, 'stdout', captured, timeoutMs),
    waitForStderr: (text, timeoutMs = 10_000) => waitForText(captured.err, text, 'stderr', captured, timeoutMs),
  };
}

/** A three-task DAG (extract >> transform >> load) without a schedule, for tests that trigger it. */
export const ETL_DAG = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("etl", schedule=None, start_date=datetime(2024, 1, 1), catchup=False) as dag:
    extract = BashOperator(task_id="extract", bash_command="echo extracting")
    transform = BashOperator(task_id="transform", bash_command="echo transforming")
    load = BashOperator(task_id="load", bash_command="echo loading")
    extract >> transform >> load
`;
