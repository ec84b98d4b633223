/**
 * InvokeRestApi for @aws-sdk/client-mwaa 3.523.0, which predates the operation. The command is built
 * the way the SDK builds its own (CreateCliTokenCommand, say): the same Command class builder, serde
 * plugin and endpoint plugin, so it runs through the client's own middleware stack and behaves like
 * every other MWAA call — endpoint resolution (AWS_ENDPOINT_URL_MWAA, --endpoint-url, the emulator),
 * profiles, adaptive retries (see sendOnce for calls that change something), SigV4 with the client's
 * signing name (`airflow`), and the SDK's error classes.
 *
 * Wire format (MWAA API 2020-07-01): `POST /restapi/{Name}` on the `env.` host prefix,
 * JSON body `{Path, Method, QueryParameters?, Body?}`, answer `{RestApiStatusCode, RestApiResponse}`.
 * Airflow's own 4xx/5xx come back as HTTP 400 with the error type RestApiClientException or
 * RestApiServerException, carrying the same two fields.
 */
import {
  AccessDeniedException,
  InternalServerException,
  MWAAServiceException,
  ResourceNotFoundException,
  ValidationException,
  type MWAAClientResolvedConfig,
} from '@aws-sdk/client-mwaa';
import { getEndpointPlugin } from '@smithy/middleware-endpoint';
import { getSerdePlugin } from '@smithy/middleware-serde';
import { HttpRequest, isValidHostname, type HttpResponse } from '@smithy/protocol-http';
import { Command, decorateServiceException } from '@smithy/smithy-client';

/** The parts of the SDK's response metadata and serde context used here. */
interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  extendedRequestId?: string;
  cfId?: string;
}
interface MetadataBearer {
  $metadata: ResponseMetadata;
}
interface SerdeContext {
  streamCollector: (body: unknown) => Promise<Uint8Array>;
  utf8Encoder: (bytes: Uint8Array) => string;
}

export type RestApiMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface InvokeRestApiCommandInput {
  Name: string;
  /** relative to the API root, 1–64 characters, e.g. "/dags" */
  Path: string;
  Method: RestApiMethod;
  QueryParameters?: Record<string, unknown>;
  Body?: unknown;
}

export interface InvokeRestApiCommandOutput extends MetadataBearer {
  RestApiStatusCode?: number;
  RestApiResponse?: unknown;
}

/** Airflow answered 4xx (the call reached Airflow). */
export class RestApiClientException extends MWAAServiceException {
  override readonly name = 'RestApiClientException' as const;
  override readonly $fault = 'client' as const;
  RestApiStatusCode?: number;
  RestApiResponse?: unknown;
  constructor(opts: { $metadata: ResponseMetadata; message?: string; RestApiStatusCode?: number; RestApiResponse?: unknown }) {
    super({ name: 'RestApiClientException', $fault: 'client', ...opts });
    Object.setPrototypeOf(this, RestApiClientException.prototype);
    this.RestApiStatusCode = opts.RestApiStatusCode;
    this.RestApiResponse = opts.RestApiResponse;
  }
}

/** Airflow answered 5xx. */
export class RestApiServerException extends MWAAServiceException {
  override readonly name = 'RestApiServerException' as const;
  override readonly $fault = 'client' as const;
  RestApiStatusCode?: number;
  RestApiResponse?: unknown;
  constructor(opts: { $metadata: ResponseMetadata; message?: string; RestApiStatusCode?: number; RestApiResponse?: unknown }) {
    super({ name: 'RestApiServerException', $fault: 'client', ...opts });
    Object.setPrototypeOf(this, RestApiServerException.prototype);
    this.RestApiStatusCode = opts.RestApiStatusCode;
    this.RestApiResponse = opts.RestApiResponse;
  }
}

type SerdeWithEndpoint = SerdeContext & {
  endpoint: () => Promise<{ hostname: string; port?: number; protocol: string; path: string }>;
  disableHostPrefix?: boolean;
};

