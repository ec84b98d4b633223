/** `mwaa env …`: environments as code (the `environment:` block of mwaa.yaml is the desired state). */
import { parseDuration } from '../../core/duration.js';
import { command, option, type CommandSpec, type Loaded } from '../spec.js';

const timeout = option({
  flags: '--timeout <duration>',
  description: 'stop waiting after this long (e.g. 90m, 2h); the environment keeps going',
  default: 2 * 60 * 60 * 1000,
  defaultLabel: '2h',
  parse: (value) => parseDuration(value, '--timeout'),
});
const poll = option({
  flags: '--poll <duration>',
  description: 'time between status reads (default: 15s on AWS, 250ms on the local emulator)',
  parse: (value) => parseDuration(value, '--poll'),
  hidden: true,
});
const noWait = option({ flags: '--no-wait', description: 'return once MWAA accepted the request; follow it with `mwaa env wait`' });

const WAITING =
  'While it waits, a terminal shows a live view (status, elapsed time, the status timeline and the Airflow UI address); ' +
  'otherwise one line per status change goes to stderr, NDJSON events with --json. Ctrl-C before the request is sent ' +
  'changes nothing; after it, Ctrl-C stops waiting (the environment keeps going) and `mwaa env wait` resumes.';

/** The exit codes of an environment command, each true for that command. */
function exitCodes(...codes: string[]): string {
  return ` Exit codes: ${[...codes, '4 AWS credentials or permissions', '130 interrupted'].join('; ')}.`;
}
const FAILED_STATES = "CREATE_FAILED, UPDATE_FAILED or UNAVAILABLE (with MWAA's error code and message)";

export const envCreateCommand = command({
  path: ['env', 'create'],
  summary: 'create the environment described in mwaa.yaml',
  description:
    'Validates the `environment:` block (every MWAA rule, before any call), checks the source bucket (exists, same ' +
    'region, versioning enabled, public access blocked; each problem with its fix), refuses an environment that ' +
    'already exists, then calls CreateEnvironment and waits until it is AVAILABLE. On the local emulator, a missing ' +
    'bucket is created and the execution role and network get dummy values. ' +
    WAITING +
    exitCodes(
      '0 AVAILABLE (with --no-wait: the request was accepted)',
      "1 CREATE_FAILED or UNAVAILABLE (with MWAA's error code and message), a source bucket MWAA cannot use, or the timeout",
      '2 invalid mwaa.yaml, or the environment already exists (nothing was changed)',
    ),
  options: [noWait, timeout, poll],
  examples: [
    { command: 'mwaa env create', description: 'create the only environment of mwaa.yaml and wait' },
    { command: 'mwaa -e dev env create --no-wait', description: 'start creating "dev" and return' },
    { command: 'mwaa -e dev env create --json', description: 'a JSON result on stdout, NDJSON progress on stderr' },
  ],
  load: (): Loaded => import('../commands/env/create.js'),
});

export const envUpdateCommand = command({
  path: ['env', 'update'],
  summary: 'show the plan, confirm, apply only the changed fields, wait',
  description:
    'Compares mwaa.yaml with the live environment, shows the plan (+ added, ~ changed, - removed), asks for ' +
    'confirmation (--yes skips it; without a terminal and without --yes it fails with exit 2 and changes nothing), then ' +
    'calls UpdateEnvironment with only the changed fields (tags through TagResource/UntagResource) and waits until the ' +
    'environment is AVAILABLE with LastUpdate SUCCESS. Subnets, kmsKey and endpointManagement cannot change after ' +
    'creation: such a difference is refused before any call. Plugin/requirements/startup script versions are kept ' +
    '(`mwaa dags push` owns them). ' +
    WAITING +
    exitCodes(
      '0 AVAILABLE with the update applied (with --no-wait: the request was accepted)',
      `1 ${FAILED_STATES}, an environment busy with another operation, or the timeout`,
      '2 invalid mwaa.yaml, a change MWAA cannot apply, or the confirmation declined (nothing was changed)',
      '3 the environment does not exist',
    ),
  options: [noWait, timeout, poll],
  examples: [
    { command: 'mwaa -e dev env update', description: 'plan, confirm, apply, wait' },
    { command: 'mwaa -e dev env update --yes', description: 'in CI: apply without a prompt' },
  ],
  load: (): Loaded => import('../commands/env/update.js'),
});

