/**
 * Running one parsed command: the global options become a context, the handler is loaded and run, and
 * whatever it throws becomes a message and an exit code.
 */
import { AuthError, ExitCode, InterruptedError, MwaaError } from '../core/errors.js';
import type { Mutations } from '../core/mutations.js';
import { createHost } from '../ui/host/index.js';
import { Io } from '../ui/io.js';
import { createContext, type Context } from './context.js';
import type { GlobalOptions } from './globals.js';
import type { MainDeps } from './main.js';
import type { CommandSpec, Invocation } from './spec.js';

export function toGlobals(options: Record<string, unknown>, env: MainDeps['env']): GlobalOptions {
  const output = options.output as string | undefined;
  return {
    env: options.env as string | undefined,
    config: options.config as string | undefined,
    profile: options.profile as string | undefined,
    region: options.region as string | undefined,
    endpointUrl: options.endpointUrl as string | undefined,
    local: options.local === true,
    json: options.json === true || output === 'json',
    color: options.color !== false && !env.NO_COLOR,
    yes: options.yes === true,
    quiet: options.quiet === true,
    debug: options.debug === true,
  };
}

function isCi(env: MainDeps['env']): boolean {
  return Boolean(env.CI) && env.CI !== 'false' && env.CI !== '0';
}

export async function runCommand(
  spec: CommandSpec,
  invocation: Invocation,
  deps: MainDeps,
  passThrough: string[] | undefined,
): Promise<number> {
  const globals = toGlobals(invocation.options, deps.env);
  const io = new Io(deps.streams, {
    json: globals.json,
    color: globals.color,
    quiet: globals.quiet,
    debug: globals.debug,
    ci: isCi(deps.env),
    yes: globals.yes,
    forceColor: deps.env.FORCE_COLOR,
  });
  // the host, once for the run: JSON with --json, live views on a terminal, plain text otherwise
  const host = createHost(io);
  const signal = deps.signal ?? new AbortController().signal;
  const ctx = createContext({ io, host, globals, cwd: deps.cwd, env: deps.env, signal, clock: deps.clock });
  try {
    const args = spec.passThrough ? [...invocation.args.filter((a) => a !== undefined), ...(passThrough ?? [])] : invocation.args;
    if (spec.tunesHeap) deps.tuneHeap?.();
    const { run } = await spec.load();
    await run(ctx, { ...invocation, args });
    await io.settled();
    return ExitCode.Ok;
  } catch (error) {
    await io.settled();
    return reportError(io, await namingMissingProfile(ctx, interruptedAccount(ctx.mutations, signal, error)));
  } finally {
    try {
      await ctx.runExitHooks();
    } catch (error) {
      io.debugLine(`cleanup failed: ${String(error)}`);
    }
  }
}

/**
 * An interruption as the run's record tells it: a failure caused by the abort (not a typed error) or an
 * InterruptedError made without a message becomes "interrupted; nothing was changed" or "interrupted
 * after <what> was sent; <what happens next>".
 */
export function interruptedAccount(mutations: Mutations, signal: AbortSignal, error: unknown): unknown {
  if (error instanceof InterruptedError && error.bare) return mutations.interrupted({ cause: error.cause ?? error });
  if (signal.aborted && !MwaaError.is(error)) return mutations.interrupted({ cause: error });
  // A call cut off by Ctrl-C does not always fail as an abort (a response body torn mid-read fails as
  // "aborted" or a reset): after Ctrl-C, an AWS call's failure is the interruption's doing.
  if (signal.aborted && MwaaError.is(error) && /^aws\.(failed|unreachable)$/.test(error.code))
    return mutations.interrupted({ cause: error });
  return error;
}

/** "No credentials" for a profile that is in neither shared file says so, naming the profile. */
async function namingMissingProfile(ctx: Context, error: unknown): Promise<unknown> {
  if (!MwaaError.is(error) || error.code !== 'aws.no-credentials') return error;
  const settings = ctx.awsSettings();
  if (!settings?.profile || settings.credentials) return error;
  const { profileMissing, sharedFiles, shownPath } = await import('../aws/profiles.js');
  if (!profileMissing(settings.profile, ctx.env)) return error;
  const files = sharedFiles(ctx.env);
  return new AuthError(
    `profile ${settings.profile} is not in ${shownPath(files.config, ctx.env)} or ${shownPath(files.credentials, ctx.env)}`,
    {
      code: 'aws.profile-not-found',
      cause: error,
      hint: `check the name (\`aws configure list-profiles\`), or set the profile up with \`aws configure sso --profile ${settings.profile}\` or \`aws configure --profile ${settings.profile}\``,
    },
  );
}

/** Prints an error (one line + hint; the cause chain with --debug; JSON with --json) and returns its exit code. */
export function reportError(io: Io, error: unknown): number {
  const typed = MwaaError.is(error) ? error : undefined;
  const code = typed?.exitCode ?? ExitCode.Failed;
  const message = typed ? typed.message : error instanceof Error ? error.message : String(error);
  if (io.json) {
    // one line, so that it is also a valid last record after NDJSON from a streaming command
    io.jsonLine({
      error: {
        code: typed?.code ?? 'internal',
        message,
        hint: typed?.hint,
        exitCode: code,
        ...(typed?.details ? { details: typed.details } : {}),
      },
    });
    // stderr carries only NDJSON with --json; a person at a terminal still gets the readable lines
    if (!io.streams.stderr.isTTY) return code;
  }
  const s = io.errStyle;
  const [first, ...rest] = message.split('\n');
  const lines = [`${s.red('error:')} ${first}`, ...rest.map((l) => `  ${l}`)];
  if (typed?.hint) lines.push(`${s.dim('hint:')} ${typed.hint}`);
  if (!typed && !io.debug) lines.push(`${s.dim('hint:')} this looks like a bug in mwaa; run again with --debug for details`);
  if (io.debug) lines.push(...causeChain(error).map((l) => s.dim(l)));
  io.streams.stderr.write(`${lines.join('\n')}\n`);
  return code;
}

function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current instanceof Error) {
      lines.push(depth === 0 ? 'stack:' : `caused by: ${current.name}: ${current.message}`);
      if (current.stack)
        lines.push(
          ...current.stack
            .split('\n')
            .slice(1)
            .map((l) => `  ${l.trim()}`),
        );
      current = (current as { cause?: unknown }).cause;
    } else {
      lines.push(`caused by: ${String(current)}`);
      current = undefined;
    }
  }
  return lines;
}
