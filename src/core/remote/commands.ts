/**
 * The Airflow CLI commands MWAA's `/aws_mwaa/cli` endpoint runs, per Airflow version
 * (from the MWAA user guide's command reference). Anything not listed is
 * refused locally, before a token is minted, with the supported alternatives: MWAA itself answers
 * HTTP 500 for commands outside its allow-list, which tells the user nothing.
 */

export interface AirflowVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

export function parseAirflowVersion(text: string | undefined): AirflowVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? '');
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text: text! };
}

/** Airflow 3 (listed for MWAA 3.0.6, 3.2.1, 3.3.1). */
const V3 = [
  'assets details',
  'assets list',
  'assets materialize',
  'backfill create',
  'cheat-sheet',
  'connections add',
  'connections delete',
  'dags delete',
  'dags list',
  'dags list-jobs',
  'dags list-import-errors',
  'dags list-runs',
  'dags next-execution',
  'dags pause',
  'dags report',
  'dags reserialize',
  'dags show',
  'dags state',
  'dags test',
  'dags trigger',
  'dags unpause',
  'db clean',
  'providers behaviours',
  'providers get',
  'providers hooks',
  'providers links',
  'providers list',
  'providers notifications',
  'providers secrets',
  'providers triggerer',
  'providers widgets',
  'roles add-perms',
  'roles del-perms',
  'roles create',
  'roles list',
  'tasks clear',
  'tasks failed-deps',
  'tasks list',
  'tasks render',
  'tasks state',
  'tasks states-for-dag-run',
  'tasks test',
  'variables delete',
  'variables get',
  'variables set',
  'variables list',
  'version',
] as const;

/** Airflow 2, with the minimum minor version MWAA lists for each. */
const V2: Record<string, number> = {
  'cheat-sheet': 0,
  'connections add': 0,
  'connections delete': 0,
  'dags backfill': 2,
  'dags delete': 0,
  'dags list': 2,
  'dags list-jobs': 0,
  'dags list-import-errors': 6,
  'dags list-runs': 2,
  'dags next-execution': 2,
  'dags pause': 0,
  'dags report': 0,
  'dags reserialize': 4,
  'dags show': 0,
  'dags state': 0,
  'dags test': 0,
  'dags trigger': 0,
  'dags unpause': 0,
  'db clean': 4,
  'providers behaviours': 0,
  'providers get': 0,
  'providers hooks': 0,
  'providers links': 0,
  'providers list': 0,
  'providers widgets': 0,
  'providers notifications': 8,
  'providers secrets': 6,
  'providers triggerer': 7,
  'roles add-perms': 6,
  'roles del-perms': 6,
  'roles create': 6,
  'roles list': 0,
  'tasks clear': 0,
  'tasks failed-deps': 0,
  'tasks list': 0,
  'tasks render': 0,
  'tasks run': 0,
  'tasks state': 0,
  'tasks states-for-dag-run': 0,
  'tasks test': 0,
  'variables delete': 0,
  'variables get': 0,
  'variables set': 0,
  'variables list': 0,
  version: 0,
};

/** Commands that are one word. */
const SINGLE = new Set(['version', 'cheat-sheet']);

/** Flags MWAA documents as unsupported: they write files on the web server that nobody can fetch. */
const UNSUPPORTED_FLAGS: Array<{ command: string; flags: string[]; why: string }> = [
  { command: 'dags show', flags: ['--save', '-s'], why: 'it writes an image file on the web server' },
  { command: 'dags test', flags: ['--save-dagrun'], why: 'it writes a file on the web server' },
  { command: 'dags test', flags: ['--show-dagrun'], why: 'it needs a display on the web server' },
];

/** Specific advice for well-known commands that MWAA does not run. */
const ADVICE: Array<{ re: RegExp; advice: (v: AirflowVersion) => string }> = [
  { re: /^dags backfill$/, advice: (v) => (v.major >= 3 ? 'Airflow 3 replaced it with `backfill create`' : '') },
  { re: /^backfill create$/, advice: (v) => (v.major < 3 ? 'on Airflow 2 use `dags backfill`' : '') },
  { re: /^tasks run$/, advice: () => 'Airflow 3 has no `tasks run`; use `tasks test` to run one task, or `dags trigger`' },
  { re: /^assets /, advice: () => 'assets exist from Airflow 3 on' },
  { re: /^pools /, advice: () => 'manage pools in the Airflow UI (`mwaa open`)' },
  { re: /^users /, advice: () => 'manage users in the Airflow UI (`mwaa open`); MWAA maps IAM identities to Airflow roles' },
  {
    re: /^connections (list|get|export|import|test)$/,
    advice: () => 'only `connections add` and `connections delete` run on MWAA; list connections in the Airflow UI (`mwaa open`)',
  },
  { re: /^variables (import|export)$/, advice: () => 'use `variables set` per variable, or a secrets backend' },
  {
    re: /^(db (?!clean)\S+|scheduler|webserver|worker|triggerer|celery \S+|kerberos|flower|shell|sync-perm|rotate-fernet-key|standalone|api-server|dag-processor|config \S+|info|plugins|jobs \S+)$/,
    advice: () => 'MWAA manages that part of Airflow itself',
  },
];