export const envDiffCommand = command({
  path: ['env', 'diff'],
  summary: 'the plan only: mwaa.yaml vs the live environment',
  description:
    'Field-level differences between the `environment:` block and the live environment: added, changed, removed, and ' +
    'differences MWAA cannot apply (marked !). Only fields mwaa.yaml sets are compared. Prints "No changes" when they ' +
    'are equal; for an environment that does not exist, what `mwaa env create` would send. Changes nothing; exit 0.',
  examples: [
    { command: 'mwaa -e dev env diff', description: 'show the plan' },
    { command: 'mwaa -e dev env diff --json | jq .changes', description: 'the differences as JSON' },
  ],
  load: (): Loaded => import('../commands/env/diff.js'),
});

export const envListCommand = command({
  path: ['env', 'list'],
  summary: 'all environments in the region, with their status',
  description:
    'Lists every MWAA environment of the region (from mwaa.yaml, --region or AWS_REGION) with status, Airflow version and class.',
  examples: [
    { command: 'mwaa env list', description: 'a table' },
    { command: 'mwaa env list --region eu-west-1 --json', description: 'JSON, in another region' },
  ],
  load: (): Loaded => import('../commands/env/list.js'),
});

export const envShowCommand = command({
  path: ['env', 'show'],
  summary: 'status, versions, workers, pinned artifacts, URL, log groups, last update',
  description:
    'Shows the environment: status, Airflow version, class, workers, web servers, schedulers, the pinned plugins / ' +
    'requirements / startup script versions, the Airflow UI address, the log groups and the last update (status, time, ' +
    'error). Exit 3 when it does not exist.',
  examples: [
    { command: 'mwaa -e dev env show', description: 'as text' },
    { command: 'mwaa -e dev env show --json | jq .lastUpdate', description: 'the last update as JSON' },
  ],
  load: (): Loaded => import('../commands/env/show.js'),
});

export const envWaitCommand = command({
  path: ['env', 'wait'],
  summary: 'wait until the environment is AVAILABLE (or deleted)',
  description:
    'Waits for an environment in progress (creating, updating, rolling back, deleting) to reach a final state: by default ' +
    'AVAILABLE, or deleted when it is DELETING. Use it after --no-wait, after Ctrl-C, or in CI. With --until deleted, ' +
    'an environment that is gone counts as deleted, and one that is not being deleted fails at once. ' +
    WAITING +
    exitCodes(
      '0 AVAILABLE (or deleted)',
      `1 ${FAILED_STATES}, not being deleted (--until deleted), deleted while waiting for AVAILABLE, or the timeout`,
      '3 the environment does not exist (without --until deleted)',
    ),
  options: [
    {
      flags: '--until <state>',
      description: 'what to wait for (default: deleted when DELETING, else available)',
      choices: ['available', 'deleted'],
    },
    timeout,
    poll,
  ],
  examples: [
    { command: 'mwaa -e dev env wait', description: 'wait until AVAILABLE' },
    { command: 'mwaa -e dev env wait --timeout 45m', description: 'give up after 45 minutes (exit 1)' },
  ],
  load: (): Loaded => import('../commands/env/wait.js'),
});

export const envDeleteCommand = command({
  path: ['env', 'delete'],
  summary: 'delete the environment (type its name to confirm), then wait',
  description:
    'Deletes the environment after you type its name (--yes skips it; without a terminal and without --yes it fails ' +
    'with exit 2), then waits until it is gone. The source bucket and its objects are kept. ' +
    WAITING.replace('`mwaa env wait`', '`mwaa env wait --until deleted`') +
    exitCodes(
      '0 deleted (with --no-wait: the request was accepted)',
      '1 an environment busy with another operation, or the timeout',
      '2 the confirmation declined or impossible (nothing was changed)',
      '3 the environment does not exist',
    ),
  options: [noWait, timeout, poll],
  examples: [
    { command: 'mwaa -e dev env delete', description: 'confirm by typing the name, then wait' },
    { command: 'mwaa -e dev env delete --yes --no-wait', description: 'no prompt, do not wait' },
  ],
  load: (): Loaded => import('../commands/env/delete.js'),
});

export const envCommands: CommandSpec[] = [
  envCreateCommand,
  envUpdateCommand,
  envDiffCommand,
  envListCommand,
  envShowCommand,
  envWaitCommand,
  envDeleteCommand,
];
