import { describe, expect, it } from 'vitest';
import { createAwsClients, resolveEndpoints } from '../../src/aws/clients.js';
import { mapAwsError } from '../../src/aws/errors.js';
import { AuthError, ExitCode, FailedError, NotFoundError, UsageError } from '../../src/core/errors.js';

describe('endpoint overrides', () => {
  it('--endpoint-url wins over every variable', () => {
    expect(resolveEndpoints('http://a', { AWS_ENDPOINT_URL: 'http://b', AWS_ENDPOINT_URL_S3: 'http://c' })).toEqual({
      s3: 'http://a',
      mwaa: 'http://a',
      logs: 'http://a',
    });
  });
  it('a per-service variable wins over AWS_ENDPOINT_URL', () => {
    expect(
      resolveEndpoints(undefined, {
        AWS_ENDPOINT_URL: 'http://base',
        AWS_ENDPOINT_URL_S3: 'http://s3',
        AWS_ENDPOINT_URL_MWAA: 'http://mwaa',
        AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://logs',
      }),
    ).toEqual({ s3: 'http://s3', mwaa: 'http://mwaa', logs: 'http://logs' });
    expect(resolveEndpoints(undefined, { AWS_ENDPOINT_URL: 'http://base', AWS_ENDPOINT_URL_S3: '  ' })).toEqual({
      s3: 'http://base',
      mwaa: 'http://base',
      logs: 'http://base',
    });
  });
  it('no override: the SDK decides', () => {
    expect(resolveEndpoints(undefined, {})).toEqual({ s3: undefined, mwaa: undefined, logs: undefined });
  });
});

