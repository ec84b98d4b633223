/**
 * Python argparse as Airflow uses it (DefaultHelpParser): option matching (exact, `--opt=value`,
 * `-ovalue`, unique prefixes of long options), choices and type errors, required arguments, extras
 * reported by the top-level parser, and the error output
 *   stdout: the help of the parser that failed
 *   stderr: "\n{prog} command error: {message}, see help above.\n"   (exit 2)
 */

export class ArgTypeError extends Error {}

export interface ArgSpec {
  /** option strings (e.g. ['-o', '--output']); empty for a positional */
  flags: string[];
  dest: string;
  /** store a value, store_true/store_false, or append values */
  action?: 'store' | 'store_true' | 'store_false' | 'append';
  choices?: string[];
  /** the type function; its name appears in "invalid <name> value" (a thrown ArgTypeError gives its own message) */
  type?: { name: string; fn: (s: string) => unknown };
  required?: boolean;
  metavar?: string;
  help?: string;
  default?: unknown;
}

export interface CommandSpec {
  prog: string;
  help: string;
  args: ArgSpec[];
}

export type ParseResult =
  | { kind: 'ok'; values: Record<string, unknown>; extras: string[] }
  | { kind: 'error'; prog: string; message: string }
  | { kind: 'help' };

const isNegativeNumber = (s: string): boolean => /^-\d+$|^-\d*\.\d+$/.test(s);

function actionName(a: ArgSpec): string {
  if (a.flags.length) return a.flags.join('/');
  return a.metavar ?? a.dest;
}

const pyQuote = (s: string): string =>
  s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Whether argparse would treat the string as an option (not a value/positional). */
function looksLikeOption(s: string, spec: CommandSpec): boolean {
  if (!s.startsWith('-') || s === '-') return false;
  if (s === '--') return true;
  const eq = s.split('=')[0];
  if (spec.args.some((a) => a.flags.includes(s) || a.flags.includes(eq))) return true;
  if (s.length === 2) return !isNegativeNumber(s);
  if (isNegativeNumber(s)) return false;
  if (s.includes(' ')) return false;
  return true;
}

