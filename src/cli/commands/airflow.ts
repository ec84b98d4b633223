/**
 * `mwaa airflow <airflow args…>`: any supported Airflow CLI command, run on the environment's web
 * server. The arguments arrive verbatim (main() hands over everything after `airflow`). The command is
 * checked against MWAA's supported list for the environment's Airflow version before a token is
 * minted; the remote stdout and stderr are printed as they are; the exit code follows the failure
 * rules of src/core/remote/failure.ts.
 */
import { UsageError } from '../../core/errors.js';
import { remoteFailureError } from '../../core/remote/airflow.js';
import { checkCommand, formatCommandList, parseAirflowVersion, supportedCommands, type CommandCheck } from '../../core/remote/commands.js';
import { detectFailure } from '../../core/remote/failure.js';
import { openSession, requireRunning } from '../../core/remote/session.js';
import type { Context } from '../context.js';
import { requireEnvironment } from '../../core/ports/mwaa.js';
import type { Handler } from '../spec.js';
import type { airflowCommand } from '../specs/remote.js';

const HELP_WORDS = new Set(['-h', '--help', 'help']);

function helpText(): string {
  const v2 = parseAirflowVersion('2.11.0');
  const v3 = parseAirflowVersion('3.3.1');
  return [
    'Usage: mwaa [global options] airflow <airflow command> [arguments]',
    '',
    "Runs an Airflow CLI command on the environment's web server through an MWAA CLI token and prints its",
    'stdout and stderr as they are. Everything after `airflow` goes to Airflow verbatim.',
    '',
    'Exit code: 0 when the command succeeded; 2 when Airflow rejected its arguments; 3 when a DAG, run, task',
    'or variable does not exist; 1 for any other failure (a Python traceback or a known error message on its',
    'stderr). MWAA returns no exit code, so a command that fails silently looks like a success.',
    '',
    'Commands MWAA runs on Airflow 2 (some need a later 2.x minor):',
    ...formatCommandList(supportedCommands(v2)).map((l) => `  ${l}`),
    '',
    'Commands MWAA runs on Airflow 3:',
    ...formatCommandList(supportedCommands(v3)).map((l) => `  ${l}`),
    '',
    'Examples:',
    '  $ mwaa airflow dags list-runs -d etl -o json      Airflow 2 (Airflow 3: dags list-runs etl)',
    '  $ mwaa airflow variables set env prod',
    '  $ mwaa airflow tasks states-for-dag-run etl <run-id>',
    "  $ mwaa airflow dags trigger etl --help             Airflow's own help for a command",
  ].join('\n');
}

function refusal(check: Extract<CommandCheck, { ok: false }>, argv: string[], version: string | undefined): UsageError {
  const lines = [check.reason];
  if (check.advice) lines.push(check.advice);
  const alternatives = check.alternatives.slice(0, 12);
  if (alternatives.length) lines.push(`supported instead: ${alternatives.map((a) => `\`${a}\``).join(', ')}`);
  else
    lines.push(
      `MWAA runs these command groups: ${[...new Set(supportedCommands(parseAirflowVersion(version ?? '3.3.1')).map((c) => c.split(' ')[0]))].join(', ')}`,
    );
  return new UsageError(lines.join('\n'), {
    code: 'remote.unsupported',
    hint: `\`mwaa airflow --help\` lists every command MWAA runs${version ? ` (this environment: Airflow ${version})` : ''}`,
    details: { command: check.command, args: argv, alternatives: check.alternatives },
  });
}

export const run: Handler<typeof airflowCommand> = async (ctx: Context, { args }) => {
  const argv = (args as unknown[]).flat().filter((a): a is string => typeof a === 'string');
  if (argv.length === 0 || HELP_WORDS.has(argv[0])) {
    if (argv.length === 0) {
      throw new UsageError('no Airflow command given', {
        hint: 'e.g. `mwaa airflow dags list`; `mwaa airflow --help` lists the supported commands',
      });
    }
    ctx.host.result({ help: helpText() }, (r) => r.help);
    return;
  }
  // refused on every Airflow version: no need to ask AWS anything
  const v2 = checkCommand(argv, { major: 2, minor: 99, patch: 0, text: '2' });
  const v3 = checkCommand(argv, { major: 3, minor: 99, patch: 0, text: '3' });
  if (!v2.ok && !v3.ok) {
    const alternatives = [...new Set([...v2.alternatives, ...v3.alternatives])];
    throw refusal(
      { ...v2, reason: v2.reason.replace(/ on Airflow 2$/, ' on Airflow 2 or 3'), alternatives, advice: v2.advice ?? v3.advice },
      argv,
      undefined,
    );
  }

  const envName = ctx.environment().entry.name;
  const { mwaaApi } = await import('../../aws/mwaa.js');
  const api = mwaaApi(await (await ctx.aws()).mwaa());
  const events = ctx.host.notify;
  const env = await requireEnvironment(api, envName);
  const version = parseAirflowVersion(env.AirflowVersion);
  const check = checkCommand(argv, version);
  if (!check.ok) throw refusal(check, argv, env.AirflowVersion);
  requireRunning(env, events);

  const session = await openSession({ api, envName, env, clock: ctx.clock, events, signal: ctx.signal });
  const run = () => session.cli.run(argv, { idempotent: check.readOnly });
  // a command that may change something is not sent after Ctrl-C
  const result = check.readOnly
    ? await run()
    : await ctx.mutations.send(
        { description: `airflow ${argv.slice(0, 2).join(' ')}`, next: "the command runs on the environment's Airflow regardless" },
        run,
      );
  const failure = detectFailure(result);
  if (failure) {
    // with --json the error document (printed by main) carries the output: one document, not two
    ctx.host.passthrough(result);
    throw remoteFailureError(failure, result, {
      usageIsUser: true,
      details: { environment: envName, command: argv, stdout: result.stdout, stderr: result.stderr },
    });
  }
  // the text hosts pass the output on as it is; the JSON host prints it in the result
  ctx.host.result(
    { environment: envName, airflowVersion: env.AirflowVersion, command: argv, stdout: result.stdout, stderr: result.stderr },
    () => '',
  );
  ctx.host.passthrough(result);
};
