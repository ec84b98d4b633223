/**
 * Helpers of the `mwaa env` integration tests: a recording proxy in front of the emulator (so a test
 * sees exactly which calls the CLI made and what their bodies were), project folders with mwaa.yaml,
 * and a versioned, public-access-blocked bucket.
 */
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import type { TestEmulator } from '../helpers/emulator.js';
import { TEST_ACCOUNT_ID } from '../helpers/emulator.js';

export interface RecordedCall {
  method: string;
  path: string;
  /** "mwaa" (SigV4 scope airflow), "s3", "logs" */
  service: string;
  body: string;
}

export interface HeldCall {
  /** resolves when a matching request has arrived (and is being held) */
  arrived: Promise<RecordedCall>;
  /** forwards the held request (and any later matching one) */
  release(): void;
}

export interface RecordingProxy {
  url: string;
  calls: RecordedCall[];
  /** holds the next request that matches until release(): a slow call, without a fixed sleep */
  hold(match: (call: RecordedCall) => boolean): HeldCall;
  /** MWAA calls that change something (PUT/PATCH/DELETE/POST except tokens) */
  mwaaMutations(): RecordedCall[];
  close(): Promise<void>;
}

/** An HTTP proxy that records every request and forwards it to `target`. */
export async function recordingProxy(target: () => string): Promise<RecordingProxy> {
  const calls: RecordedCall[] = [];
  const holds: Array<{ match: (call: RecordedCall) => boolean; arrived: (call: RecordedCall) => void; released: Promise<void> }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const auth = String(req.headers.authorization ?? '');
      const service = /\/airflow\/aws4_request/.test(auth)
        ? 'mwaa'
        : /^Logs_/.test(String(req.headers['x-amz-target'] ?? ''))
          ? 'logs'
          : 's3';
      const call = { method: req.method ?? 'GET', path: req.url ?? '/', service, body: body.toString('utf8') };
      calls.push(call);
      const held = holds.find((h) => h.match(call));
      if (held) {
        held.arrived(call);
        await held.released;
      }
      const url = new URL(req.url ?? '/', target());
      const forward = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      });
      forward.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    hold(match) {
      let arrived!: (call: RecordedCall) => void;
      let release!: () => void;
      const entry = {
        match,
        arrived: (call: RecordedCall) => arrived(call),
        released: new Promise<void>((resolve) => (release = resolve)),
      };
      holds.push(entry);
      return {
        arrived: new Promise<RecordedCall>((resolve) => (arrived = resolve)),
        release: () => {
          const i = holds.indexOf(entry);
          if (i >= 0) holds.splice(i, 1);
          release();
        },
      };
    },
    mwaaMutations: () => calls.filter((c) => c.service === 'mwaa' && c.method !== 'GET' && !/^\/(clitoken|webtoken)\//.test(c.path)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export const ROLE = `arn:aws:iam::${TEST_ACCOUNT_ID}:role/mwaa-exec`;

/** The `environment:` block of an AWS-like (non-local) environment, as YAML lines. */
export function awsEnvironmentYaml(name: string, bucket: string, environment: string, extra = ''): string {
  return [
    'environments:',
    '  dev:',
    `    name: ${name}`,
    `    bucket: ${bucket}`,
    ...(extra ? extra.split('\n').map((l) => `    ${l}`) : []),
    '    environment:',
    ...environment
      .trim()
      .split('\n')
      .map((l) => `      ${l}`),
    '',
  ].join('\n');
}

export const NETWORK = 'network: { subnetIds: [subnet-0a, subnet-0b], securityGroupIds: [sg-0a] }';

export function writeConfig(dir: string, yaml: string): void {
  writeFileSync(join(dir, 'mwaa.yaml'), yaml);
}

/** A bucket MWAA accepts: versioned, all public access blocked. */
export async function goodBucket(emu: TestEmulator, bucket: string): Promise<void> {
  await emu.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await emu.s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
}

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20260901/us-east-1/airflow/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000';

/** GetEnvironment as raw JSON (no SDK: its 3.523.0 deserializer drops MinWebservers and friends). */
export async function rawEnvironment(emu: TestEmulator, name: string): Promise<Record<string, any> | undefined> {
  const res = await fetch(`${emu.url}/environments/${encodeURIComponent(name)}`, {
    headers: { authorization: AUTH, 'x-amz-date': '20260901T000000Z' },
  });
  if (res.status === 404) return undefined;
  const body = (await res.json()) as { Environment?: Record<string, any> };
  return body.Environment;
}

/** NDJSON lines of a stream (non-JSON lines are skipped). */
export function ndjson(text: string): Array<Record<string, any>> {
  return text
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/**
 * The in-process CLI resolves AWS credentials with the SDK's default chain, which reads process.env (not
 * the env handed to runCli): point it at the emulator's dummy credentials for the current test file.
 */
export function useEmulatorCredentials(emu: TestEmulator): void {
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) {
    process.env[key] = emu.env[key];
  }
  // an AWS_PROFILE that is set, even to "", makes the SDK skip the environment credentials
  delete process.env.AWS_PROFILE;
}
