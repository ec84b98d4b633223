/** Maps AWS SDK errors to the typed errors of src/core/errors.ts (README "Exit codes"), with a hint for each kind. */
import { AuthError, FailedError, InterruptedError, MwaaError, NotFoundError, UsageError } from '../core/errors.js';
import { isAbortError } from '../core/mutations.js';

const AUTH_NAMES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
  'TokenProviderError',
  'InvalidSignatureException',
  'UnauthorizedException',
]);

/** An error name that is a real AWS error code, not the SDK's stand-in for a bodiless answer ("Unknown", "403"). */
const KNOWN_NAME = /^(?!Unknown$|UnknownError$|\d+$)[A-Za-z][A-Za-z0-9.]*$/;

interface SdkLikeError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $fault?: string;
}

/**
 * Turns whatever the SDK threw into a typed error. `what` names the call ("GetEnvironment analytics-dev")
 * so that a command that gives up says which call failed and why.
 */
export function mapAwsError(error: unknown, what?: string): MwaaError {
  if (MwaaError.is(error)) return error;
  // a call cut short by Ctrl-C is not an AWS failure: the command runner says what the run changed
  if (isAbortError(error)) return new InterruptedError(undefined, { cause: error });
  const e = (error ?? {}) as SdkLikeError;
  const name = e.name ?? 'Error';
  const message = (e.message ?? String(error)).split('\n')[0];
  const prefix = what ? `${what}: ` : '';
  if (name === 'CredentialsProviderError' || /could not load credentials|credential is missing/i.test(message)) {
    return new AuthError(`${prefix}no AWS credentials were found (${message})`, {
      cause: error,
      code: 'aws.no-credentials',
      hint: 'sign in (`aws sso login --profile <profile>`), choose a profile (--profile, AWS_PROFILE or `profile:` in mwaa.yaml), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    });
  }
  if (AUTH_NAMES.has(name)) {
    const expired = /expired/i.test(name) || /expired/i.test(message);
    return new AuthError(
      `${prefix}${expired ? 'AWS credentials have expired' : 'AWS refused the credentials or permission'} (${name}: ${message})`,
      {
        cause: error,
        hint: expired
          ? 'refresh your credentials (e.g. `aws sso login --profile <profile>`) and try again'
          : 'check the profile (--profile, AWS_PROFILE or `profile:` in mwaa.yaml) and that its role allows this action',
      },
    );
  }
  // An answer without a body (any HEAD request) carries no error code: the SDK names it after the
  // status or "Unknown". The status still says what happened.
  const status = e.$metadata?.httpStatusCode;
  if (!KNOWN_NAME.test(name) && (status === 401 || status === 403)) {
    return new AuthError(`${prefix}AWS refused the credentials or permission (HTTP ${status}, no error details: usually AccessDenied)`, {
      cause: error,
      hint: 'check the profile (--profile, AWS_PROFILE or `profile:` in mwaa.yaml) and that its role allows this action (and, for S3, that the bucket policy allows it)',
    });
  }
  if (name === 'ResourceNotFoundException' || name === 'NoSuchBucket' || name === 'NoSuchKey' || name === 'NotFound') {
    return new NotFoundError(`${prefix}${message}`, { cause: error, code: 'aws.not-found' });
  }
  if (/region is missing/i.test(message)) {
    return new UsageError('no AWS region is configured', {
      cause: error,
      hint: 'set `region:` for the environment in mwaa.yaml, pass --region, or set AWS_REGION',
    });
  }
  if (name === 'ValidationException') {
    return new UsageError(`${prefix}${message}`, { cause: error, code: 'aws.validation' });
  }
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || name === 'SlowDown') {
    return new FailedError('aws.throttled', `${prefix}AWS kept throttling the call after retries (${name})`, {
      cause: error,
      hint: 'wait a minute and try again; other tools may be calling the same API',
    });
  }
  if (name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|socket hang up/.test(message)) {
    return new FailedError('aws.unreachable', `${prefix}cannot reach the AWS endpoint (${message})`, {
      cause: error,
      hint: 'check the network, --endpoint-url and AWS_ENDPOINT_URL',
    });
  }
  return new FailedError('aws.failed', `${prefix}${name}${status ? ` (HTTP ${status})` : ''}: ${message}`, { cause: error });
}
