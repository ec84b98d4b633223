/**
 * Shell completion scripts generated from the command registry (the same declarations that build the
 * parser and the help), so they cannot drift from the commands. Environment keys are completed by
 * asking `mwaa __complete envs`, which reads the nearest mwaa.yaml.
 */
import type { CommandSpec, GroupSpec, OptionSpec } from '../spec.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Model {
  /** "" for the root, "env" for a group, "env create" for a command */
  nodes: Map<string, { subs: Array<{ name: string; summary: string }>; options: OptionSpec[]; argChoices: string[] }>;
  /** flags that take a value (their next word is not a command) */
  valueFlags: string[];
  /** flags whose value has fixed choices, or comes from a source */
  valueCompletions: Array<{ flags: string[]; choices?: readonly string[]; source?: 'envs' | 'files' | 'dirs' }>;
  globals: OptionSpec[];
}

function flagsOf(option: OptionSpec): string[] {
  return option.flags.split(/[ ,]+/).filter((f) => f.startsWith('-'));
}

function takesValue(option: OptionSpec): boolean {
  return /[<[]/.test(option.flags);
}

function buildModel(commands: CommandSpec[], groups: GroupSpec[], globals: OptionSpec[]): Model {
  const visible = commands.filter((c) => !c.hidden);
  const nodes: Model['nodes'] = new Map();
  const node = (key: string) => {
    let n = nodes.get(key);
    if (!n) {
      n = { subs: [], options: [], argChoices: [] };
      nodes.set(key, n);
    }
    return n;
  };
  node('');
  for (const spec of visible) {
    if (spec.path.length === 2) {
      const [noun, verb] = spec.path;
      const root = node('');
      if (!root.subs.some((s) => s.name === noun)) {
        root.subs.push({ name: noun, summary: groups.find((g) => g.name === noun)?.summary ?? noun });
      }
      node(noun).subs.push({ name: verb, summary: spec.summary });
    } else {
      node('').subs.push({ name: spec.path[0], summary: spec.summary });
    }
    const leaf = node(spec.path.join(' '));
    leaf.options.push(...(spec.options ?? []).filter((o) => !o.hidden));
    for (const arg of spec.args ?? []) leaf.argChoices.push(...(arg.choices ?? []));
  }
  const allOptions = [...globals, ...visible.flatMap((c) => c.options ?? [])];
  const valueFlags = [...new Set(allOptions.filter(takesValue).flatMap(flagsOf))];
  const valueCompletions: Model['valueCompletions'] = [];
  for (const option of allOptions.filter(takesValue)) {
    const source = option.complete === 'envs' || option.complete === 'files' || option.complete === 'dirs' ? option.complete : undefined;
    if (option.choices || source) valueCompletions.push({ flags: flagsOf(option), choices: option.choices, source });
  }
  return { nodes, valueFlags, valueCompletions, globals };
}

const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const HEADER = (shell: Shell) =>
  `# ${shell} completion for mwaa. Generated from the command registry by \`mwaa completion ${shell}\`; do not edit.`;

/**
 * Shell code (bash and zsh alike) that walks the words typed before the cursor and leaves the command
 * path in $cmdpath ("", "env", "env create"), skipping options and the values of options that take one.
 */
function commandPathLoop(model: Model, first: number, last: string, word: string): string {
  const steps = [...model.nodes.entries()]
    .filter(([, n]) => n.subs.length > 0)
    .map(
      ([key, n]) => `      ${sq(key)}) case "$w" in ${n.subs.map((s) => s.name).join('|')}) cmdpath="\${cmdpath:+$cmdpath }$w" ;; esac ;;`,
    );
  return `  for ((i=${first}; i<${last}; i++)); do
    w="\${${word}}"
    case "$w" in
      ${model.valueFlags.join('|')}) ((i++)); continue ;;
      -*) continue ;;
    esac
    case "$cmdpath" in
${steps.join('\n')}
    esac
  done`;
}

function bash(model: Model): string {
  const globalFlags = model.globals.flatMap(flagsOf);
  const valueCases = model.valueCompletions
    .map((v) => {
      const action =
        v.source === 'envs'
          ? 'COMPREPLY=( $(compgen -W "$(mwaa __complete envs 2>/dev/null)" -- "$cur") )'
          : v.source === 'files'
            ? 'COMPREPLY=( $(compgen -f -- "$cur") )'
            : v.source === 'dirs'
              ? 'COMPREPLY=( $(compgen -d -- "$cur") )'
              : `COMPREPLY=( $(compgen -W ${sq((v.choices ?? []).join(' '))} -- "$cur") )`;
      return `    ${v.flags.join('|')}) ${action}; return ;;`;
    })
    .join('\n');
  const cases = [...model.nodes.entries()]
    .map(([key, n]) => {
      const opts = [...n.options.flatMap(flagsOf), ...globalFlags, '--help'].join(' ');
      const words = [...n.subs.map((s) => s.name), ...n.argChoices].join(' ');
      return `    ${sq(key)}) subs=${sq(words)}; opts=${sq(opts)} ;;`;
    })
    .join('\n');
  return `${HEADER('bash')}
_mwaa() {
  local cur prev cmdpath="" i w subs="" opts=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
${valueCases}
    ${model.valueFlags.join('|')}) return ;;
  esac
${commandPathLoop(model, 1, 'COMP_CWORD', 'COMP_WORDS[i]')}
  case "$cmdpath" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  fi
}
complete -F _mwaa mwaa
`;
}

function zsh(model: Model): string {
  const zq = (text: string) => sq(text.replace(/:/g, '\\:'));
  const valueCases = model.valueCompletions
    .map((v) => {
      const action =
        v.source === 'envs'
          ? // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh's own ${(f)…} expansion, written out for the completion script
            'compadd -- ${(f)"$(mwaa __complete envs 2>/dev/null)"}'
          : v.source === 'files'
            ? '_files'
            : v.source === 'dirs'
              ? '_files -/'
              : `compadd -- ${(v.choices ?? []).map(sq).join(' ')}`;
      return `    ${v.flags.join('|')}) ${action}; return ;;`;
    })
    .join('\n');
  const cases = [...model.nodes.entries()]
    .map(([key, n]) => {
      const subs = [...n.subs.map((s) => zq(`${s.name}:${s.summary}`)), ...n.argChoices.map((c) => zq(c))].join(' ');
      const opts = [...n.options, ...model.globals]
        .flatMap((o) => flagsOf(o).map((f) => zq(`${f}:${o.description}`)))
        .concat(zq('--help:show help'))
        .join(' ');
      return `    ${sq(key)}) subs=(${subs}); opts=(${opts}) ;;`;
    })
    .join('\n');
  return `#compdef mwaa
${HEADER('zsh')}
_mwaa() {
  local cmdpath="" i w prev
  local -a subs opts
  prev="\${words[CURRENT-1]}"
  case "$prev" in
${valueCases}
    ${model.valueFlags.join('|')}) return ;;
  esac
${commandPathLoop(model, 2, 'CURRENT', 'words[i]')}
  case "$cmdpath" in
${cases}
  esac
  if [[ "$PREFIX" == -* ]]; then
    _describe -t options 'option' opts
  else
    _describe -t commands 'command' subs
  fi
}
compdef _mwaa mwaa
`;
}

function fish(model: Model): string {
  const lines = [HEADER('fish'), 'complete -c mwaa -f'];
  const rootSubs = model.nodes.get('')!.subs.map((s) => s.name);
  for (const sub of model.nodes.get('')!.subs) {
    lines.push(
      `complete -c mwaa -n ${sq(`not __fish_seen_subcommand_from ${rootSubs.join(' ')}`)} -a ${sq(sub.name)} -d ${sq(sub.summary)}`,
    );
  }
  for (const [key, n] of model.nodes) {
    if (key === '') continue;
    const parts = key.split(' ');
    const cond = parts.map((p) => `__fish_seen_subcommand_from ${p}`).join('; and ');
    if (n.subs.length > 0) {
      const names = n.subs.map((s) => s.name).join(' ');
      for (const sub of n.subs) {
        lines.push(
          `complete -c mwaa -n ${sq(`${cond}; and not __fish_seen_subcommand_from ${names}`)} -a ${sq(sub.name)} -d ${sq(sub.summary)}`,
        );
      }
    }
    for (const choice of n.argChoices) lines.push(`complete -c mwaa -n ${sq(cond)} -a ${sq(choice)}`);
    for (const option of n.options) lines.push(fishOption(option, cond, model));
  }
  for (const option of model.globals) lines.push(fishOption(option, undefined, model));
  return `${lines.join('\n')}\n`;
}

function fishOption(option: OptionSpec, cond: string | undefined, model: Model): string {
  const parts = ['complete -c mwaa'];
  if (cond) parts.push(`-n ${sq(cond)}`);
  for (const flag of flagsOf(option)) parts.push(flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`);
  if (takesValue(option)) {
    const vc = model.valueCompletions.find((v) => v.flags.includes(flagsOf(option)[0]));
    if (vc?.source === 'envs') parts.push(`-x -a ${sq('(mwaa __complete envs 2>/dev/null)')}`);
    else if (vc?.source === 'files' || vc?.source === 'dirs') parts.push('-r -F');
    else if (vc?.choices) parts.push(`-x -a ${sq(vc.choices.join(' '))}`);
    else parts.push('-x');
  }
  parts.push(`-d ${sq(option.description)}`);
  return parts.join(' ');
}

export function completionScript(shell: Shell, commands: CommandSpec[], groups: GroupSpec[], globals: OptionSpec[]): string {
  const model = buildModel(commands, groups, globals);
  return shell === 'bash' ? bash(model) : shell === 'zsh' ? zsh(model) : fish(model);
}
