/**
 * The AWS client factory: the three SDK clients (and S3 clients for uploads, `s3Uploader`), created lazily
 * (nothing of the SDK is loaded until a command needs it), resolving credentials, profile and region like
 * the AWS CLI (the SDK's default chain), with endpoint overrides and adaptive retries (README "The local
 * emulator" for the endpoints).
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { MWAAClient } from '@aws-sdk/client-mwaa';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsSettings {
  /** undefined: the SDK's chain decides (AWS_REGION, profile config) */
  region?: string;
  profile?: string;
  endpoints: { s3?: string; mwaa?: string; logs?: string };
  /** fixed credentials (the local emulator); otherwise the SDK's default chain */
  credentials?: AwsCredentials;
  /** SDK attempts per call (default 3, adaptive retry mode) */
  maxAttempts?: number;
  /** true when talking to the local emulator */
  local?: boolean;
  /** the local emulator runs inside this command and stops with it (its URLs die with the command) */
  embedded?: boolean;
}

export interface AwsClients {
  readonly settings: AwsSettings;
  mwaa(): Promise<MWAAClient>;
  s3(): Promise<S3Client>;
  /**
   * A new S3 client for PutObject, to be used by one call at a time. It resolves its middleware once
   * per command class (the SDK's `cacheMiddleware`) instead of cloning and sorting the stack on every
   * call, the largest share of the SDK's CPU per upload: a first push of 2,000 files ~15–20% faster.
   * The cached handler holds one context per command class, which is why `s3()` does not cache: two
   * calls in flight on such a client can swap their buckets (test/integration/s3-client-concurrency.test.ts).
   * It shares `s3()`'s connections, credentials, region and retry strategy (the adaptive rate limit).
   */
  s3Uploader(): Promise<S3Client>;
  logs(): Promise<CloudWatchLogsClient>;
}

/** Resolves endpoint overrides: an explicit URL wins, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL. */
export function resolveEndpoints(explicit: string | undefined, env: Record<string, string | undefined>): AwsSettings['endpoints'] {
  const base = explicit ?? nonEmpty(env.AWS_ENDPOINT_URL);
  return {
    s3: explicit ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? base,
    mwaa: explicit ?? nonEmpty(env.AWS_ENDPOINT_URL_MWAA) ?? base,
    logs: explicit ?? nonEmpty(env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS) ?? base,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * S3's logger: silent (mwaa's own error says what failed; the SDK would also print to `console` when a
 * streamed request fails). No `info`: the SDK calls `logger.info?.(…)` after
 * every call with a filtered copy of its input and output (for a 1,000-entry listing page, megabytes),
 * and builds that copy only when the method is there. `debug` must be: credential providers call it.
 */
const quietS3Logger = { trace() {}, debug() {}, warn() {}, error() {} } as unknown as {
  debug(): void;
  info(): void;
  warn(): void;
  error(): void;
};

function common(settings: AwsSettings, endpoint: string | undefined) {
  return {
    region: settings.region,
    ...(settings.profile && !settings.credentials ? { profile: settings.profile } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
    retryMode: 'adaptive',
    maxAttempts: settings.maxAttempts ?? 3,
  };
}

export function createAwsClients(settings: AwsSettings): AwsClients {
  const memo = <T>(make: () => Promise<T>) => {
    let value: Promise<T> | undefined;
    return () => (value ??= make());
  };
  const s3Input = (): S3ClientConfig => ({
    ...common(settings, settings.endpoints.s3),
    // an overridden endpoint (a local server) cannot serve virtual-hosted bucket names
    forcePathStyle: Boolean(settings.endpoints.s3),
    logger: quietS3Logger,
    // a CRC32 of every body only where S3 requires one (DeleteObjects): uploads carry Content-MD5,
    // which S3 checks, and a second checksum per PUT was CPU spent for nothing
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const s3 = memo(async () => {
    const { S3Client } = await import('@aws-sdk/client-s3');
    return new S3Client(s3Input());
  });
  return {
    settings,
    mwaa: memo(async () => {
      const { MWAAClient } = await import('@aws-sdk/client-mwaa');
      const { addDroppedMwaaFields } = await import('./mwaa-fields.js');
      const client = new MWAAClient({
        ...common(settings, settings.endpoints.mwaa),
        // The SDK prepends "api." / "env." to the host; an overridden endpoint has no such hosts.
        ...(settings.endpoints.mwaa ? { disableHostPrefix: true } : {}),
      });
      addDroppedMwaaFields(client);
      return client;
    }),
    s3,
    async s3Uploader() {
      const [{ S3Client }, main] = await Promise.all([import('@aws-sdk/client-s3'), s3()]);
      return new S3Client({
        ...s3Input(),
        cacheMiddleware: true,
        region: await main.config.region(),
        credentials: main.config.credentials,
        requestHandler: main.config.requestHandler,
        retryStrategy: await main.config.retryStrategy(),
      });
    },
    logs: memo(async () => {
      const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
      return new CloudWatchLogsClient(common(settings, settings.endpoints.logs));
    }),
  };
}