describe('client factory', () => {
  const credentials = { accessKeyId: 'k', secretAccessKey: 's' };

  it('with an overridden endpoint, S3 is path-style and MWAA has no host prefix', async () => {
    const aws = createAwsClients({ region: 'eu-west-1', endpoints: { s3: 'http://127.0.0.1:1', mwaa: 'http://127.0.0.1:2' }, credentials });
    const s3 = await aws.s3();
    expect(s3.config.forcePathStyle).toBe(true);
    expect(await s3.config.region()).toBe('eu-west-1');
    expect(await s3.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    const mwaa = await aws.mwaa();
    expect(mwaa.config.disableHostPrefix).toBe(true);
    const endpoint = await mwaa.config.endpoint!();
    expect(endpoint.hostname).toBe('127.0.0.1');
    expect(endpoint.port).toBe(2);
    // the same client is returned on every call
    expect(await aws.mwaa()).toBe(mwaa);
  });

  it('against AWS, S3 is virtual-hosted and MWAA keeps its host prefixes', async () => {
    const aws = createAwsClients({ region: 'eu-west-1', endpoints: {}, credentials });
    expect((await aws.s3()).config.forcePathStyle).toBe(false);
    expect((await aws.mwaa()).config.disableHostPrefix).toBe(false);
  });
});

describe('AWS errors become typed errors', () => {
  const sdkError = (name: string, message: string, status = 400) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

  it.each([
    ['AccessDeniedException', 'not allowed', AuthError, ExitCode.Auth],
    ['ExpiredTokenException', 'The security token included in the request is expired', AuthError, ExitCode.Auth],
    ['UnrecognizedClientException', 'bad key', AuthError, ExitCode.Auth],
    ['CredentialsProviderError', 'Could not load credentials from any providers', AuthError, ExitCode.Auth],
    ['ResourceNotFoundException', 'Environment x not found', NotFoundError, ExitCode.NotFound],
    ['ValidationException', 'bad field', UsageError, ExitCode.Usage],
    ['ThrottlingException', 'Rate exceeded', FailedError, ExitCode.Failed],
    ['InternalServerException', 'boom', FailedError, ExitCode.Failed],
  ])('%s', (name, message, type, exitCode) => {
    const mapped = mapAwsError(sdkError(name, message), 'GetEnvironment dev');
    expect(mapped).toBeInstanceOf(type);
    expect(mapped.exitCode).toBe(exitCode);
    expect(mapped.message.startsWith('GetEnvironment dev: ')).toBe(true);
    expect(mapped.cause).toBeDefined();
  });

  it('no credentials at all say how to provide them', () => {
    const mapped = mapAwsError(sdkError('CredentialsProviderError', 'Could not load credentials from any providers'), 'GetEnvironment dev');
    expect(mapped.message).toBe('GetEnvironment dev: no AWS credentials were found (Could not load credentials from any providers)');
    expect(mapped.hint).toMatch(/aws sso login/);
    expect(mapped.exitCode).toBe(ExitCode.Auth);
  });

  it('expired credentials say how to refresh them', () => {
    expect(mapAwsError(sdkError('ExpiredToken', 'expired')).hint).toMatch(/aws sso login/);
  });

  it('a missing region says where to set it', () => {
    const mapped = mapAwsError(new Error('Region is missing'));
    expect(mapped).toBeInstanceOf(UsageError);
    expect(mapped.hint).toMatch(/--region/);
  });

  it('an unreachable endpoint names the endpoint settings', () => {
    const mapped = mapAwsError(new Error('connect ECONNREFUSED 127.0.0.1:9'), 'ListEnvironments');
    expect(mapped.message).toMatch(/cannot reach the AWS endpoint/);
    expect(mapped.hint).toMatch(/--endpoint-url/);
  });
});

describe('fields @aws-sdk/client-mwaa 3.523.0 drops', () => {
  it('MinWebservers, MaxWebservers and WorkerReplacementStrategy reach the wire, signed', async () => {
    const { createServer } = await import('node:http');
    const { UpdateEnvironmentCommand, CreateEnvironmentCommand } = await import('@aws-sdk/client-mwaa');
    const received: Array<{ body: Record<string, unknown>; auth: string | undefined; length: string | undefined }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ body: JSON.parse(body), auth: req.headers.authorization, length: req.headers['content-length'] });
        res.setHeader('content-type', 'application/json');
        res.end('{"Arn":"arn:aws:airflow:us-east-1:123456789012:environment/x"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const aws = createAwsClients({
        region: 'us-east-1',
        endpoints: { mwaa: `http://127.0.0.1:${port}` },
        credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      });
      const mwaa = await aws.mwaa();
      const update = { Name: 'x', MinWorkers: 1, MinWebservers: 2, MaxWebservers: 4, WorkerReplacementStrategy: 'GRACEFUL' };
      await mwaa.send(new UpdateEnvironmentCommand(update as never));
      const create = {
        Name: 'x',
        ExecutionRoleArn: 'r',
        SourceBucketArn: 'b',
        DagS3Path: 'dags',
        NetworkConfiguration: {},
        MinWebservers: 2,
        MaxWebservers: 3,
      };
      await mwaa.send(new CreateEnvironmentCommand(create as never));
    } finally {
      server.close();
    }
    expect(received[0].body).toEqual({ MinWorkers: 1, MinWebservers: 2, MaxWebservers: 4, WorkerReplacementStrategy: 'GRACEFUL' });
    expect(received[0].auth).toMatch(/^AWS4-HMAC-SHA256 Credential=k\/\d+\/us-east-1\/airflow\/aws4_request/);
    expect(Number(received[0].length)).toBe(Buffer.byteLength(JSON.stringify(received[0].body)));
    expect(received[1].body).toMatchObject({ MinWebservers: 2, MaxWebservers: 3, DagS3Path: 'dags' });
  });
});

describe('the S3 client', () => {
  it('a failing upload (a release record): retried by the SDK, which prints nothing; credentials from the environment resolve', async () => {
    const { createServer } = await import('node:http');
    const { vi } = await import('vitest');
    const { s3Api } = await import('../../src/aws/s3.js');
    const puts: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        puts.push(body);
        res.statusCode = 503;
        res.setHeader('content-type', 'application/xml');
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'env-key';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    try {
      // no fixed credentials: the SDK's chain (environment first), whose providers call logger.debug
      const aws = createAwsClients({ region: 'us-east-1', endpoints: { s3: `http://127.0.0.1:${port}` }, maxAttempts: 2 });
      const error = await s3Api(await aws.s3())
        .putObject('bkt', '.mwaa/releases/r.json', Buffer.from('abcdef'))
        .catch((e) => e);
      expect(error.message).toBe('PutObject s3://bkt/.mwaa/releases/r.json: AWS kept throttling the call after retries (SlowDown)');
      expect(puts).toHaveLength(2);
      // the body went out whole each time
      for (const p of puts) expect(p).toContain('abcdef');
      expect(warn).not.toHaveBeenCalled();
      expect(log).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      log.mockRestore();
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      server.close();
    }
  });
});
