/** `mwaa dags push | diff`, `mwaa releases list | show`, `mwaa rollback`, `mwaa recover`: version-synced deploys (docs/deploy.md). */
import { parseDuration } from '../../core/duration.js';
import { UsageError } from '../../core/errors.js';
import { command, option, type CommandSpec, type Loaded } from '../spec.js';

const parseConcurrency = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 256 (got "${value}")`);
  }
  return n;
};

const parseLimit = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--limit must be a whole number of at least 1 (got "${value}")`);
  return n;
};

const TWO_HOURS_MS = 2 * 60 * 60 * 1000;

const message = option({ flags: '-m, --message <text>', description: 'a note recorded with the release (shown by `mwaa releases list`)' });
const dryRun = option({ flags: '--dry-run', description: 'print the plan and change nothing' });
const noWait = option({
  flags: '--no-wait',
  description:
    'do not wait for the environment update (plugins/requirements/startup script) to finish, nor check it; a failed update is then not rolled back',
});
const forceUnlock = option({
  flags: '--force-unlock',
  description: 'take the deploy lock even if another deploy holds it (only when that deploy is no longer running)',
});
const concurrency = option({ flags: '--concurrency <n>', description: 'parallel S3 uploads', default: 16, parse: parseConcurrency });
const timeout = option({
  flags: '--timeout <duration>',
  description: 'stop waiting for the environment update after this long; the deploy is then rolled back',
  default: TWO_HOURS_MS,
  defaultLabel: '2h',
  parse: (value) => parseDuration(value, '--timeout'),
});
const poll = option({
  flags: '--poll <duration>',
  description: 'time between status reads while waiting (default: 15s on AWS, 250ms on the emulator)',
  parse: (value) => parseDuration(value, '--poll'),
  hidden: true,
});

// the check before a push and the verify after it (docs/check.md)
const checkOption = option({
  flags: '--check <mode>',
  description:
    'the check run before anything changes, when there is something to deploy (errors refuse the push, exit 2): quick (default: Python syntax, requirements, plugins, startup script) or full (also the DagBag load and the constraints download, as `mwaa check`)',
  choices: ['quick', 'full'],
});
const noCheck = option({ flags: '--no-check', description: 'skip the check' });
const python = option({ flags: '--python <path>', description: 'the Python the check uses (default: python3 on PATH)', complete: 'files' });
const verify = option({
  flags: '--verify',
  description:
    'after the DAG files are live, wait for the environment to parse them and read its import errors; a release that added import errors is rolled back (exit 5)',
});
const verifyWait = option({
  flags: '--verify-wait <duration>',
  description: "how long --verify waits for MWAA's sync before reading the import errors (default: 30s; 0 on the emulator)",
  parse: (value: string) => parseDuration(value, '--verify-wait'),
});

const FAILURE =
  'On any failure (an S3 call that fails after retries, UpdateEnvironment rejected, the update ending UPDATE_FAILED, ' +
  'pip errors in the requirements_install logs, Ctrl-C) every object touched goes back to its previous version and the ' +
  'environment is re-pinned to its previous plugins/requirements/startup script versions: exit 5. If that rollback ' +
  'cannot finish, exit 6 with what is left; `mwaa recover` finishes it.';

export const dagsPushCommand = command({
  path: ['dags', 'push'],
  tunesHeap: true,
  summary: 'deploy DAGs, plugins, requirements and the startup script as one release',
  description:
    "Makes the bucket (and the environment's pinned versions) match the project: hashes the local files (sha256; " +
    'mtimes are ignored, so a fresh clone uploads nothing), compares them with the last release and the bucket, shows the ' +
    'plan, takes the deploy lock, uploads changed artifacts and updates the environment (waiting until it is AVAILABLE ' +
    'and checking pip), uploads changed DAG files, deletes removed ones, and records the release. Objects changed outside ' +
    'mwaa are shown as drift and overwritten only after confirmation (--yes). Files matching __pycache__, *.pyc, .git, ' +
    '.DS_Store and .mwaaignore (gitignore syntax) are left out. Once the plan has something to deploy, and before any ' +
    'question or change, the project is checked (as `mwaa check`, without the DagBag load unless --check=full): errors ' +
    'refuse the push with exit 2 and nothing changed; a push with nothing to deploy runs no check. ' +
    FAILURE,
  options: [
    message,
    dryRun,
    { flags: '--no-prune', description: 'keep remote DAG files that are not in the project' },
    noWait,
    forceUnlock,
    concurrency,
    timeout,
    poll,
    checkOption,
    noCheck,
    python,
    verify,
    verifyWait,
  ],
  examples: [
    { command: 'mwaa dags push -m "new etl dag"', description: 'deploy the project, with a note' },
    { command: 'mwaa dags push --verify', description: 'deploy, then roll back if the environment reports new import errors' },
    { command: 'mwaa dags push --check=full --python .venv/bin/python', description: 'check with a DagBag load in a virtualenv first' },
    { command: 'mwaa -e prod dags push --yes --json', description: 'in CI: no prompts, the release record as JSON on stdout' },
    { command: 'mwaa dags push --dry-run', description: 'the plan only (same as `mwaa dags diff`)' },
  ],
  load: (): Loaded => import('../commands/dags/push.js'),
});

