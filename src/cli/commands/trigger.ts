/**
 * `mwaa trigger <dag> [--conf <json|@file>] [--run-id <id>] [--unpause] [--wait] [--timeout <dur>] [--poll <dur>]`
 *
 * Output: the run id on stdout (so `RUN=$(mwaa trigger etl)` works), progress on stderr. With --json and
 * no --wait, one JSON document; with --json --wait, NDJSON events on stdout ending with a
 * `trigger.run.finished` record. On a terminal, --wait shows a live view of the task states.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatDuration } from '../../core/duration.js';
import { FailedError, UsageError } from '../../core/errors.js';
import { msg } from '../../core/messages.js';
import { parseConf, type ParsedConf } from '../../core/remote/conf.js';
import type { TaskInfo } from '../../core/remote/parse.js';
import { openSession, requireRunning } from '../../core/remote/session.js';
import { parseTransport } from '../../core/remote/transport.js';
import type { TaskLogTail } from '../../core/remote/task-log.js';
import { triggerDag, waitForRun, type RunOutcome } from '../../core/remote/trigger.js';
import type { Context } from '../context.js';
import { requireEnvironment } from '../../core/ports/mwaa.js';
import type { Handler } from '../spec.js';
import type { triggerCommand } from '../specs/remote.js';

async function readStdin(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.io.streams.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** --conf '<json>' | @file | @- (stdin) */
export async function readConf(ctx: Context, value: string): Promise<ParsedConf> {
  if (!value.startsWith('@')) return parseConf(value, '--conf');
  const file = value.slice(1);
  if (file === '-') return parseConf(await readStdin(ctx), '--conf @- (stdin)');
  if (file === '') throw new UsageError('--conf @ needs a file name, e.g. --conf @conf.json', { code: 'trigger.conf-invalid' });
  let text: string;
  try {
    text = readFileSync(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the conf file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      code: 'trigger.conf-file',
      hint: 'the path is relative to the current folder',
    });
  }
  return parseConf(text, `--conf @${file}`);
}

function taskKey(t: { taskId: string; mapIndex?: number }): string {
  return t.mapIndex === undefined ? t.taskId : `${t.taskId}[${t.mapIndex}]`;
}

