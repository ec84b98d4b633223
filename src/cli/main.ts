/**
 * The program: parses argv with the registry's commander tree, builds the handler context, runs the
 * command and turns whatever it throws into a message and an exit code. Never exits the process.
 */
import { CommanderError } from 'commander';
import { ExitCode, InterruptedError, MwaaError } from '../core/errors.js';
import { Io, type Streams } from '../ui/io.js';
import { createContext } from './context.js';
import { GLOBAL_OPTIONS, type GlobalOptions } from './globals.js';
import { buildProgram, fromCommanderError } from './program.js';
import { COMMANDS } from './registry.js';
import type { CommandSpec, Invocation } from './spec.js';

export interface MainDeps {
  /** arguments after `node mwaa` */
  argv: string[];
  streams: Streams;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** aborted on Ctrl-C / SIGTERM */
  signal?: AbortSignal;
}

/** Global options that take a value, so that a pre-scan of argv can skip their values. */
const VALUE_FLAGS = new Set(
  GLOBAL_OPTIONS.filter((o) => /[<[]/.test(o.flags)).flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith('-'))),
);

interface PreScan {
  json: boolean;
  color: boolean;
  quiet: boolean;
  debug: boolean;
  /** argv for commander, and what follows a pass-through command verbatim */
  parseArgv: string[];
  passThrough?: string[];
}

/** Reads the options that shape output before commander parses (so parse errors are rendered right). */
export function preScan(argv: string[], env: MainDeps['env']): PreScan {
  let json = false;
  let color = !env.NO_COLOR;
  let quiet = false;
  let debug = false;
  let parseArgv = argv;
  let passThrough: string[] | undefined;
  const passThroughWords = new Set(COMMANDS.filter((c) => c.passThrough && c.path.length === 1).map((c) => c.path[0]));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') break;
    if (token === '--json' || ((token === '-o' || token === '--output') && argv[i + 1] === 'json') || token === '--output=json') json = true;
    else if (token === '--no-color') color = false;
    else if (token === '-q' || token === '--quiet') quiet = true;
    else if (token === '--debug') debug = true;
    if (VALUE_FLAGS.has(token)) {
      i++;
      continue;
    }
    if (!token.startsWith('-')) {
      if (passThroughWords.has(token)) {
        parseArgv = argv.slice(0, i + 1);
        passThrough = argv.slice(i + 1);
      }
      break;
    }
  }
  return { json, color, quiet, debug, parseArgv, passThrough };
}

function toGlobals(options: Record<string, unknown>, env: MainDeps['env']): GlobalOptions {
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

export async function main(deps: MainDeps): Promise<number> {
  const scan = preScan(deps.argv, deps.env);
  let io = new Io(deps.streams, { json: scan.json, color: scan.color, quiet: scan.quiet, debug: scan.debug, ci: isCi(deps.env), yes: false });
  const signal = deps.signal ?? new AbortController().signal;
  let exitCode: number = ExitCode.Ok;

  const dispatch = async (spec: CommandSpec, invocation: Invocation) => {
    const globals = toGlobals(invocation.options, deps.env);
    io = new Io(deps.streams, { json: globals.json, color: globals.color, quiet: globals.quiet, debug: globals.debug, ci: isCi(deps.env), yes: globals.yes });
    const ctx = createContext({ io, globals, cwd: deps.cwd, env: deps.env, signal });
    try {
      const args = spec.passThrough ? [...(invocation.args as unknown[]).filter((a) => a !== undefined), ...(scan.passThrough ?? [])] : invocation.args;
      const { run } = await spec.load();
      await run(ctx, { args, options: invocation.options });
    } finally {
      await ctx.runExitHooks();
    }
  };

  const program = buildProgram({
    write: { out: (t) => deps.streams.stdout.write(t), err: (t) => deps.streams.stderr.write(t) },
    dispatch,
    color: scan.color,
  });

  try {
    await program.parseAsync(scan.parseArgv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const mapped = fromCommanderError(error);
      if (!mapped) return ExitCode.Ok;
      // commander already printed its message (with a suggestion); add the hint line.
      deps.streams.stderr.write(`${io.errStyle.dim('hint: see `mwaa --help` or `mwaa <command> --help`')}\n`);
      return mapped.exitCode;
    }
    exitCode = reportError(io, signal.aborted && !MwaaError.is(error) ? new InterruptedError() : error);
  }
  return exitCode;
}

/** Prints an error (one line + hint; the cause chain with --debug; JSON with --json) and returns its exit code. */
export function reportError(io: Io, error: unknown): number {
  const typed = MwaaError.is(error) ? error : undefined;
  const code = typed?.exitCode ?? ExitCode.Failed;
  const message = typed ? typed.message : error instanceof Error ? `${error.message}` : String(error);
  if (io.json) {
    io.out(
      JSON.stringify(
        { error: { code: typed?.code ?? 'internal', message, hint: typed?.hint, exitCode: code, ...(typed?.details ? { details: typed.details } : {}) } },
        null,
        2,
      ),
    );
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
  let depth = 0;
  while (current && depth < 8) {
    if (current instanceof Error) {
      lines.push(depth === 0 ? 'stack:' : `caused by: ${current.name}: ${current.message}`);
      if (current.stack) lines.push(...current.stack.split('\n').slice(1).map((l) => `  ${l.trim()}`));
      current = (current as { cause?: unknown }).cause;
    } else {
      lines.push(`caused by: ${String(current)}`);
      current = undefined;
    }
    depth++;
  }
  return lines;
}