export function parseArgs(spec: CommandSpec, argv: string[]): ParseResult {
  const values: Record<string, unknown> = {};
  for (const a of spec.args) {
    if (a.action === 'store_true') values[a.dest] = false;
    else if (a.action === 'store_false') values[a.dest] = true;
    else values[a.dest] = a.default ?? null;
  }
  const extras: string[] = [];
  const seen = new Set<ArgSpec>();
  const positionals = spec.args.filter((a) => a.flags.length === 0);
  let nextPos = 0;
  const err = (message: string): ParseResult => ({ kind: 'error', prog: spec.prog, message });
  const convert = (a: ArgSpec, raw: string): { ok: true; v: unknown } | { ok: false; r: ParseResult } => {
    let v: unknown = raw;
    if (a.type) {
      try {
        v = a.type.fn(raw);
      } catch (e) {
        if (e instanceof ArgTypeError) return { ok: false, r: err(`argument ${actionName(a)}: ${e.message}`) };
        return { ok: false, r: err(`argument ${actionName(a)}: invalid ${a.type.name} value: ${pyQuote(raw)}`) };
      }
    }
    if (a.choices && !a.choices.includes(String(v))) {
      return {
        ok: false,
        r: err(`argument ${actionName(a)}: invalid choice: ${pyQuote(raw)} (choose from ${a.choices.map((c) => `'${c}'`).join(', ')})`),
      };
    }
    return { ok: true, v };
  };
  const store = (a: ArgSpec, raw: string): ParseResult | undefined => {
    const c = convert(a, raw);
    if (!c.ok) return c.r;
    if (a.action === 'append') values[a.dest] = [...((values[a.dest] as unknown[] | null) ?? []), c.v];
    else values[a.dest] = c.v;
    seen.add(a);
    return undefined;
  };
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (!onlyPositionals && s === '--') {
      onlyPositionals = true;
      continue;
    }
    if (!onlyPositionals && looksLikeOption(s, spec)) {
      if (s === '-h' || s === '--help') return { kind: 'help' };
      let flag = s;
      let explicit: string | undefined;
      let action: ArgSpec | undefined;
      if (s.startsWith('--')) {
        const eq = s.indexOf('=');
        if (eq >= 0) {
          flag = s.slice(0, eq);
          explicit = s.slice(eq + 1);
        }
        action = spec.args.find((a) => a.flags.includes(flag));
        if (!action && flag !== '--help') {
          const matches = spec.args.filter((a) => a.flags.some((f) => f.startsWith('--') && f.startsWith(flag)));
          const flagsMatched = matches.flatMap((a) => a.flags.filter((f) => f.startsWith('--') && f.startsWith(flag)));
          if ('--help'.startsWith(flag)) return { kind: 'help' };
          if (flagsMatched.length > 1) return err(`ambiguous option: ${flag} could match ${flagsMatched.join(', ')}`);
          action = matches[0];
        }
      } else {
        action = spec.args.find((a) => a.flags.includes(s));
        if (!action) {
          const eq = s.indexOf('=');
          if (eq > 0 && spec.args.find((a) => a.flags.includes(s.slice(0, eq)))) {
            flag = s.slice(0, eq);
            explicit = s.slice(eq + 1);
            action = spec.args.find((a) => a.flags.includes(flag));
          } else {
            flag = s.slice(0, 2);
            action = spec.args.find((a) => a.flags.includes(flag));
            if (action) explicit = s.slice(2);
          }
        }
      }
      if (!action) {
        extras.push(s);
        continue;
      }
      if (action.action === 'store_true' || action.action === 'store_false') {
        if (explicit !== undefined && !s.startsWith('--') && explicit.length) {
          // combined short flags, e.g. -vy
          values[action.dest] = action.action === 'store_true';
          seen.add(action);
          const rest = `-${explicit}`;
          argv = [...argv.slice(0, i + 1), rest, ...argv.slice(i + 1)];
          continue;
        }
        if (explicit !== undefined) return err(`argument ${actionName(action)}: ignored explicit argument ${pyQuote(explicit)}`);
        values[action.dest] = action.action === 'store_true';
        seen.add(action);
        continue;
      }
      let raw = explicit;
      if (raw === undefined) {
        const next = argv[i + 1];
        if (next === undefined || (looksLikeOption(next, spec) && !isNegativeNumber(next)))
          return err(`argument ${actionName(action)}: expected one argument`);
        raw = next;
        i++;
      }
      const r = store(action, raw);
      if (r) return r;
      continue;
    }
    if (nextPos < positionals.length) {
      const r = store(positionals[nextPos++], s);
      if (r) return r;
    } else extras.push(s);
  }
  const missing = spec.args.filter((a) => (a.flags.length === 0 || a.required) && !seen.has(a));
  if (missing.length) return err(`the following arguments are required: ${missing.map(actionName).join(', ')}`);
  return { kind: 'ok', values, extras };
}

/** A help text in the style of Airflow's rich-argparse formatter (approximate). */
export function formatHelp(spec: CommandSpec): string {
  const usage = spec.args
    .map((a) => {
      if (!a.flags.length) return a.metavar ?? a.dest;
      const flag = a.flags[0];
      const mv =
        a.action === 'store_true' || a.action === 'store_false'
          ? ''
          : ` ${a.metavar ?? (a.choices ? `{${a.choices.join(',')}}` : a.dest.toUpperCase())}`;
      return a.required ? `${flag}${mv}` : `[${flag}${mv}]`;
    })
    .join(' ');
  const pos = spec.args.filter((a) => !a.flags.length);
  const opts = spec.args.filter((a) => a.flags.length);
  const row = (left: string, help: string): string => {
    const l = `  ${left}`;
    return l.length <= 22 ? `${l.padEnd(24)}${help}` : `${l}\n${' '.repeat(24)}${help}`;
  };
  const lines = [`Usage: ${spec.prog} [-h]${usage ? ` ${usage}` : ''}`, '', spec.help, ''];
  if (pos.length) {
    lines.push('Positional Arguments:');
    for (const a of pos) lines.push(row(a.metavar ?? a.dest, a.help ?? ''));
    lines.push('');
  }
  lines.push('Options:');
  lines.push(row('-h, --help', 'show this help message and exit'));
  for (const a of opts) {
    const mv = a.action === 'store_true' || a.action === 'store_false' ? '' : ` ${a.metavar ?? a.dest.toUpperCase()}`;
    lines.push(row(`${a.flags.join(', ')}${mv}`, a.help ?? ''));
  }
  return `${lines.join('\n')}\n`;
}
