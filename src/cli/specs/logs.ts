/** Command declarations for this area; each entry is registered only once its command works. */
import { UsageError } from '../../core/errors.js';
import { command, type CommandSpec, type Loaded } from '../spec.js';

const COMPONENTS = ['task', 'scheduler', 'worker', 'webserver', 'dag-processing', 'requirements', 'startup'] as const;

function integer(name: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
      throw new UsageError(`invalid ${name} "${value}": expected a whole number from ${min}`);
    }
    return Number(value);
  };
}

export const logsCommand = command({
  path: ['logs'],
  tunesHeap: true,
  summary: 'task and component logs, addressed by DAG / run / task, followed live',
  description:
    'Prints CloudWatch log events of the environment, one line per event: time, where it comes from in short ' +
    'form (task#try, or component@host) and the message. Task logs are found by DAG, run, task and try ' +
    '(the stream names of MWAA); --run latest is the newest run Airflow lists (or, when the web server ' +
    'cannot be asked, the newest run with logs). Components: the scheduler, ' +
    'worker, webserver and dag-processing log groups, and the requirements install and startup script ' +
    'logs of every component. Without --since, a run is shown from its start, requirements and startup ' +
    'logs entirely, anything else from 10 minutes ago. Airflow 3 JSON events are rendered as text; --json ' +
    'prints every event as one NDJSON record (raw message, plus the parsed object of a JSON event). ' +
    '--follow keeps polling for new events (including new streams, e.g. a task that starts later) until ' +
    'Ctrl-C (exit 0). Exit codes: 2 invalid options; 3 when the DAG, run, task or log group does not exist or the ' +
    "component's logging is disabled (the message lists what exists), also for --follow of a run the environment's " +
    'Airflow does not have; 4 when access is denied; 130 interrupted (without --follow).',
  args: [{ name: 'dag', description: 'DAG id (task logs of that DAG)' }],
  options: [
    { flags: '--run <run_id>', description: 'a run id, or "latest" (the newest run of the DAG)' },
    { flags: '--task <task_id>', description: 'one task of the run (needs --run)' },
    { flags: '--try <n>', description: 'one try of the task (default: every try)', parse: integer('try', 1) },
    { flags: '--map-index <i>', description: 'one instance of a mapped task', parse: integer('map index', 0) },
    { flags: '--component <name>', description: 'which logs (default: task)', choices: COMPONENTS },
    { flags: '--since <time>', description: 'from a duration ago (15m, 2h) or an ISO time (default: see above)' },
    { flags: '--until <time>', description: 'up to a duration ago or an ISO time' },
    { flags: '--filter <pattern>', description: 'CloudWatch Logs filter pattern, e.g. ERROR or "\\"Task failed\\""' },
    { flags: '--limit <n>', description: 'stop after this many events', parse: integer('limit', 1) },
    { flags: '-f, --follow', description: 'keep printing new events until Ctrl-C' },
    { flags: '--interval <duration>', description: 'time between polls with --follow (default 2s)' },
    { flags: '--utc', description: 'times in UTC (ISO 8601) instead of local time' },
  ],
  examples: [
    { command: 'mwaa logs etl --run latest', description: 'every task of the newest run of DAG etl' },
    { command: 'mwaa logs etl --run latest --task load --try 2', description: 'the second try of one task' },
    { command: 'mwaa logs etl --run manual__2026-01-31T08:00:00+00:00 --follow', description: 'follow a run as it goes' },
    { command: 'mwaa logs etl --since 2h --filter ERROR', description: 'errors of every run of etl in the last two hours' },
    { command: 'mwaa logs --component requirements', description: 'why requirements.txt failed to install' },
    { command: 'mwaa logs --component scheduler --follow', description: 'follow the scheduler' },
    { command: 'mwaa logs etl --run latest --json | jq -r .message', description: 'raw events as NDJSON' },
  ],
  load: (): Loaded => import('../commands/logs.js'),
});

export const logsCommands: CommandSpec[] = [logsCommand];