export const run: Handler<typeof triggerCommand> = async (ctx, { args, options, given }) => {
  const dagId = String(args[0]);
  // everything the user typed is checked before any AWS call
  const conf = options.conf !== undefined ? await readConf(ctx, options.conf) : undefined;
  const wait = options.wait === true;
  const { poll: pollMs, logLines, runId } = options;
  // --timeout 0: as long as the run takes
  const timeoutMs = options.timeout === 0 ? undefined : options.timeout;
  const transport = parseTransport(options.transport ?? ctx.env.MWAA_TRANSPORT);
  if (runId !== undefined && runId.trim() === '') throw new UsageError('--run-id must not be empty');
  if (!wait && (given.has('timeout') || given.has('poll') || given.has('logLines'))) {
    ctx.host.warn('--timeout, --poll and --log-lines only apply with --wait');
  }

  const selected = ctx.environment();
  const envName = selected.entry.name;
  const clients = await ctx.aws();
  const { mwaaApi } = await import('../../aws/mwaa.js');
  const api = mwaaApi(await clients.mwaa());
  // with --wait the command streams: the run's messages are its output (NDJSON on stdout with --json)
  if (wait) ctx.host.stream({ messages: true });
  const notify = ctx.host.notify;

  const env = await requireEnvironment(api, envName);
  requireRunning(env, notify);
  const session = await openSession({ api, envName, env, clock: ctx.clock, events: notify, signal: ctx.signal, transport });
  const triggered = await triggerDag(session.airflow, { dagId, conf, runId, unpause: options.unpause === true, mustStart: wait }, notify, {
    clock: ctx.clock,
    signal: ctx.signal,
    mutations: ctx.mutations,
  });
  const url = session.airflow.runUrl(session.webBaseUrl(), triggered.dagId, triggered.runId);
  const summary = {
    environment: envName,
    dagId: triggered.dagId,
    runId: triggered.runId,
    state: triggered.state,
    logicalDate: triggered.logicalDate ?? null,
    url,
    ...(conf ? { conf: conf.value } : {}),
    paused: triggered.paused,
    unpaused: triggered.unpaused,
  };

  if (!wait) {
    ctx.host.result(summary, (s) => s.runId);
    // without --wait the command ends now, and with it an embedded local emulator's web server
    ctx.host.info(
      clients.settings.embedded
        ? 'Airflow UI: none once this command ends (the embedded local emulator stops with it); run `mwaa local start` in another terminal to keep one'
        : `Airflow UI: ${url}`,
    );
    return;
  }

  // the run id on stdout for scripts; then the run's view (the Airflow UI address is part of it)
  ctx.host.print(triggered.runId);
  const view = await ctx.host.view('trigger', { dagId: triggered.dagId, runId: triggered.runId, url, startedAt: ctx.clock.now() });
  let outcome: RunOutcome;
  try {
    outcome = await waitForRun(session.airflow, triggered, { clock: ctx.clock, signal: ctx.signal, pollMs, timeoutMs, events: notify });
  } catch (error) {
    await view.finish({ ok: false, message: (error as Error).message.split('\n')[0] });
    throw error;
  }
  const duration = formatDuration(outcome.waitedMs);
  const failed = outcome.tasks.filter((t) => t.state === 'failed');
  const verdict = outcome.succeeded
    ? `run ${triggered.runId} of ${triggered.dagId} succeeded (waited ${duration})`
    : `run ${triggered.runId} of ${triggered.dagId} ${outcome.state === 'failed' ? 'failed' : `ended ${outcome.state}`}` +
      (failed.length ? ` (${failed.length} failed task${failed.length === 1 ? '' : 's'}: ${failed.map(taskKey).join(', ')})` : '');
  // the frame's last line says how it ended, first and short: the run id is in the line above it and was
  // printed whole when triggered; the whole sentence was cut by a narrow terminal before "succeeded"
  await view.finish({ ok: outcome.succeeded, message: outcome.succeeded ? `succeeded (waited ${duration})` : verdict });

  const tails = failed.length ? await logTails(ctx, env, triggered, failed, logLines) : [];
  const finished = {
    ...summary,
    state: outcome.state,
    succeeded: outcome.succeeded,
    waitedMs: outcome.waitedMs,
    tasks: outcome.tasks.map((t) => ({
      taskId: t.taskId,
      ...(t.mapIndex !== undefined ? { mapIndex: t.mapIndex } : {}),
      state: t.state,
      startDate: t.startDate !== undefined ? new Date(t.startDate).toISOString() : null,
      endDate: t.endDate !== undefined ? new Date(t.endDate).toISOString() : null,
    })),
    failedTaskLogs: tails,
  };
  // the failed tasks' logs are in the JSON record; as text they come before the verdict
  for (const tail of tails) ctx.host.passthrough({ stderr: tailText(ctx, tail) });
  ctx.host.notify(msg('trigger.run.finished', finished, verdict));
  if (!outcome.succeeded) {
    const first = failed[0];
    throw new FailedError(outcome.state === 'failed' ? 'trigger.run-failed' : 'trigger.run-not-successful', verdict, {
      hint: first
        ? `the whole log: mwaa logs ${triggered.dagId} --run ${triggered.runId} --task ${first.taskId}; the run in the UI: ${url}`
        : `the run in the Airflow UI: ${url}`,
      details: { dagId: triggered.dagId, runId: triggered.runId, state: outcome.state, failedTasks: failed.map(taskKey) },
    });
  }
};

async function logTails(
  ctx: Context,
  env: Parameters<typeof import('../../core/remote/task-log.js').failedTaskLogTail>[1],
  run: { dagId: string; runId: string },
  failed: TaskInfo[],
  lines: number,
): Promise<TaskLogTail[]> {
  const [{ cloudWatchLogs }, { failedTaskLogTail }] = await Promise.all([
    import('../../aws/logs.js'),
    import('../../core/remote/task-log.js'),
  ]);
  const logs = cloudWatchLogs(await (await ctx.aws()).logs());
  const out: TaskLogTail[] = [];
  for (const task of failed) {
    out.push(
      await failedTaskLogTail(
        logs,
        env,
        { dagId: run.dagId, runId: run.runId, taskId: task.taskId, mapIndex: task.mapIndex },
        { lines, signal: ctx.signal },
      ),
    );
  }
  return out;
}

function tailText(ctx: Context, tail: TaskLogTail): string {
  const s = ctx.host.errStyle;
  const name = taskKey(tail);
  if (tail.lines.length === 0) return `${s.red(`task ${name} failed`)}; no log lines to show: ${tail.note ?? 'the log is empty'}\n`;
  const header = `${s.red(`task ${name} failed`)}; the last ${tail.lines.length} line${tail.lines.length === 1 ? '' : 's'} of its log (${tail.group} ${tail.stream}):`;
  return `${header}\n${tail.lines.map((l) => `  ${s.dim('│')} ${l}`).join('\n')}\n`;
}
