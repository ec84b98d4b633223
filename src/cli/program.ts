/**
 * Builds the commander tree from the registry. Kept free of heavy imports: `mwaa --help` loads only
 * this, commander and the declarations.
 */
import { Command, type CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { MwaaError, UsageError } from '../core/errors.js';
import { GLOBAL_OPTIONS } from './globals.js';
import { COMMANDS, GROUPS } from './registry.js';
import type { CommandSpec, Invocation, OptionSpec } from './spec.js';

export const VERSION: string = pkg.version;

export type Dispatch = (spec: CommandSpec, invocation: Invocation) => Promise<void>;

export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    the operation failed (e.g. a failed environment update, a failed DAG run)
  2    usage error or invalid input/config (nothing was changed)
  3    not found (environment, release, DAG, run, task)
  4    AWS authentication or permission problem
  5    deploy failed and was rolled back cleanly
  6    deploy failed and the rollback did not complete (run \`mwaa recover\`)
  130  interrupted (Ctrl-C)`;

/** The root help's examples: the first example of each top-level command or group that exists. */
function rootExamples(): string {
  const seen = new Set<string>();
  const picked = COMMANDS.filter((c) => !c.hidden && c.examples?.length && !seen.has(c.path[0]) && seen.add(c.path[0])).map(
    (c) => c.examples![0],
  );
  return formatExamples(picked);
}

function formatExamples(examples: Array<{ command: string; description: string }>): string {
  const width = Math.min(56, Math.max(...examples.map((e) => e.command.length)));
  const lines = examples.map((e) =>
    e.command.length > width ? `  $ ${e.command}\n      ${e.description}` : `  $ ${e.command.padEnd(width)}   ${e.description}`,
  );
  return `Examples:\n${lines.join('\n')}`;
}

export function toOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.choices) option.choices(spec.choices as string[]);
  if (spec.default !== undefined) option.default(spec.default, spec.defaultLabel);
  const parse = spec.parse;
  if (parse) {
    // a parser's UsageError becomes commander's own, so it is reported like any other bad option (exit 2)
    option.argParser((value: string, previous: unknown) => {
      try {
        return parse(value, previous);
      } catch (error) {
        if (MwaaError.is(error)) throw new InvalidArgumentError(error.message);
        throw error;
      }
    });
  }
  if (spec.hidden) option.hideHelp();
  return option;
}

function examplesText(spec: CommandSpec): string {
  return spec.examples?.length ? `\n${formatExamples(spec.examples)}` : '';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface ProgramOptions {
  /** the command line (after `mwaa`): the commands it names are declared in full */
  argv: string[];
  write: { out: (text: string) => void; err: (text: string) => void };
  dispatch: Dispatch;
  /** whether to color help and errors */
  color: boolean;
}

export function buildProgram(options: ProgramOptions): Command {
  // Only the commands named on the command line are declared in full (arguments, options, examples,
  // action); the others are stubs with their name and summary, enough for the root help's listing and
  // for suggestions. Declaring all ~30 commands with their options is most of `mwaa --help`'s cost.
  const named = new Set(options.argv.filter((word) => !word.startsWith('-')));
  const stubTerms = new WeakMap<Command, string>();
  const program = new Command('mwaa');
  const configure = (cmd: Command) =>
    cmd
      .exitOverride()
      .configureOutput({
        writeOut: options.write.out,
        writeErr: options.write.err,
        outputError: (text, write) => write(text),
      })
      .showSuggestionAfterError(true)
      .configureHelp({
        sortSubcommands: false,
        showGlobalOptions: true,
        subcommandTerm: (cmd) => stubTerms.get(cmd) ?? new Help().subcommandTerm(cmd),
      });

  configure(program)
    .description(
      'Manage Amazon MWAA environments and deploy to them: environments from mwaa.yaml, version-synced ' +
        'deploys with rollback, the remote Airflow CLI, task logs, and a local emulator.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText('after', `\n${rootExamples()}\n\n${EXIT_CODES_HELP}\n`);
  for (const spec of GLOBAL_OPTIONS) program.addOption(toOption(spec));

  const groups = new Map<string, Command>();
  for (const spec of COMMANDS) {
    const detailed = named.has(spec.path[0]);
    let parent = program;
    if (spec.path.length === 2) {
      const [noun] = spec.path;
      let group = groups.get(noun);
      if (!group) {
        const groupSpec = GROUPS.find((g) => g.name === noun);
        group = configure(new Command(noun)).description(groupSpec?.summary ?? noun);
        group.helpCommand(false);
        if (detailed) {
          // `mwaa env --help`: the first example of each of the group's commands
          const examples = COMMANDS.filter((c) => c.path.length === 2 && c.path[0] === noun && !c.hidden && c.examples?.length).map(
            (c) => c.examples![0],
          );
          if (examples.length) group.addHelpText('after', `\n${formatExamples(examples)}`);
        }
        program.addCommand(group);
        groups.set(noun, group);
      }
      if (!detailed) continue;
      parent = group;
    }
    const name = spec.path[spec.path.length - 1];
    const cmd = configure(new Command(name)).summary(spec.summary);
    if (detailed) declare(cmd, spec, options.dispatch);
    else stubTerms.set(cmd, termOf(spec));
    parent.addCommand(cmd, spec.hidden ? { hidden: true } : undefined);
  }
  return program;
}

/** How the root help lists a command that was not declared in full: as commander would. */
function termOf(spec: CommandSpec): string {
  const args = (spec.args ?? []).map((a) => {
    const text = a.variadic ? `${a.name}...` : a.name;
    return a.required ? `<${text}>` : `[${text}]`;
  });
  return [spec.path[spec.path.length - 1], ...(spec.options?.length ? ['[options]'] : []), ...args].join(' ');
}

function declare(cmd: Command, spec: CommandSpec, dispatch: Dispatch): void {
  cmd.description(spec.description ? `${capitalize(spec.summary)}.\n\n${spec.description}` : capitalize(spec.summary));
  for (const arg of spec.args ?? []) {
    const text = arg.variadic ? `${arg.name}...` : arg.name;
    const argument = cmd.createArgument(arg.required ? `<${text}>` : `[${text}]`, arg.description);
    if (arg.choices) argument.choices(arg.choices as string[]);
    cmd.addArgument(argument);
  }
  for (const option of spec.options ?? []) cmd.addOption(toOption(option));
  if (spec.passThrough) cmd.allowUnknownOption().allowExcessArguments().helpOption(false);
  const examples = examplesText(spec);
  if (examples) cmd.addHelpText('after', examples);
  cmd.action(async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const options = command.optsWithGlobals();
    const given = new Set(Object.keys(options).filter((key) => command.getOptionValueSourceWithGlobals(key) === 'cli'));
    await dispatch(spec, { args: command.processedArgs, options, given });
  });
}

/** Maps commander's own errors to ours. Help and version are not errors. */
export function fromCommanderError(error: CommanderError): UsageError | undefined {
  if (
    error.code === 'commander.helpDisplayed' ||
    error.code === 'commander.version' ||
    error.code === 'commander.help' ||
    (error.code === 'commander.executeSubCommandAsync' && error.exitCode === 0)
  ) {
    return undefined;
  }
  return new UsageError(error.message.replace(/^error: /, ''), { code: error.code });
}
