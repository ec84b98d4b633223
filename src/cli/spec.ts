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
  default?: string | boolean | number;
  /** parse the value (throw UsageError on bad input) */
  parse?: (value: string, previous: unknown) => unknown;
  complete?: CompletionSource;
  hidden?: boolean;
}

export interface Example {
  command: string;
  description: string;
}

/** Arguments and options as commander parsed them, with the global options merged in. */
export interface Invocation {
  args: unknown[];
  options: Record<string, unknown>;
}

export type Handler = (ctx: Context, invocation: Invocation) => Promise<void>;

export interface CommandSpec {
  /** e.g. ["env", "create"]; a one-word path is a top-level command */
  path: string[];
  summary: string;
  /** longer help shown by `mwaa <cmd> --help` */
  description?: string;
  args?: ArgSpec[];
  options?: OptionSpec[];
  examples?: Example[];
  /** everything after the command word is passed to the handler verbatim (`mwaa airflow …`) */
  passThrough?: boolean;
  hidden?: boolean;
  load: () => Promise<{ run: Handler }>;
}

export interface GroupSpec {
  name: string;
  summary: string;
}