export const dagsDiffCommand = command({
  path: ['dags', 'diff'],
  tunesHeap: true,
  summary: 'the deploy plan: what `dags push` would change',
  description:
    'Prints + added, ~ changed, - removed DAG files, drift (objects changed outside mwaa), and whether an environment ' +
    'update is needed and why (plugins.zip, requirements.txt or the startup script changed). Changes nothing. ' +
    'Exit 0 whether or not there are changes.',
  options: [{ flags: '--no-prune', description: 'plan as `dags push --no-prune` would' }],
  examples: [
    { command: 'mwaa dags diff', description: 'what would be deployed' },
    { command: 'mwaa dags diff --json', description: 'the plan as JSON' },
  ],
  load: (): Loaded => import('../commands/dags/diff.js'),
});

export const releasesListCommand = command({
  path: ['releases', 'list'],
  summary: 'deploy history: id, time, status, message, git commit, counts',
  description:
    'Lists the releases of the environment, newest first, from the release records in the bucket (`.mwaa/releases/`). ' +
    'The records outlive the environment: after `mwaa env delete`, the history is read from the bucket mwaa.yaml names, ' +
    'with a warning that the environment does not exist.',
  options: [{ flags: '-n, --limit <n>', description: 'show at most this many', default: 20, parse: parseLimit }],
  examples: [
    { command: 'mwaa releases list', description: 'the last 20 releases' },
    { command: 'mwaa releases list --json', description: 'as JSON' },
  ],
  load: (): Loaded => import('../commands/releases/list.js'),
});

export const releasesShowCommand = command({
  path: ['releases', 'show'],
  tunesHeap: true,
  summary: 'one release: every key with version and sha256, artifacts, durations',
  args: [{ name: 'release', description: 'release id (or a unique prefix, `current`, `previous`)', required: true }],
  examples: [
    { command: 'mwaa releases show current', description: 'the release the environment runs' },
    { command: 'mwaa releases show 20260301-120501', description: 'by id prefix' },
  ],
  load: (): Loaded => import('../commands/releases/show.js'),
});

export const rollbackCommand = command({
  path: ['rollback'],
  tunesHeap: true,
  summary: 'back to an earlier release (`previous`, or an id)',
  description:
    'Restores the DAG files and plugins/requirements/startup script versions of an earlier release by copying its ' +
    'object versions forward (history is kept) and re-pinning its artifact versions, as a new release. Shows the plan ' +
    'and asks for confirmation (--yes skips it; without a terminal and without --yes it fails with exit 2). Going back ' +
    'is always an explicit act: without a release argument it goes back one release only after a person confirms; with ' +
    '--yes, or without a terminal, name the release (`previous` or an id), or it refuses with exit 2 and changes nothing. ' +
    'When a release did not finish (a crash, or a rollback that failed: exit 6), `mwaa rollback` first finishes rolling it ' +
    'back from its journal (as `mwaa recover` does); without a release id that is all it does. ' +
    FAILURE,
  args: [
    {
      name: 'release',
      description: 'release id (or a unique prefix), or `previous`; without it, a person is asked to confirm the one before current',
    },
  ],
  options: [message, dryRun, noWait, forceUnlock, concurrency, timeout, poll],
  examples: [
    { command: 'mwaa rollback previous --yes', description: 'back to the release before the current one, without a prompt' },
    { command: 'mwaa rollback 20260301-120501-3fa9 --yes', description: 'to a given release, without a prompt' },
    { command: 'mwaa rollback', description: 'shows the release before the current one and asks' },
    { command: 'mwaa rollback previous --dry-run', description: 'the plan only' },
  ],
  load: (): Loaded => import('../commands/rollback.js'),
});

export const recoverCommand = command({
  path: ['recover'],
  tunesHeap: true,
  summary: 'finish what an interrupted deploy left (changes nothing when nothing is unfinished)',
  description:
    'After a deploy was killed, lost its machine, or ended with exit 6: rolls back every unfinished release from its ' +
    "journal in the bucket, so the DAG files and the environment's pinned versions are exactly as before that release. " +
    'When nothing is unfinished it changes nothing and says which release is current: safe to run any number of times. ' +
    'It never goes back a release (that is `mwaa rollback previous`). Asks before changing anything (--yes skips it). ' +
    'Exit codes: 0 recovered, or nothing to recover; 1 the deploy lock is held by a running deploy, or an AWS error; 2 no ' +
    'terminal to confirm and no --yes; 3 the environment or a release record does not exist; 4 AWS credentials or ' +
    'permissions; 6 the rollback of an unfinished release did not complete (run it again once the cause is fixed); 130 ' +
    'interrupted before any change.',
  options: [dryRun, forceUnlock, timeout, poll],
  examples: [
    { command: 'mwaa recover --yes', description: 'after a crash or exit 6; with nothing unfinished it changes nothing' },
    { command: 'mwaa recover --dry-run', description: 'what is unfinished, changing nothing' },
  ],
  load: (): Loaded => import('../commands/recover.js'),
});

export const dagsCommands: CommandSpec[] = [
  dagsPushCommand,
  dagsDiffCommand,
  releasesListCommand,
  releasesShowCommand,
  rollbackCommand,
  recoverCommand,
];
