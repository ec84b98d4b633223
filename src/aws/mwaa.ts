/**
 * A narrow adapter over the MWAA client: pagination folded in, errors mapped to typed errors that name
 * the call. Core code depends on the `MwaaApi` interface, so unit tests can pass a fake.
 */
import type { MWAAClient } from '@aws-sdk/client-mwaa';
import { AuthError, FailedError, UsageError } from '../core/errors.js';
import type { EnvironmentInfo, MwaaApi, MwaaTagApi, RestAnswer } from '../core/ports/mwaa.js';
import { REST_DENIED, REST_TOO_LARGE, REST_UNSUPPORTED } from '../core/ports/mwaa.js';
import { mapAwsError } from './errors.js';
import { collectBody, type RawResponse } from './raw-body.js';

export function mwaaApi(client: MWAAClient): MwaaApi & MwaaTagApi {
  const sdk = import('@aws-sdk/client-mwaa');
  addDroppedOutputFields(client);
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw mapAwsError(error, what);
    }
  };
  return {
    async getEnvironment(name) {
      const { GetEnvironmentCommand } = await sdk;
      try {
        const out = await client.send(new GetEnvironmentCommand({ Name: name }));
        return out.Environment as EnvironmentInfo | undefined;
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw mapAwsError(error, `GetEnvironment ${name}`);
      }
    },
    async listEnvironments() {
      const { ListEnvironmentsCommand } = await sdk;
      const names: string[] = [];
      let token: string | undefined;
      do {
        const out = await call('ListEnvironments', () => client.send(new ListEnvironmentsCommand({ NextToken: token, MaxResults: 25 })));
        names.push(...(out.Environments ?? []));
        token = out.NextToken;
      } while (token);
      return names;
    },
    async createEnvironment(input) {
      const { CreateEnvironmentCommand } = await sdk;
      const out = await call(`CreateEnvironment ${input.Name}`, () => client.send(new CreateEnvironmentCommand(input)));
      return out.Arn ?? '';
    },
    async updateEnvironment(input) {
      const { UpdateEnvironmentCommand } = await sdk;
      const out = await call(`UpdateEnvironment ${input.Name}`, () => client.send(new UpdateEnvironmentCommand(input)));
      return out.Arn ?? '';
    },
    async deleteEnvironment(name) {
      const { DeleteEnvironmentCommand } = await sdk;
      await call(`DeleteEnvironment ${name}`, () => client.send(new DeleteEnvironmentCommand({ Name: name })));
    },
    async createCliToken(name) {
      const { CreateCliTokenCommand } = await sdk;
      const out = await call(`CreateCliToken ${name}`, () => client.send(new CreateCliTokenCommand({ Name: name })));
      return { token: out.CliToken ?? '', hostname: out.WebServerHostname ?? '' };
    },
    async createWebLoginToken(name) {
      const { CreateWebLoginTokenCommand } = await sdk;
      const out = await call(`CreateWebLoginToken ${name}`, () => client.send(new CreateWebLoginTokenCommand({ Name: name })));
      return { token: out.WebToken ?? '', hostname: out.WebServerHostname ?? '' };
    },
    async invokeRestApi(request) {
      if (request.path.length < 1 || request.path.length > 64) {
        throw new UsageError(
          `the REST API path must be 1 to 64 characters long (InvokeRestApi), not ${request.path.length}: ${request.path.slice(0, 80)}`,
          {
            code: 'rest.path-invalid',
            hint: 'paths are relative to the API root, e.g. /dags/etl/dagRuns',
          },
        );
      }
      const { InvokeRestApiCommand, sendOnce } = await import('./invoke-rest-api.js');
      const what = `InvokeRestApi ${request.method} ${request.path}`;
      const mutating = request.method !== 'GET';
      for (let attempt = 1; ; attempt++) {
        const command = new InvokeRestApiCommand({
          Name: request.name,
          Path: request.path,
          Method: request.method,
          ...(request.query !== undefined ? { QueryParameters: request.query } : {}),
          ...(request.body !== undefined ? { Body: request.body } : {}),
        });
        if (mutating) command.middlewareStack.use(sendOnce as never);
        try {
          const out = (await client.send(command as never, request.signal ? { abortSignal: request.signal } : undefined)) as {
            RestApiStatusCode?: number;
            RestApiResponse?: unknown;
          };
          return { status: out.RestApiStatusCode ?? 200, body: out.RestApiResponse ?? null };
        } catch (error) {
          if (mutating && attempt < MUTATING_ATTEMPTS && certainlyNotProcessed(error)) {
            await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
            continue;
          }
          const failure = restFailure(error, what, request.name);
          if ('answer' in failure) return failure.answer;
          throw failure.error;
        }
      }
    },
    async tagResource(arn, tags) {
      const { TagResourceCommand } = await sdk;
      await call(`TagResource ${arn}`, () => client.send(new TagResourceCommand({ ResourceArn: arn, Tags: tags })));
    },
    async untagResource(arn, keys) {
      const { UntagResourceCommand } = await sdk;
      await call(`UntagResource ${arn}`, () => client.send(new UntagResourceCommand({ ResourceArn: arn, tagKeys: keys })));
    },
  };
}

