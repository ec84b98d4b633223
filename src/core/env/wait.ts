/**
 * Waiting for an environment to settle: polls GetEnvironment, reports every
 * status change as an `env.status.changed` event, and ends on a terminal status.
 *
 * Shared by `mwaa env create|update|wait|delete` and by deploys (`mwaa dags push`), which wait for the
 * environment update that pins new plugins/requirements/startup script versions.
 *
 * - `until: 'available'`: AVAILABLE ends the wait (after an update, LastUpdate.Status must be SUCCESS and,
 *   with `expectUpdateSince`, LastUpdate.CreatedAt must not be older than that time). CREATE_FAILED,
 *   UPDATE_FAILED, UNAVAILABLE or a FAILED LastUpdate throw a FailedError (exit 1) carrying MWAA's
 *   LastUpdate.Error code and message and a hint for that code. DELETING/DELETED or a vanished
 *   environment also fail.
 * - `until: 'deleted'`: DELETED or ResourceNotFound ends the wait.
 * - The timeout (default 2 h) throws a FailedError naming `mwaa env wait` to resume; an aborted signal
 *   throws an InterruptedError (exit 130). In both cases the environment keeps going.
 */
import type { EnvironmentInfo, MwaaApi } from '../ports/mwaa.js';
import type { Clock } from '../clock.js';
import { formatDuration } from '../duration.js';
import { FailedError, InterruptedError, MwaaError, NotFoundError } from '../errors.js';
import type { EventSink } from '../events.js';
import { airflowUiUrl } from './summary.js';
import { msg } from '../messages.js';

export interface WaitOptions {
  api: MwaaApi;
  name: string;
  clock: Clock;
  events: EventSink;
  signal?: AbortSignal;
  /** default 2 h */
  timeoutMs?: number;
  /** default 15 s against AWS; callers pass less for the emulator */
  pollMs?: number;
  until: 'available' | 'deleted';
  /** after an update: LastUpdate.Status must be SUCCESS (and LastUpdate.CreatedAt >= this time when given) */
  expectUpdateSince?: number;
  /**
   * With `expectUpdateSince`: how long a settled status (AVAILABLE / UPDATE_FAILED) with no sign of the
   * new update is tolerated before failing (the update may take a moment to show). Default 5 min.
   */
  updateGraceMs?: number;
  /**
   * `until: 'deleted'` asked for an environment that should already be deleting (`env wait --until
   * deleted`): any other status fails at once instead of waiting for a deletion nobody started
   */
  mustBeDeleting?: boolean;
  /** the command that resumes the wait, for messages (default `mwaa env wait`) */
  resumeCommand?: string;
  /**
   * The error for an interrupted wait, given what was going on (e.g. "while waiting for environment x
   * (status DELETING, 3s)"). Default: "stopped waiting …; the environment keeps going".
   */
  interrupted?: (during: string) => MwaaError;
  /** called with every environment read (e.g. for a live view); undefined when it does not exist */
  onPoll?: (environment: EnvironmentInfo | undefined, elapsedMs: number) => void;
}

