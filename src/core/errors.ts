/**
 * Typed errors with the exit codes of README "Exit codes". Core code throws these; the CLI prints the message and
 * hint (and the cause chain only with --debug) and exits with `exitCode`.
 */

export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  NotFound: 3,
  Auth: 4,
  RolledBack: 5,
  RollbackIncomplete: 6,
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const BRAND = Symbol.for('mwaa.error');

export interface MwaaErrorOptions {
  hint?: string;
  cause?: unknown;
  /** extra machine-readable details for --json output */
  details?: Record<string, unknown>;
}

export class MwaaError extends Error {
  readonly [BRAND] = true;
  /** stable machine-readable identifier, e.g. "config.invalid" */
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, exitCode: ExitCode, options: MwaaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }

  static is(value: unknown): value is MwaaError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Something failed that is not the user's input: exit 1. */
export class FailedError extends MwaaError {
  constructor(code: string, message: string, options?: MwaaErrorOptions) {
    super(code, message, ExitCode.Failed, options);
  }
}

/** Bad arguments, options or input: exit 2. */
export class UsageError extends MwaaError {
  constructor(message: string, options?: MwaaErrorOptions & { code?: string }) {
    super(options?.code ?? 'usage', message, ExitCode.Usage, options);
  }
}

export interface ConfigLocation {
  file: string;
  line?: number;
  column?: number;
  /** dotted field path, e.g. environments.dev.environment.minWorkers */
  path?: string;
}

/** An invalid or missing mwaa.yaml: exit 2. The message starts with file:line:column when known. */
export class ConfigError extends MwaaError {
  readonly location?: ConfigLocation;
  constructor(message: string, location?: ConfigLocation, options?: MwaaErrorOptions & { code?: string }) {
    super(options?.code ?? 'config.invalid', formatLocated(message, location), ExitCode.Usage, {
      ...options,
      details: { ...options?.details, ...(location ? { location } : {}) },
    });
    this.location = location;
  }
}

function formatLocated(message: string, location?: ConfigLocation): string {
  if (!location) return message;
  let where = location.file;
  if (location.line !== undefined) where += `:${location.line}`;
  if (location.line !== undefined && location.column !== undefined) where += `:${location.column}`;
  return location.path ? `${where}: ${location.path}: ${message}` : `${where}: ${message}`;
}

/** A named thing does not exist (environment, release, DAG, run…): exit 3. */
export class NotFoundError extends MwaaError {
  constructor(message: string, options?: MwaaErrorOptions & { code?: string }) {
    super(options?.code ?? 'not-found', message, ExitCode.NotFound, options);
  }
}

/** Missing, expired or insufficient AWS credentials/permissions: exit 4. */
export class AuthError extends MwaaError {
  constructor(message: string, options?: MwaaErrorOptions & { code?: string }) {
    super(options?.code ?? 'aws.auth', message, ExitCode.Auth, options);
  }
}

/** A deploy failed and everything it touched was put back: exit 5. */
export class DeployRolledBackError extends MwaaError {
  constructor(message: string, options?: MwaaErrorOptions & { code?: string }) {
    super(options?.code ?? 'deploy.rolled-back', message, ExitCode.RolledBack, options);
  }
}

/** A deploy failed and its rollback did not complete: exit 6. The message says what is left. */
export class RollbackIncompleteError extends MwaaError {
  constructor(message: string, options?: MwaaErrorOptions & { code?: string }) {
    super(options?.code ?? 'deploy.rollback-incomplete', message, ExitCode.RollbackIncomplete, options);
  }
}

/**
 * The user pressed Ctrl-C (or the process got SIGTERM): exit 130. Without a message (`bare`), the command
 * runner replaces it with the run's own account of what was changed (src/core/mutations.ts).
 */
export class InterruptedError extends MwaaError {
  /** made without a message: the runner says what was changed */
  readonly bare: boolean;
  constructor(message?: string, options?: MwaaErrorOptions) {
    super('interrupted', message ?? 'interrupted', ExitCode.Interrupted, options);
    this.bare = message === undefined;
  }
}

/** A confirmation was declined or could not be asked: exit 2 (nothing was changed). */
export class AbortedError extends MwaaError {
  constructor(message: string, options?: MwaaErrorOptions) {
    super('aborted', message, ExitCode.Usage, options);
  }
}

/** The exit code an arbitrary thrown value maps to. */
export function exitCodeOf(error: unknown): ExitCode {
  return MwaaError.is(error) ? error.exitCode : ExitCode.Failed;
}