/** Airflow 1.x names still typed from old tutorials. */
const LEGACY: Record<string, string> = {
  trigger_dag: 'dags trigger',
  list_dags: 'dags list',
  list_dag_runs: 'dags list-runs',
  pause: 'dags pause',
  unpause: 'dags unpause',
  dag_state: 'dags state',
  task_state: 'tasks state',
  list_tasks: 'tasks list',
  clear: 'tasks clear',
  test: 'tasks test',
  render: 'tasks render',
  next_execution: 'dags next-execution',
  delete_dag: 'dags delete',
  run: 'tasks run',
};

/** Whether a command changes nothing, so that it can be retried after an ambiguous network failure. */
const READ_ONLY =
  /^(version|cheat-sheet|dags (list|list-jobs|list-import-errors|list-runs|next-execution|report|show|state)|tasks (failed-deps|list|render|state|states-for-dag-run)|variables (get|list)|providers \S+|roles list|assets (details|list))$/;

/** The commands supported on this version, sorted. */
export function supportedCommands(version: AirflowVersion | undefined): string[] {
  if (version && version.major >= 3) return [...V3].sort();
  const minor = version?.minor ?? Number.POSITIVE_INFINITY;
  return Object.entries(V2)
    .filter(([, min]) => (version ? version.major === 2 && min <= minor : true))
    .map(([c]) => c)
    .sort();
}

export type CommandCheck =
  | { ok: true; command: string; readOnly: boolean }
  | { ok: false; command: string; reason: string; alternatives: string[]; advice?: string };

/** The command words of an argv: `dags list-runs`, `version`, or `dags` alone. */
export function commandWords(args: readonly string[]): string {
  const [first, second] = args;
  if (first === undefined) return '';
  if (SINGLE.has(first) || LEGACY[first] !== undefined) return first;
  if (second === undefined || second.startsWith('-')) return first;
  return `${first} ${second}`;
}

export function checkCommand(args: readonly string[], version: AirflowVersion | undefined): CommandCheck {
  const command = commandWords(args);
  const on = version ? `Airflow ${version.text}` : 'this Airflow version';
  const supported = supportedCommands(version);
  if (command === '' || args[0].startsWith('-')) {
    return { ok: false, command, reason: 'no Airflow command given', alternatives: supported };
  }
  if (LEGACY[command] !== undefined && !supported.includes(command)) {
    return {
      ok: false,
      command,
      reason: `\`${command}\` is an Airflow 1 command that Airflow 2 and 3 removed`,
      alternatives: [LEGACY[command]].filter((c) => supported.includes(c)),
    };
  }
  if (supported.includes(command)) {
    for (const rule of UNSUPPORTED_FLAGS) {
      if (rule.command !== command) continue;
      const flag = args.slice(2).find((a) => rule.flags.includes(a) || rule.flags.some((f) => f.startsWith('--') && a.startsWith(`${f}=`)));
      if (flag) {
        return { ok: false, command, reason: `\`${command} ${flag}\` is not supported on MWAA: ${rule.why}`, alternatives: [command] };
      }
    }
    return { ok: true, command, readOnly: READ_ONLY.test(command) };
  }
  const [group] = command.split(' ');
  const sameGroup = supported.filter((c) => c.split(' ')[0] === group);
  const advice = ADVICE.find((a) => a.re.test(command))?.advice(version ?? { major: 2, minor: 0, patch: 0, text: '' }) || undefined;
  if (!command.includes(' ') && sameGroup.length > 0) {
    return { ok: false, command, reason: `\`${command}\` needs a subcommand`, alternatives: sameGroup };
  }
  // a command that exists on another minor of Airflow 2
  if (version && version.major === 2 && V2[command] !== undefined) {
    return {
      ok: false,
      command,
      reason: `\`${command}\` runs on MWAA from Airflow 2.${V2[command]} on; this environment runs ${on}`,
      alternatives: sameGroup,
      advice,
    };
  }
  const close = supported.filter((c) => distance(c, command) <= 2);
  return {
    ok: false,
    command,
    reason: `\`${command}\` is not a command MWAA's remote Airflow CLI runs on ${on}`,
    alternatives: [...new Set([...close, ...sameGroup])],
    advice,
  };
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The supported commands as lines grouped by their first word ("dags: delete, list, …"). */
export function formatCommandList(commands: readonly string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const c of commands) {
    const [g, sub] = c.split(' ');
    const list = groups.get(sub === undefined ? '' : g) ?? [];
    list.push(sub ?? g);
    groups.set(sub === undefined ? '' : g, list);
  }
  const out: string[] = [];
  for (const [g, subs] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(g === '' ? subs.join(', ') : `${g} ${subs.join(' | ')}`);
  }
  return out;
}
