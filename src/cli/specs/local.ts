/** `mwaa local …`: the local MWAA emulator (src/local). */
import { UsageError } from '../../core/errors.js';
import { command, type CommandSpec, type Loaded } from '../spec.js';

const seconds = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number of seconds ≥ 0, got "${value}"`);
  return n;
};

const port = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port must be a port number (0–65535), got "${value}"`);
  return n;
};

export const localStartCommand = command({
  path: ['local', 'start'],
  tunesHeap: true,
  summary: 'run the local MWAA emulator (S3, CloudWatch Logs, MWAA, Airflow) as a server',
  description:
    'Serves the emulator on 127.0.0.1 until Ctrl-C, over a state directory that survives restarts. Any AWS SDK, ' +
    'boto3 or the AWS CLI works against it with the printed endpoint URL; `mwaa --local` commands over the same ' +
    'state directory reuse this server. Environments move through real statuses on a simulated clock; the ' +
    'durations below set how fast.',
  options: [
    { flags: '--port <n>', description: 'port to listen on (0: any free port)', default: 4599, parse: port },
    { flags: '--host <address>', description: 'address to listen on', default: '127.0.0.1' },
    {
      flags: '--state-dir <dir>',
      description: 'where the emulator keeps its state (default: .mwaa/local beside mwaa.yaml, else here)',
      complete: 'dirs',
    },
    { flags: '--create-seconds <s>', description: 'CREATING → AVAILABLE (default 3)', parse: seconds('--create-seconds') },
    { flags: '--update-seconds <s>', description: 'UPDATING → AVAILABLE (default 3)', parse: seconds('--update-seconds') },
    { flags: '--delete-seconds <s>', description: 'DELETING → gone (default 2)', parse: seconds('--delete-seconds') },
    { flags: '--task-seconds <s>', description: 'time each simulated task runs (default 1)', parse: seconds('--task-seconds') },
    {
      flags: '--deny-package <name>',
      description: 'a requirement that fails to install (repeatable)',
      parse: (value: string, previous: unknown) => [...((previous as string[] | undefined) ?? []), value],
    },
  ],
  examples: [
    { command: 'mwaa local start', description: 'serve on http://127.0.0.1:4599' },
    { command: 'mwaa local start --port 0 --update-seconds 30', description: 'any free port, slower updates' },
    { command: 'aws --endpoint-url http://127.0.0.1:4599 s3 ls', description: 'the AWS CLI against it' },
  ],
  load: (): Loaded => import('../commands/local/start.js'),
});

export const localCommands: CommandSpec[] = [localStartCommand];