export interface WaitResult {
  environment: EnvironmentInfo | undefined;
  timeline: Array<{ status: string; at: number }>;
  elapsedMs: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_POLL_MS = 15_000;
/** Poll interval against the local emulator or an overridden endpoint. */
export const FAST_POLL_MS = 250;

/** Statuses after which nothing changes by itself. */
export const TERMINAL_STATUSES = ['AVAILABLE', 'CREATE_FAILED', 'UPDATE_FAILED', 'UNAVAILABLE', 'DELETED'] as const;
const FAILED_STATUSES = new Set(['CREATE_FAILED', 'UPDATE_FAILED', 'UNAVAILABLE']);

/** How many consecutive transient read failures (throttling, unreachable endpoint) are tolerated. */
const TRANSIENT_LIMIT = 3;

export interface StatusChangedData extends Record<string, unknown> {
  name: string;
  status: string;
  previous: string | null;
  elapsedMs: number;
  webserverUrl?: string;
}

/** The hint shown for an LastUpdate.Error.ErrorCode. */
export function hintForErrorCode(code: string | undefined, status?: string): string {
  switch (code) {
    case 'INCORRECT_CONFIGURATION':
      return (
        "check the execution role's permissions policy, that the VPC networking components (subnets, security groups, " +
        'VPC endpoints or NAT) allow traffic, and the requirements_install / startup_script log streams ' +
        '(`mwaa logs --component requirements`); see https://docs.aws.amazon.com/mwaa/latest/userguide/troubleshooting.html'
      );
    case 'ACCESS_DENIED':
    case 'AccessDenied':
    case 'AccessDeniedException':
      return "the execution role (or the caller) lacks a permission MWAA needs; check the role's policy and the bucket policy";
    case 'INTERNAL_ERROR':
    case 'InternalFailure':
    case 'InternalServerException':
      return 'an internal MWAA error; retry the operation, and contact AWS Support if it persists';
    case 'SERVICE_QUOTA_EXCEEDED':
    case 'ServiceQuotaExceededException':
    case 'LIMIT_EXCEEDED':
      return 'an account quota was reached (environments, workers or web servers per Region); request an increase in Service Quotas';
    case 'VALIDATION_ERROR':
    case 'ValidationException':
      return 'MWAA rejected a setting; check the values in mwaa.yaml against `mwaa env diff`';
    default:
      if (status === 'UNAVAILABLE') {
        return 'the environment did not return to its previous state and is not stable; check its CloudWatch logs and contact AWS Support if an update does not fix it';
      }
      if (status === 'UPDATE_FAILED') {
        return 'MWAA rolled the environment back to its previous state and it is usable; check the scheduler, worker and requirements logs (`mwaa logs --component requirements`), fix mwaa.yaml and run `mwaa env update` again';
      }
      if (status === 'CREATE_FAILED') {
        return 'check the execution role, the VPC networking and the source bucket, then delete the environment (`mwaa env delete`) and create it again';
      }
      return "check the environment's CloudWatch logs (`mwaa logs --component scheduler`) for the cause";
  }
}

/** The FailedError for an environment that ended in a failed state (or with a FAILED LastUpdate). */
export function environmentFailedError(env: EnvironmentInfo, elapsedMs?: number): FailedError {
  const name = env.Name ?? 'environment';
  const status = env.Status ?? 'UNKNOWN';
  const error = env.LastUpdate?.Error;
  const head =
    status === 'UNAVAILABLE'
      ? `environment ${name} is UNAVAILABLE: the change failed and the environment did not return to a stable state`
      : status === 'CREATE_FAILED'
        ? `creating environment ${name} failed (CREATE_FAILED)`
        : status === 'UPDATE_FAILED'
          ? `updating environment ${name} failed (UPDATE_FAILED; MWAA rolled it back to its previous state)`
          : `the last update of environment ${name} failed (status ${status}, LastUpdate FAILED)`;
  const detail = error ? `\n${error.ErrorCode ?? 'ERROR'}: ${error.ErrorMessage ?? '(no message)'}` : '';
  const took = elapsedMs !== undefined ? ` after ${formatDuration(elapsedMs)}` : '';
  return new FailedError('env.failed', `${head}${took}${detail}`, {
    hint: hintForErrorCode(error?.ErrorCode, status),
    details: {
      name,
      status,
      errorCode: error?.ErrorCode,
      errorMessage: error?.ErrorMessage,
      lastUpdate: env.LastUpdate ? serializableLastUpdate(env.LastUpdate) : undefined,
    },
  });
}

function serializableLastUpdate(lu: NonNullable<EnvironmentInfo['LastUpdate']>): Record<string, unknown> {
  return {
    ...lu,
    CreatedAt: lu.CreatedAt instanceof Date ? lu.CreatedAt.toISOString() : lu.CreatedAt,
  };
}

function timeOf(value: Date | string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function isTransient(error: unknown): boolean {
  return MwaaError.is(error) && (error.code === 'aws.throttled' || error.code === 'aws.unreachable');
}

export async function waitForEnvironment(options: WaitOptions): Promise<WaitResult> {
  const { api, name, clock, events, signal, until, expectUpdateSince } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const pollMs = Math.max(1, options.pollMs ?? DEFAULT_POLL_MS);
  const graceMs = options.updateGraceMs ?? 5 * 60 * 1000;
  const resume = options.resumeCommand ?? 'mwaa env wait';
  const start = clock.now();
  const timeline: WaitResult['timeline'] = [];
  let previous: string | null = null;
  let environment: EnvironmentInfo | undefined;
  /** a transitional status was seen during this wait: the change we wait for is under way */
  let sawTransition = false;
  /** since when a settled status without the expected update has been seen */
  let staleSince: number | undefined;
  let transientFailures = 0;
  let warnedPending = false;

  const elapsed = () => clock.now() - start;
  const interrupted = () =>
    options.interrupted?.(
      `while waiting for environment ${name} (${previous ? `status ${previous}, ` : ''}${formatDuration(elapsed())})`,
    ) ??
    new InterruptedError(
      `stopped waiting for environment ${name} after ${formatDuration(elapsed())}` +
        `${previous ? ` (status ${previous})` : ''}; the environment keeps going`,
      { hint: `resume with \`${resume}\`` },
    );

  const record = (status: string, env: EnvironmentInfo | undefined) => {
    if (status === previous) return;
    const at = clock.now();
    timeline.push({ status, at });
    const data: StatusChangedData = { name, status, previous, elapsedMs: at - start };
    const url = env ? airflowUiUrl(env) : undefined;
    if (url) data.webserverUrl = url;
    events(
      msg('env.status.changed', data, previous ? `${name}: ${previous} → ${status} (${formatDuration(at - start)})` : `${name}: ${status}`),
    );
    previous = status;
  };

  for (;;) {
    if (signal?.aborted) throw interrupted();
    let env: EnvironmentInfo | undefined;
    try {
      env = await api.getEnvironment(name);
      transientFailures = 0;
    } catch (error) {
      if (signal?.aborted) throw interrupted();
      if (!isTransient(error) || ++transientFailures > TRANSIENT_LIMIT) throw error;
      events(
        msg(
          'env.wait.retry',
          { name, attempt: transientFailures },
          `reading environment ${name} failed (${(error as Error).message}); retrying`,
        ),
      );
      env = environment;
      await sleepOrInterrupt(clock, pollMs, signal, interrupted);
      continue;
    }
    if (signal?.aborted) throw interrupted();
    environment = env;
    options.onPoll?.(env, elapsed());

    if (!env) {
      if (until === 'deleted') {
        record('DELETED', undefined);
        return { environment: undefined, timeline, elapsedMs: elapsed() };
      }
      throw new NotFoundError(
        previous ? `environment ${name} no longer exists (it was ${previous})` : `environment "${name}" does not exist`,
        {
          code: 'env.not-found',
          hint: previous
            ? 'it was deleted while waiting; create it again with `mwaa env create`'
            : 'create it with `mwaa env create`, or check the region and the name in mwaa.yaml',
        },
      );
    }

    const status = env.Status ?? 'UNKNOWN';
    record(status, env);

    if (until === 'deleted') {
      if (status === 'DELETED') return { environment: env, timeline, elapsedMs: elapsed() };
      if (status === 'DELETING') sawTransition = true;
      else if (options.mustBeDeleting && !sawTransition) {
        throw new FailedError('env.not-deleting', `environment ${name} is ${status}, not being deleted; there is no deletion to wait for`, {
          hint: 'delete it with `mwaa env delete`, or wait for it with `mwaa env wait --until available`',
          details: { name, status },
        });
      }
    } else {
      const settled = status === 'AVAILABLE' || FAILED_STATUSES.has(status);
      if (!settled) {
        if (status === 'DELETING' || status === 'DELETED') {
          throw new FailedError('env.deleting', `environment ${name} is being deleted (${status}); it will not become AVAILABLE`, {
            hint: 'create it again with `mwaa env create` once the deletion ends (`mwaa env wait` shows it)',
            details: { name, status },
          });
        }
        sawTransition = true;
        staleSince = undefined;
        if (status === 'PENDING' && !warnedPending) {
          warnedPending = true;
          events(
            msg(
              'env.status.pending',
              { name },
              `${name} is PENDING: with endpointManagement CUSTOMER, MWAA waits until you create the VPC endpoints ` +
                '(WebserverVpcEndpointService / DatabaseVpcEndpointService); after 72 h it becomes CREATE_FAILED',
            ),
          );
        }
      } else {
        const lastUpdate = env.LastUpdate;
        const luTime = timeOf(lastUpdate?.CreatedAt as Date | string | number | undefined);
        const updateSeen =
          expectUpdateSince === undefined ||
          sawTransition ||
          (luTime !== undefined && luTime >= expectUpdateSince && lastUpdate?.Status !== 'PENDING');
        if (!updateSeen) {
          // The update we wait for has not shown up yet (eventual consistency): keep polling for a while.
          staleSince ??= clock.now();
          if (clock.now() - staleSince >= graceMs) {
            throw new FailedError(
              'env.update-not-seen',
              `environment ${name} is ${status} but shows no update since ${new Date(expectUpdateSince).toISOString()} ` +
                `(last update: ${lastUpdate?.Status ?? 'none'}${luTime !== undefined ? ` at ${new Date(luTime).toISOString()}` : ''})`,
              { hint: 'check `mwaa env show`; the update may have been refused or superseded', details: { name, status } },
            );
          }
        } else if (FAILED_STATUSES.has(status)) {
          throw environmentFailedError(env, elapsed());
        } else if (expectUpdateSince !== undefined && lastUpdate?.Status === 'FAILED') {
          throw environmentFailedError(env, elapsed());
        } else if (expectUpdateSince !== undefined && lastUpdate?.Status === 'PENDING') {
          // AVAILABLE but the update is still being applied: keep polling
        } else {
          return { environment: env, timeline, elapsedMs: elapsed() };
        }
      }
    }

    if (elapsed() >= timeoutMs) {
      throw new FailedError(
        'env.wait.timeout',
        `gave up waiting for environment ${name} after ${formatDuration(elapsed())} (status ${status}); the environment keeps going`,
        {
          hint: `resume with \`${resume}\` (add --timeout to wait longer)`,
          details: { name, status, timeline },
        },
      );
    }
    const remaining = timeoutMs - elapsed();
    await sleepOrInterrupt(clock, Math.min(pollMs, Math.max(1, remaining)), signal, interrupted);
  }
}

async function sleepOrInterrupt(clock: Clock, ms: number, signal: AbortSignal | undefined, interrupted: () => Error): Promise<void> {
  try {
    await clock.sleep(ms, signal);
  } catch (error) {
    if (signal?.aborted) throw interrupted();
    throw error;
  }
  if (signal?.aborted) throw interrupted();
}
