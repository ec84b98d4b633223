/**
 * InvokeRestApi through boto3 (the machine's python3), the way a user's script calls it:
 * AWS_ENDPOINT_URL=<emulator>, AWS_DISABLE_HOST_PREFIX_INJECTION=true, dummy credentials. Checks the
 * wire shapes against botocore's own model of the operation: RestApiStatusCode/RestApiResponse on
 * success, and client.exceptions.RestApiClientException (with RestApiStatusCode in the response) for
 * an Airflow 4xx, on an Airflow 2.10 (API v1) and an Airflow 3 (API v2) environment.
 * Skipped, with the reason, when `import boto3` fails.
 */
import { CreateEnvironmentCommand, GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { python } from '../helpers/python.js';
import { boto3Missing } from '../helpers/tools.js';

const missing = boto3Missing();

const BUCKET = 'restapi-boto3';
const DAG = `from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("etl", schedule=None, tags=["boto3"]) as dag:
    BashOperator(task_id="extract", bash_command="echo extracting")
`;

/** Runs the calls with boto3 and prints one JSON line per call: {name, status, code?, error?, body?}. */
const SCRIPT = `
import json, os, sys
import boto3
client = boto3.client("mwaa")
env = sys.argv[1]
af3 = sys.argv[2] == "3"
calls = [
    ("dags", "/dags", "GET", {"limit": 10}, None),
    ("dag", "/dags/etl", "GET", None, None),
    ("unpause", "/dags/etl", "PATCH", {"update_mask": ["is_paused"]}, {"is_paused": False}),
    ("importErrors", "/importErrors", "GET", None, None),
    ("trigger", "/dags/etl/dagRuns", "POST", None, {"dag_run_id": "boto3_run", "conf": {"n": 1}, **({"logical_date": None} if af3 else {})}),
    ("duplicate", "/dags/etl/dagRuns", "POST", None, {"dag_run_id": "boto3_run", **({"logical_date": None} if af3 else {})}),
    ("unknownDag", "/dags/nope/dagRuns", "POST", None, {"logical_date": None} if af3 else {}),
    ("runs", "/dags/etl/dagRuns", "GET", None, None),
    ("run", "/dags/etl/dagRuns/boto3_run", "GET", None, None),
    ("tis", "/dags/etl/dagRuns/boto3_run/taskInstances", "GET", None, None),
    ("setVar", "/variables", "POST", None, {"key": "k", "value": "v"}),
    ("getVar", "/variables/k", "GET", None, None),
    ("vars", "/variables", "GET", None, None),
    ("delVar", "/variables/k", "DELETE", None, None),
    ("missingVar", "/variables/k", "GET", None, None),
    ("pools", "/pools", "GET", None, None),
    ("health", "/monitor/health" if af3 else "/health", "GET", None, None),
    ("version", "/version", "GET", None, None),
]
for name, path, method, query, body in calls:
    kwargs = {"Name": env, "Path": path, "Method": method}
    if query is not None:
        kwargs["QueryParameters"] = query
    if body is not None:
        kwargs["Body"] = body
    try:
        r = client.invoke_rest_api(**kwargs)
        out = {"name": name, "status": r["ResponseMetadata"]["HTTPStatusCode"], "code": r["RestApiStatusCode"], "body": r.get("RestApiResponse")}
    except client.exceptions.RestApiClientException as e:
        out = {"name": name, "error": "RestApiClientException", "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "code": e.response.get("RestApiStatusCode"), "body": e.response.get("RestApiResponse")}
    except client.exceptions.RestApiServerException as e:
        out = {"name": name, "error": "RestApiServerException", "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "code": e.response.get("RestApiStatusCode"), "body": e.response.get("RestApiResponse")}
    except client.exceptions.ValidationException as e:
        out = {"name": name, "error": "ValidationException", "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "message": e.response["Error"]["Message"]}
    print(json.dumps(out))
try:
    client.invoke_rest_api(Name=env, Path="/" + "x" * 64, Method="GET")
    print(json.dumps({"name": "longPath", "error": None}))
except Exception as e:
    code = getattr(e, "response", {}).get("Error", {}).get("Code") if hasattr(e, "response") else None
    print(json.dumps({"name": "longPath", "error": type(e).__name__, "code": code}))
`;

interface Result {
  name: string;
  status?: number;
  code?: number;
  error?: string | null;
  message?: string;
  body?: any;
}

let emu: TestEmulator;

async function runBoto3(env: string, major: 2 | 3): Promise<Map<string, Result>> {
  const r = await python(SCRIPT, emu.childEnv({ AWS_DISABLE_HOST_PREFIX_INJECTION: 'true', AWS_MAX_ATTEMPTS: '1' }), [env, String(major)]);
  if (r.code !== 0) throw new Error(`python3 exited ${r.code}:\n${r.stderr}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Result);
  return new Map(lines.map((result) => [result.name, result]));
}

describe.skipIf(missing !== '')(`InvokeRestApi through boto3${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    emu = await startTestEmulator({ sim: { createSeconds: 1, taskSeconds: 2 } });
    await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/etl.py', Body: DAG }));
    await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/broken.py', Body: 'from airflow import DAG\nx = (\n' }));
    for (const [name, version] of [
      ['boto2', '2.10.3'],
      ['boto3env', '3.0.6'],
    ]) {
      await emu.mwaa.send(
        new CreateEnvironmentCommand({
          Name: name,
          AirflowVersion: version,
          ExecutionRoleArn: 'arn:aws:iam::123456789012:role/mwaa',
          SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
          DagS3Path: 'dags',
          NetworkConfiguration: { SubnetIds: ['subnet-1', 'subnet-2'], SecurityGroupIds: ['sg-1'] },
        }),
      );
    }
    for (let i = 0; i < 30; i++) {
      const statuses = await Promise.all(
        ['boto2', 'boto3env'].map(async (n) => (await emu.mwaa.send(new GetEnvironmentCommand({ Name: n }))).Environment?.Status),
      );
      if (statuses.every((s) => s === 'AVAILABLE')) return;
      await emu.advance(1);
    }
    throw new Error('environments never became AVAILABLE');
  }, 60_000);

  afterAll(async () => {
    await emu?.close();
  });

  it.each([
    { env: 'boto2', major: 2 as const },
    { env: 'boto3env', major: 3 as const },
  ])(
    'Airflow $major: the listed paths answer with their status codes and JSON shapes',
    async ({ env, major }) => {
      const r = await runBoto3(env, major);
      const af3 = major === 3;
      const okCall = (name: string, code = 200): any => {
        const x = r.get(name)!;
        expect(x, name).toMatchObject({ status: 200, code });
        return x.body;
      };
      const dags = okCall('dags');
      expect(dags.total_entries).toBe(1);
      expect(dags.dags[0]).toMatchObject({ dag_id: 'etl', is_paused: true, fileloc: '/usr/local/airflow/dags/etl.py' });
      expect(dags.dags[0].tags).toEqual(af3 ? [{ name: 'boto3', dag_id: 'etl' }] : [{ name: 'boto3' }]);
      expect(okCall('dag').dag_id).toBe('etl');
      expect(okCall('unpause').is_paused).toBe(false);
      const ie = okCall('importErrors');
      expect(ie.total_entries).toBe(1);
      expect(ie.import_errors[0].filename).toBe(af3 ? 'broken.py' : '/usr/local/airflow/dags/broken.py');
      const run = okCall('trigger');
      expect(run).toMatchObject({ dag_run_id: 'boto3_run', dag_id: 'etl', state: 'queued', conf: { n: 1 } });
      expect(run.logical_date === null).toBe(af3); // v2: logical_date null was sent; v1: defaults to now

      // an Airflow 4xx is client.exceptions.RestApiClientException, HTTP 400, with Airflow's status and body
      const dup = r.get('duplicate')!;
      expect(dup).toMatchObject({ error: 'RestApiClientException', status: 400, code: 409 });
      if (!af3) expect(dup.body).toMatchObject({ status: 409, title: 'Conflict' });
      else expect(dup.body.detail).toMatchObject({ reason: 'Unique constraint violation', statement: 'hidden' });
      const unknown = r.get('unknownDag')!;
      expect(unknown).toMatchObject({ error: 'RestApiClientException', status: 400, code: 404 });
      expect(Object.keys(unknown.body).sort()).toEqual(af3 ? ['detail'] : ['detail', 'status', 'title', 'type']);

      expect(okCall('runs').dag_runs.map((x: any) => x.dag_run_id)).toEqual(['boto3_run']);
      expect(okCall('run').dag_run_id).toBe('boto3_run');
      const tis = okCall('tis');
      expect(tis.total_entries).toBe(1);
      expect(tis.task_instances[0]).toMatchObject({ task_id: 'extract', dag_run_id: 'boto3_run', operator: 'BashOperator' });
      expect(okCall('setVar', af3 ? 201 : 200)).toMatchObject({ key: 'k', value: 'v' });
      expect(okCall('getVar')).toMatchObject({ key: 'k', value: 'v' });
      expect(okCall('vars').total_entries).toBe(1);
      const del = r.get('delVar')!;
      expect(del).toMatchObject({ status: 200, code: 204 });
      expect(del.body ?? null).toBeNull();
      expect(r.get('missingVar')).toMatchObject({ error: 'RestApiClientException', code: 404 });
      expect(okCall('pools').pools[0].name).toBe('default_pool');
      expect(okCall('health').metadatabase).toEqual({ status: 'healthy' });
      expect(okCall('version')).toEqual({ version: af3 ? '3.0.6' : '2.10.3', git_version: null });
      // botocore checks only minimums client-side: the 65-character Path is refused by the (emulated) service
      expect(r.get('longPath')).toMatchObject({ error: 'ValidationException', code: 'ValidationException' });
    },
    60_000,
  );
});