/** Attempts of a call that changes something, when it was certainly not processed. */
const MUTATING_ATTEMPTS = 3;

/** Throttled, or the connection never opened: MWAA did not pass the call on to Airflow. */
function certainlyNotProcessed(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'ThrottlingException' || e.name === 'TooManyRequestsException' || e.$metadata?.httpStatusCode === 429) return true;
  return e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN';
}

/**
 * InvokeRestApi's failures: Airflow's own 4xx/5xx (RestApiClientException/ServerException) are an
 * answer, returned; the refusals a caller may fall back from get the codes above.
 */
function restFailure(error: unknown, what: string, envName: string): { answer: RestAnswer } | { error: unknown } {
  const e = error as { name?: string; message?: string; RestApiStatusCode?: unknown; RestApiResponse?: unknown };
  if ((e.name === 'RestApiClientException' || e.name === 'RestApiServerException') && typeof e.RestApiStatusCode === 'number') {
    return { answer: { status: e.RestApiStatusCode, body: e.RestApiResponse ?? null } };
  }
  return { error: restError(error, what, envName, e) };
}

function restError(error: unknown, what: string, envName: string, e: { name?: string; message?: string }): unknown {
  const message = (e.message ?? '').split('\n')[0];
  if (e.name === 'AccessDeniedException') {
    return new AuthError(`${what}: AWS refused the call (AccessDeniedException: ${message})`, {
      code: REST_DENIED,
      cause: error,
      hint: `allow the IAM action airflow:InvokeRestApi on arn:aws:airflow:<region>:<account>:role/${envName}/<Airflow role> for your role (or use --transport cli, which needs airflow:CreateCliToken)`,
    });
  }
  if (e.name === 'ValidationException' && /update your environment/i.test(message)) {
    return new FailedError(REST_UNSUPPORTED, `${what}: this environment cannot answer InvokeRestApi (${message})`, {
      cause: error,
      hint: 'InvokeRestApi needs Airflow 2.4.3 or later; use --transport cli, or upgrade the environment',
    });
  }
  if (
    /too large|exceeds? .*(size|limit)|payload/i.test(message) ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 413
  ) {
    return new FailedError(REST_TOO_LARGE, `${what}: the response is larger than InvokeRestApi returns (6 MB): ${message}`, {
      cause: error,
      hint: 'ask for fewer items at a time, e.g. -f limit=100 (with --paginate for all of them)',
    });
  }
  return mapAwsError(error, what);
}

const OUTPUT_FIELDS_MIDDLEWARE = 'mwaaDroppedOutputFields';
const RAW_ENVIRONMENT = Symbol.for('mwaa.rawEnvironment');

/**
 * client-mwaa 3.523.0 also drops MinWebservers/MaxWebservers from GetEnvironment's Environment and
 * WorkerReplacementStrategy from its LastUpdate, so `env show`/`env diff` could not see
 * them. A deserialize-step middleware (inside the SDK's deserializer) buffers the raw JSON body, and an
 * initialize-step one copies those fields into the parsed output. Installed once per client.
 */
export function addDroppedOutputFields(client: MWAAClient): void {
  const stack = client.middlewareStack;
  if (stack.identify().some((n) => n.startsWith(OUTPUT_FIELDS_MIDDLEWARE))) return;
  stack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if ((context as { commandName?: string }).commandName !== 'GetEnvironmentCommand') return result;
      const response = result.response as RawResponse;
      if (!response || (response.statusCode ?? 200) >= 300 || response.body === undefined) return result;
      const bytes = await collectBody(response.body);
      if (!bytes) return result;
      response.body = bytes;
      try {
        const parsed = JSON.parse(bytes.toString('utf8')) as { Environment?: Record<string, unknown> };
        (context as Record<symbol, unknown>)[RAW_ENVIRONMENT] = parsed.Environment;
      } catch {
        // not JSON: the SDK's deserializer reports it
      }
      return result;
    },
    { step: 'deserialize', name: `${OUTPUT_FIELDS_MIDDLEWARE}Raw`, priority: 'low' },
  );
  stack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const raw = (context as Record<symbol, unknown>)[RAW_ENVIRONMENT] as Record<string, unknown> | undefined;
      const env = (result.output as { Environment?: Record<string, unknown> }).Environment;
      if (raw && env) {
        for (const field of ['MinWebservers', 'MaxWebservers'] as const) {
          if (env[field] === undefined && typeof raw[field] === 'number') env[field] = raw[field];
        }
        const rawLast = raw.LastUpdate as Record<string, unknown> | undefined;
        const last = env.LastUpdate as Record<string, unknown> | undefined;
        if (last && rawLast && last.WorkerReplacementStrategy === undefined && typeof rawLast.WorkerReplacementStrategy === 'string') {
          last.WorkerReplacementStrategy = rawLast.WorkerReplacementStrategy;
        }
      }
      return result;
    },
    { step: 'initialize', name: OUTPUT_FIELDS_MIDDLEWARE, priority: 'high' },
  );
}
