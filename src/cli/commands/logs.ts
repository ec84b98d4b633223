/**
 * `mwaa logs [<dag>] [--run] [--task] [--try] [--map-index] [--component] [--since] [--until]
 * [--filter] [--limit] [--follow] [--utc]`: options → LogsQuery (src/core/logs/query.ts) → events
 * streamed to stdout as text lines or NDJSON, with backpressure, never accumulated. A closed stdout
 * (`mwaa logs --follow | head`) stops the command quietly with exit 0, like Ctrl-C while following.
 */
import type { Writable } from 'node:stream';
import { mwaaApi } from '../../aws/mwaa.js';
import { parseDuration, parseTimeOrAgo } from '../../core/duration.js';
import { InterruptedError, UsageError } from '../../core/errors.js';
import type { MwaaEvent } from '../../core/events.js';
import { msg } from '../../core/messages.js';
import { cloudWatchLogs } from '../../aws/logs.js';
import { resolveLogsQuery } from '../../core/logs/query.js';
import { followLogs, readLogs, type LogOutput } from '../../core/logs/read.js';
import type { LogEvent } from '../../core/logs/port.js';
import { jsonRecord, textRenderer, type LevelStyler } from '../../core/logs/render.js';
import { anySignal } from '../../core/signals.js';
import type { Context } from '../context.js';
import type { Handler } from '../spec.js';
import type { logsCommand } from '../specs/logs.js';

/** Without --since, logs that are not bounded by a run start this far back. */
const DEFAULT_SINCE_MS = 10 * 60_000;
/** Text is handed to stdout in chunks of about this size. */
const CHUNK = 64 * 1024;

/**
 * stdout as a LogOutput sink: rendered text is gathered into chunks, written with backpressure (flush
 * waits for 'drain', or for the signal: Ctrl-C while stdout is blocked must not hang), and nothing is
 * written once the stream has closed or failed (EPIPE). Exported for tests.
 */
export class StdoutSink implements LogOutput {
  private buffer = '';
  private closed = false;
  private needDrain = false;