export async function serializeInvokeRestApi(input: InvokeRestApiCommandInput, context: SerdeWithEndpoint): Promise<HttpRequest> {
  if (!input.Name) throw new Error('ValidationError: Name is required for InvokeRestApi');
  const endpoint = await context.endpoint();
  let hostname = endpoint.hostname;
  // as the SDK does for every operation with the `env.` host prefix (CreateCliToken, CreateWebLoginToken)
  if (context.disableHostPrefix !== true) {
    hostname = `env.${hostname}`;
    if (!isValidHostname(hostname)) throw new Error('ValidationError: prefixed hostname must be hostname compatible.');
  }
  const base = endpoint.path.endsWith('/') ? endpoint.path.slice(0, -1) : endpoint.path;
  const body: Record<string, unknown> = { Path: input.Path, Method: input.Method };
  if (input.QueryParameters !== undefined) body.QueryParameters = input.QueryParameters;
  if (input.Body !== undefined) body.Body = input.Body;
  return new HttpRequest({
    protocol: endpoint.protocol,
    hostname,
    port: endpoint.port,
    method: 'POST',
    path: `${base}/restapi/${encodeURIComponent(input.Name)}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function metadata(output: HttpResponse): ResponseMetadata {
  return {
    httpStatusCode: output.statusCode,
    requestId: output.headers['x-amzn-requestid'] ?? output.headers['x-amzn-request-id'] ?? output.headers['x-amz-request-id'],
    extendedRequestId: output.headers['x-amz-id-2'],
    cfId: output.headers['x-amz-cf-id'],
  };
}

async function bodyText(output: HttpResponse, context: SerdeContext): Promise<string> {
  const bytes = await context.streamCollector(output.body);
  return context.utf8Encoder(bytes);
}

/** The error type as the SDK's restJson1 reads it: the x-amzn-errortype header, else `code`/`__type`. */
export function restJsonErrorCode(headers: Record<string, string>, data: Record<string, unknown>): string | undefined {
  const clean = (raw: unknown): string => {
    let value = String(raw);
    if (value.includes(',')) value = value.split(',')[0];
    if (value.includes(':')) value = value.split(':')[0];
    if (value.includes('#')) value = value.split('#')[1];
    return value;
  };
  const header = Object.keys(headers).find((k) => k.toLowerCase() === 'x-amzn-errortype');
  if (header !== undefined) return clean(headers[header]);
  if (data.code !== undefined) return clean(data.code);
  if (data.__type !== undefined) return clean(data.__type);
  return undefined;
}

export async function deserializeInvokeRestApi(output: HttpResponse, context: SerdeContext): Promise<InvokeRestApiCommandOutput> {
  const text = await bodyText(output, context);
  let data: Record<string, unknown> = {};
  if (text.length) {
    try {
      data = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      if (output.statusCode < 300) throw error;
      // an error answer that is not JSON (a proxy): typed below by its status
    }
  }
  const $metadata = metadata(output);
  if (output.statusCode === 200 || output.statusCode < 300) {
    return {
      $metadata,
      RestApiStatusCode: typeof data.RestApiStatusCode === 'number' ? data.RestApiStatusCode : undefined,
      RestApiResponse: data.RestApiResponse,
    };
  }
  if (typeof data !== 'object' || data === null) data = {};
  const message = (data.message ?? data.Message) as string | undefined;
  const code = restJsonErrorCode(output.headers, data);
  const rest = {
    $metadata,
    message,
    RestApiStatusCode: typeof data.RestApiStatusCode === 'number' ? data.RestApiStatusCode : undefined,
    RestApiResponse: data.RestApiResponse,
  };
  let exception: Error;
  switch (code) {
    case 'RestApiClientException':
      exception = new RestApiClientException(rest);
      break;
    case 'RestApiServerException':
      exception = new RestApiServerException(rest);
      break;
    case 'AccessDeniedException':
      exception = new AccessDeniedException({ $metadata, Message: message, message: message ?? 'AccessDeniedException' });
      break;
    case 'ResourceNotFoundException':
      exception = new ResourceNotFoundException({ $metadata, message: message ?? 'ResourceNotFoundException' });
      break;
    case 'ValidationException':
      exception = new ValidationException({ $metadata, message: message ?? 'ValidationException' });
      break;
    case 'InternalServerException':
      exception = new InternalServerException({ $metadata, message: message ?? 'InternalServerException' });
      break;
    default: {
      const name = code ?? String(output.statusCode ?? 'UnknownError');
      exception = new MWAAServiceException({
        name,
        $fault: output.statusCode >= 500 ? 'server' : 'client',
        $metadata,
        message: message ?? name,
      });
    }
  }
  throw decorateServiceException(exception as MWAAServiceException, data);
}

/**
 * For a call that changes something (POST, PUT, PATCH, DELETE): replaces the client's retry middleware
 * for this one command, so the SDK sends it once. The SDK would repeat it after a 500/502/504, a reset
 * connection or a timeout, when Airflow may already have acted (a second DAG run). The caller retries
 * only what certainly was not processed (throttling, a refused connection).
 */
export const sendOnce = {
  applyToStack(stack: { add: (middleware: unknown, options: Record<string, unknown>) => void }): void {
    stack.add((next: (args: unknown) => Promise<unknown>) => (args: unknown) => next(args), {
      name: 'retryMiddleware',
      tags: ['RETRY'],
      step: 'finalizeRequest',
      priority: 'high',
      override: true,
    });
  },
};

/** The request and answer bodies are Airflow data (connections, variables): never logged by the SDK. */
const SENSITIVE = (obj: Record<string, unknown>) => ({
  ...obj,
  ...('Body' in obj ? { Body: '***SensitiveInformation***' } : {}),
  ...('RestApiResponse' in obj ? { RestApiResponse: '***SensitiveInformation***' } : {}),
});

export class InvokeRestApiCommand extends Command.classBuilder<
  InvokeRestApiCommandInput,
  InvokeRestApiCommandOutput,
  MWAAClientResolvedConfig
>()
  .ep({
    UseFIPS: { type: 'builtInParams', name: 'useFipsEndpoint' },
    Endpoint: { type: 'builtInParams', name: 'endpoint' },
    Region: { type: 'builtInParams', name: 'region' },
    UseDualStack: { type: 'builtInParams', name: 'useDualstackEndpoint' },
  })
  .m(function (this: { serialize: never; deserialize: never }, CommandCtor, _stack, config) {
    return [
      getSerdePlugin(config, this.serialize, this.deserialize),
      getEndpointPlugin(config, CommandCtor.getEndpointParameterInstructions()),
    ];
  })
  .s('AmazonMWAA', 'InvokeRestApi', {})
  .n('MWAAClient', 'InvokeRestApiCommand')
  .f(SENSITIVE, SENSITIVE)
  .ser(serializeInvokeRestApi as never)
  .de(deserializeInvokeRestApi)
  .build() {}
