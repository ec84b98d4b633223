/**
 * Commands are declared as data (one registry) so that the same declarations build the commander
 * tree, the help text and the shell completions. Declarations are cheap to load: handlers are imported
 * only when their command runs, so `mwaa --help` loads neither the AWS SDK nor ink.
 */
import type { Context } from './context.js';

/** What a value can be completed from in the shell. */
export type CompletionSource = 'envs' | 'files' | 'dirs' | 'shells' | 'none';

export interface ArgSpec {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
  choices?: readonly string[];
  complete?: CompletionSource;
}

export interface OptionSpec {
  /** commander flags, e.g. "-m, --message <text>", "--no-wait", "--timeout <duration>" */
  flags: string;
  description: string;
  choices?: readonly string[];
  /** the value when the option is not given: declared here once, never again in a handler */
  default?: string | boolean | number;
  /** how help shows the default when the value itself would read badly (a duration in milliseconds) */
  defaultLabel?: string;
  /** parse the value (throw UsageError on bad input); its return type is the option's type */
  parse?: (value: string, previous: unknown) => unknown;
  complete?: CompletionSource;
  hidden?: boolean;
}

/** An option declared once and shared by commands; its literal flags keep the handler's options typed. */
export function option<const O extends OptionSpec>(spec: O): O {
  return spec;
}

// ---- the options a handler receives, derived from its spec's flags -------------------------------

/** "-m, --message <text>" → "message"; "--no-wait" → "no-wait" */
type LongFlag<F extends string> = F extends `${string}--${infer Rest}` ? (Rest extends `${infer Name} ${string}` ? Name : Rest) : never;
type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
/** commander's key: "--dry-run" → dryRun, "--no-wait" → wait */
type OptionKey<F extends string> = LongFlag<F> extends `no-${infer Name}` ? Camel<Name> : Camel<LongFlag<F>>;
type TakesValue<F extends string> = F extends `${string}<${string}>` | `${string}[${string}]` ? true : false;
type OptionValue<O extends OptionSpec> = O extends { parse: (...args: never[]) => infer V }
  ? V
  : TakesValue<O['flags']> extends true
    ? O extends { choices: readonly (infer C)[] }
      ? C
      : string
    : boolean;
/** always set: it has a default, or it is a `--no-x` flag (true unless given) */
type AlwaysSet<O extends OptionSpec> = O extends { default: unknown } ? true : LongFlag<O['flags']> extends `no-${string}` ? true : false;

/** The parsed options of a command, keyed and typed as commander hands them over. */
export type OptionsOf<Options extends readonly OptionSpec[] | undefined> = OptionsOfList<NonNullable<Options>>;
type OptionsOfList<Options extends readonly OptionSpec[]> = string extends Options[number]['flags']
  ? Record<string, unknown> // a spec whose flags are not literal (the registry's view of all commands)
  : { [O in Options[number] as OptionKey<O['flags']>]: AlwaysSet<O> extends true ? OptionValue<O> : OptionValue<O> | undefined };

export interface Example {
  command: string;
  description: string;
}

/** Arguments and options as commander parsed them (global options are read from `ctx.globals`). */
export interface Invocation<Options extends object = Record<string, unknown>> {
  args: unknown[];
  options: Options;
  /** the options typed on the command line (the others hold their defaults, or nothing) */
  given: ReadonlySet<keyof Options & string>;
}

/** A handler, its options typed from its command's spec: `const run: Handler<typeof dagsPush>`. */
export type Handler<Spec extends { options?: readonly OptionSpec[] } = CommandSpec> = (
  ctx: Context,
  invocation: Invocation<OptionsOf<Spec['options']>>,
) => Promise<void>;

export interface CommandSpec<Options extends readonly OptionSpec[] = readonly OptionSpec[]> {
  /** e.g. ["env", "create"]; a one-word path is a top-level command */
  path: string[];
  summary: string;
  /** longer help shown by `mwaa <cmd> --help` */
  description?: string;
  args?: ArgSpec[];
  options?: Options;
  examples?: Example[];
  /** everything after the command word is passed to the handler verbatim (`mwaa airflow …`) */
  passThrough?: boolean;
  hidden?: boolean;
  /**
   * the command's work grows with the project or the log (files hashed and uploaded, log events streamed,
   * an emulator serving): its process gets V8's heap tuned once its young generation reaches a cap
   * (MainDeps.tuneHeap, bin/heap.cjs). Other commands go without, because a V8 flag changed at run time
   * costs everything compiled after it its code cache (Node's built-ins', bin/compile-cache.cjs's):
   * `https` loaded in 15 ms instead of 10 (docs/architecture.md, "Start-up")
   */
  tunesHeap?: boolean;
  /** `(): Loaded => import('../commands/x.js')`: annotated, so that a spec's type never waits on its handler's */
  load: () => Loaded;
}

export interface GroupSpec {
  name: string;
  summary: string;
}

/** A handler module, loaded only when its command runs. */
// biome-ignore lint/suspicious/noExplicitAny: each handler is typed by its own spec; the registry holds them all
export type Loaded = Promise<{ run: Handler<any> }>;

/** Declares a command; the literal option flags are kept so that `Handler<typeof spec>` is typed. */
export function command<const Options extends readonly OptionSpec[] = readonly []>(spec: CommandSpec<Options>): CommandSpec<Options> {
  return spec;
}
