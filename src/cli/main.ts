/**
 * The program: parses argv with the registry's commander tree, builds the handler context, runs the
 * command and turns whatever it throws into a message and an exit code. Never exits the process.
 */
import { CommanderError } from 'commander';
import type { Clock } from '../core/clock.js';
import { ExitCode } from '../core/errors.js';
import type { Streams } from '../ui/io.js';
import { GLOBAL_OPTIONS } from './globals.js';
import { buildProgram, fromCommanderError } from './program.js';
import { COMMANDS, GROUPS } from './registry.js';
import type { CommandSpec, Invocation } from './spec.js';

export interface MainDeps {
  /** arguments after `node mwaa` */
  argv: string[];
  streams: Streams;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** aborted on Ctrl-C / SIGTERM */
  signal?: AbortSignal;
  /**
   * the clock handlers sleep and tell time on (default: the system's); tests that run the CLI in the
   * same process as a sped-up emulator pass the emulator's, so that polling waits shrink with it
   */
  clock?: Clock;
  /**
   * called once before the handler of a command that declares `tunesHeap` is loaded (not for other commands,
   * --help or --version); bin/mwaa.cjs tunes the V8 heap there
   */
  tuneHeap?: () => void;
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
    if (token === '--json' || ((token === '-o' || token === '--output') && argv[i + 1] === 'json') || token === '--output=json')
      json = true;
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

/**
 * The command a request for help names when no command has that name (`mwaa nosuch --help`, `mwaa help
 * nosuch`, `mwaa env nosuch -h`), else undefined. Commander would print the nearest group's help and
 * exit 0, which tells a script that the command exists.
 */
export function unknownHelpTarget(argv: string[]): string | undefined {
  const words: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') break;
    if (token === '-h' || token === '--help') help = true;
    else if (VALUE_FLAGS.has(token)) i++;
    else if (!token.startsWith('-')) words.push(token);
  }
  if (words[0] === 'help') {
    help = true;
    words.shift();
  }
  if (!help || words.length === 0) return undefined;
  const [first, second] = words;
  if (COMMANDS.some((c) => c.path.length === 1 && c.path[0] === first)) return undefined; // the rest are its arguments
  if (!GROUPS.some((g) => g.name === first)) return first;
  if (second === undefined || COMMANDS.some((c) => c.path[0] === first && c.path[1] === second)) return undefined;
  return `${first} ${second}`;
}

export async function main(deps: MainDeps): Promise<number> {
  const scan = preScan(deps.argv, deps.env);
  let exitCode: number = ExitCode.Ok;
  const unknown = unknownHelpTarget(deps.argv);
  if (unknown !== undefined) {
    if (scan.json)
      deps.streams.stdout.write(
        `${JSON.stringify({ error: { code: 'usage', message: `unknown command '${unknown}'`, exitCode: ExitCode.Usage } })}\n`,
      );
    deps.streams.stderr.write(`error: unknown command '${unknown}'\nhint: see \`mwaa --help\` for the commands\n`);
    return ExitCode.Usage;
  }

  // Everything a command needs (context, output, AWS) is loaded only when a command runs, so that
  // `mwaa --help` and `mwaa --version` load little more than commander and the declarations.
  const dispatch = async (spec: CommandSpec, invocation: Invocation) => {
    const { runCommand } = await import('./run.js');
    exitCode = await runCommand(spec, invocation, deps, scan.passThrough);
  };

  const program = buildProgram({
    argv: scan.parseArgv,
    write: { out: (t) => deps.streams.stdout.write(t), err: (t) => deps.streams.stderr.write(t) },
    dispatch,
    color: scan.color,
  });

  try {
    await program.parseAsync(scan.parseArgv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const mapped = fromCommanderError(error);
    if (!mapped) return ExitCode.Ok;
    // commander already printed its message (with a suggestion); add the hint line.
    if (scan.json) {
      deps.streams.stdout.write(
        `${JSON.stringify({ error: { code: mapped.code, message: mapped.message, exitCode: mapped.exitCode } })}\n`,
      );
    }
    deps.streams.stderr.write('hint: see `mwaa --help` or `mwaa <command> --help`\n');
    return mapped.exitCode;
  }
  return exitCode;
}