  constructor(
    private readonly stream: Writable,
    private readonly render: (event: LogEvent, group: string) => string,
    private readonly onClosed: () => void,
    private readonly signal?: AbortSignal,
  ) {
    const close = () => {
      if (this.closed) return;
      this.closed = true;
      this.buffer = '';
      this.onClosed();
    };
    stream.on('close', close);
    // EPIPE and friends: the reader went away (bin/mwaa.cjs drops what is left to write; this stops reading)
    stream.on('error', close);
    if (stream.destroyed || stream.writableEnded) close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(event: LogEvent, group: string): void {
    if (this.closed) return;
    this.buffer += this.render(event, group);
    if (this.buffer.length >= CHUNK) this.push();
  }

  private push(): void {
    if (this.buffer === '' || this.closed) return;
    const chunk = this.buffer;
    this.buffer = '';
    try {
      if (!this.stream.write(chunk)) this.needDrain = true;
    } catch {
      // a destroyed stream may throw synchronously on some Node versions
      this.closed = true;
      this.onClosed();
    }
  }

  async flush(): Promise<void> {
    this.push();
    if (!this.needDrain || this.closed || this.signal?.aborted) return;
    this.needDrain = false;
    const signal = this.signal;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

function styler(ctx: Context): LevelStyler | undefined {
  const s = ctx.host.style;
  if (s.level === 0) return undefined;
  return {
    error: (t) => s.red.bold(t),
    warning: (t) => s.yellow(t),
    info: (t) => s.green(t),
    debug: (t) => s.gray(t),
    dim: (t) => s.dim(t),
  };
}

export const run: Handler<typeof logsCommand> = async (ctx, { args, options }) => {
  const o = options;
  const dagId = args[0] as string | undefined;
  const follow = o.follow === true;
  if (follow && o.until !== undefined) throw new UsageError('--until cannot be used with --follow', { hint: 'drop --until, or --follow' });
  if (o.interval !== undefined && !follow) throw new UsageError('--interval only applies to --follow');
  const interval = o.interval !== undefined ? parseDuration(o.interval, '--interval') : 2_000;
  if (interval < 100) throw new UsageError('--interval must be at least 100ms');

  const now = ctx.clock.now();
  const since = o.since !== undefined ? parseTimeOrAgo(o.since, now, '--since') : undefined;
  const until = o.until !== undefined ? parseTimeOrAgo(o.until, now, '--until') : undefined;
  if (since !== undefined && until !== undefined && until < since) throw new UsageError('--until is before --since');

  const selected = ctx.environment();
  const envName = selected.entry.name;
  const events = ctx.host.notify;
  const aws = await ctx.aws();
  const api = mwaaApi(await aws.mwaa());
  const environment = await api.getEnvironment(envName);
  if (!environment) {
    events(
      msg(
        'logs.env.missing',
        { env: envName },
        `environment "${envName}" was not found; looking for its logs under the default log group names`,
      ),
    );
  }
  const logs = cloudWatchLogs(await aws.logs());

  // Ctrl-C / SIGTERM, or stdout closing, end the command.
  const local = new AbortController();
  const combined = anySignal([ctx.signal, local.signal]);
  const signal = combined.signal;
  try {
    // `--run latest`: ask the remote Airflow for the newest run when its web server is up (one attempt,
    // no retries: the log streams are the fallback).
    const remoteUsable = environment?.Status === 'AVAILABLE' || environment?.Status === 'UPDATE_FAILED';
    const latestRun =
      o.run === 'latest' && remoteUsable
        ? async (dag: string) => {
            const { openSession } = await import('../../core/remote/session.js');
            const quietEvents = (e: MwaaEvent) => events({ ...e, level: 'debug' });
            const session = await openSession({
              api,
              envName,
              env: environment,
              clock: ctx.clock,
              events: quietEvents,
              signal,
              retries: 0,
            });
            const runs = await session.cliAirflow.listRuns(dag);
            return runs[0] ? { runId: runs[0].runId, state: runs[0].state } : undefined;
          }
        : undefined;
    // `--follow --run <id>`: a run the remote Airflow does not have would be waited for forever
    const runExists =
      follow && o.run !== undefined && o.run !== 'latest' && remoteUsable
        ? async (dag: string, runId: string) => {
            const { openSession } = await import('../../core/remote/session.js');
            const quietEvents = (e: MwaaEvent) => events({ ...e, level: 'debug' });
            const session = await openSession({
              api,
              envName,
              env: environment,
              clock: ctx.clock,
              events: quietEvents,
              signal,
              retries: 0,
            });
            const { streamSafe } = await import('../../core/logs/address.js');
            // the id as Airflow has it, or as log stream names spell it (":" as "_")
            return (await session.cliAirflow.listRuns(dag)).some((r) => r.runId === runId || streamSafe(r.runId) === runId);
          }
        : undefined;

    const query = await resolveLogsQuery(
      logs,
      {
        envName,
        environment,
        component: o.component,
        dagId,
        runId: o.run,
        taskId: o.task,
        try: o.try,
        mapIndex: o.mapIndex,
        follow,
        latestRun,
        runExists,
      },
      { signal, events },
    );

    const startTime = since ?? (query.bounded ? undefined : now - DEFAULT_SINCE_MS);
    ctx.host.stream();
    const render = ctx.host.recordFormat(
      (e: LogEvent, group: string) => jsonRecord(e, group),
      textRenderer({ utc: o.utc === true, label: query.label, styler: styler(ctx) }),
    );
    let outputClosed = false;
    const sink = new StdoutSink(
      ctx.io.streams.stdout,
      render,
      () => {
        outputClosed = true;
        local.abort(new Error('output closed'));
      },
      signal,
    );

    const common = { startTime, filterPattern: o.filter, limit: o.limit, signal, clock: ctx.clock, events };
    try {
      if (follow) {
        events(
          msg(
            'logs.follow.start',
            { sources: query.sources.map((s) => ({ group: s.group, prefix: s.streamPrefix })) },
            `following ${query.description}`,
          ),
        );
        await followLogs(logs, query.sources, sink, { ...common, pollMs: interval });
        return;
      }
      const result = await readLogs(logs, query.sources, sink, { ...common, endTime: until });
      if (signal.aborted && !outputClosed) throw new InterruptedError();
      if (result.events === 0 && !outputClosed) {
        const window =
          since === undefined && startTime !== undefined ? ' in the last 10 minutes' : since !== undefined ? ' in that time range' : '';
        const beyond = since === undefined && startTime !== undefined ? ' (use --since to look further back)' : '';
        const matching = o.filter ? ` matching ${JSON.stringify(o.filter)}` : '';
        events(msg('logs.none', { description: query.description }, `no log events for ${query.description}${window}${matching}${beyond}`));
      }
    } catch (error) {
      // following ends normally on Ctrl-C/SIGTERM; any command ends quietly when its output closes
      if (outputClosed || (follow && ctx.signal.aborted)) return;
      if (ctx.signal.aborted) throw new InterruptedError();
      throw error;
    }
  } finally {
    combined.dispose(); // the fallback of Node < 20.3 adds a listener to ctx.signal
  }
};
