/**
 * The Airflow operations over InvokeRestApi (the REST transport). Success and failure are read from
 * Airflow's status code and JSON, never from text. Calls are spaced to stay under MWAA's limit of about
 * 10 InvokeRestApi requests per second per environment; the version differences live in rest-api.ts.
 */
import type { RestAnswer, RestRequest } from '../ports/mwaa.js';
import type { Clock } from '../clock.js';
import { AuthError, FailedError, InterruptedError, NotFoundError } from '../errors.js';
import { noEvents, type EventSink } from '../events.js';
import { msg } from '../messages.js';
import { runUrl, type AirflowOps, type DagListing, type RunRef } from './airflow.js';
import type { AirflowVersion } from './commands.js';
import type { ImportError, RunStateInfo, TaskInfo, TriggeredRunInfo } from './parse.js';
import {
  apiVersion,
  importErrorsCall,
  listDagsCall,
  parseDagsPage,
  parseImportErrorsPage,
  parseRun,
  parseTaskInstances,
  pauseCall,
  pickRun,
  problemDetail,
  runCall,
  taskInstancesCall,
  triggerCall,
  type ApiVersion,
  type RestCall,
} from './rest-api.js';

/** InvokeRestApi for one environment (MwaaApi.invokeRestApi with the name filled in). */
export type RestInvoker = (request: RestRequest) => Promise<RestAnswer>;

/** At most 10 calls a second: one start every 100 ms. */
export const MIN_CALL_SPACING_MS = 100;

/** Spaces calls (one start per `spacingMs`) and serializes them. */
export class RateGate {
  private last = Number.NEGATIVE_INFINITY;
  private queue: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly clock: Clock,
    private readonly spacingMs = MIN_CALL_SPACING_MS,
    private readonly signal?: AbortSignal,
  ) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      const wait = this.last + this.spacingMs - this.clock.now();
      if (wait > 0) {
        try {
          await this.clock.sleep(wait, this.signal);
        } catch {
          throw new InterruptedError();
        }
      }
      this.last = this.clock.now();
      return fn();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** The typed error for an Airflow answer that is not 2xx. */
export function restStatusError(
  call: Pick<RestCall, 'method' | 'path'>,
  answer: RestAnswer,
  notFound?: { message: string; code: string; hint?: string },
): Error {
  const detail = problemDetail(answer.body);
  const what = `${call.method} ${call.path}`;
  const details = { status: answer.status, response: answer.body };
  if (answer.status === 404 && notFound) return new NotFoundError(notFound.message, { code: notFound.code, hint: notFound.hint, details });
  // a 404 the operation does not expect (a listing, a batch endpoint) is a failure, not "no such DAG"
  if (answer.status === 404)
    return new FailedError('rest.not-found', `the Airflow REST API answered 404 to ${what}: ${detail}`, { details });
  if (answer.status === 401 || answer.status === 403) {
    return new AuthError(`Airflow refused ${what} (HTTP ${answer.status}): ${detail}`, {
      code: 'rest.forbidden',
      hint: 'your IAM identity maps to an Airflow role (e.g. Viewer) that may not do this; MWAA maps airflow:InvokeRestApi callers to the Airflow role of their IAM policy',
      details,
    });
  }
  return new FailedError('rest.http', `the Airflow REST API answered HTTP ${answer.status} to ${what}: ${detail}`, { details });
}

export interface RestAirflowOptions {
  invoke: RestInvoker;
  envName: string;
  version: AirflowVersion | undefined;
  clock: Clock;
  signal?: AbortSignal;
  events?: EventSink;
}

export class RestAirflow implements AirflowOps {
  readonly transport = 'rest' as const;
  readonly version: AirflowVersion | undefined;
  private readonly api: ApiVersion;
  private readonly gate: RateGate;
  private readonly events: EventSink;

  constructor(private readonly options: RestAirflowOptions) {
    this.version = options.version;
    this.api = apiVersion(options.version);
    this.gate = new RateGate(options.clock, MIN_CALL_SPACING_MS, options.signal);
    this.events = options.events ?? noEvents;
  }

  /** One call; every Airflow status is returned (the caller decides). */
  async call(call: RestCall): Promise<RestAnswer> {
    return this.gate.run(async () => {
      if (this.options.signal?.aborted) throw new InterruptedError();
      this.events(
        msg(
          'rest.request',
          { method: call.method, path: call.path, query: call.query },
          `InvokeRestApi ${call.method} ${call.path}${call.query ? ` ${JSON.stringify(call.query)}` : ''}`,
        ),
      );
      const answer = await this.options.invoke({
        name: this.options.envName,
        ...call,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      });
      this.events(
        msg(
          'rest.response',
          { method: call.method, path: call.path, status: answer.status },
          `InvokeRestApi ${call.method} ${call.path}: HTTP ${answer.status}`,
        ),
      );
      return answer;
    });
  }

  private async ok(call: RestCall, notFound?: { message: string; code: string; hint?: string }): Promise<unknown> {
    const answer = await this.call(call);
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw restStatusError(call, answer, notFound);
  }

  async listDags(): Promise<DagListing> {
    const dags: DagListing['dags'] = [];
    for (let offset = 0; ; ) {
      const page = parseDagsPage(await this.ok(listDagsCall(offset)));
      dags.push(...page.dags);
      offset += page.dags.length;
      if (page.dags.length === 0 || offset >= page.total) break;
    }
    const errors = parseImportErrorsPage(await this.ok(importErrorsCall(0, 1)));
    return { dags: dags.sort((a, b) => a.dagId.localeCompare(b.dagId)), importErrors: errors.total > 0, warnings: [] };
  }

  async importErrors(): Promise<ImportError[]> {
    const out: ImportError[] = [];
    for (let offset = 0; ; ) {
      const page = parseImportErrorsPage(await this.ok(importErrorsCall(offset)));
      out.push(...page.errors);
      offset += page.errors.length;
      if (page.errors.length === 0 || offset >= page.total) break;
    }
    return out;
  }

  async trigger(request: {
    dagId: string;
    confText?: string;
    conf?: Record<string, unknown>;
    runId?: string;
  }): Promise<TriggeredRunInfo & { runAfter?: string }> {
    const call = triggerCall(this.api, {
      dagId: request.dagId,
      conf: request.conf ?? (request.confText ? (JSON.parse(request.confText) as Record<string, unknown>) : undefined),
      runId: request.runId,
    });
    const answer = await this.call(call);
    if (answer.status === 409) {
      const sameId = request.runId !== undefined;
      throw new FailedError(
        'trigger.run-exists',
        sameId
          ? `a run of ${request.dagId} with run id ${request.runId} already exists`
          : `Airflow refused a new run of ${request.dagId}: ${problemDetail(answer.body)}`,
        {
          hint: sameId ? 'pass another --run-id, or none to let Airflow name the run' : 'another run has the same logical date: try again',
          details: { sameRunId: sameId, status: 409 },
        },
      );
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw restStatusError(call, answer, {
        message: `DAG "${request.dagId}" is not in the environment's Airflow`,
        code: 'trigger.dag-not-found',
      });
    }
    const run = parseRun((answer.body ?? {}) as Record<string, unknown>, request.dagId);
    if (!run) throw new FailedError('rest.bad-response', `POST ${call.path} answered ${answer.status} without a dag_run_id`);
    return run;
  }

  private async setPaused(dagId: string, paused: boolean): Promise<void> {
    await this.ok(pauseCall(dagId, paused), { message: `DAG "${dagId}" is not in the environment's Airflow`, code: 'remote.not-found' });
  }

  pause(dagId: string): Promise<void> {
    return this.setPaused(dagId, true);
  }

  unpause(dagId: string): Promise<void> {
    return this.setPaused(dagId, false);
  }

  async runState(run: RunRef): Promise<RunStateInfo> {
    const call = runCall(this.api, run);
    const answer = await this.call(call);
    if (answer.status === 404) return { state: undefined };
    if (answer.status < 200 || answer.status >= 300) throw restStatusError(call, answer);
    const found = pickRun(answer.body, run.runId);
    const conf = (answer.body as { conf?: unknown } | null)?.conf;
    return { state: found?.state, ...(found && conf && typeof conf === 'object' ? { conf: conf as Record<string, unknown> } : {}) };
  }

  async taskStates(dagId: string, runId: string, run?: RunRef): Promise<TaskInfo[]> {
    const body = await this.ok(taskInstancesCall(this.api, { dagId, runId, logicalDate: run?.logicalDate }));
    return parseTaskInstances(body, runId);
  }

  runUrl(baseUrl: string, dagId: string, runId: string): string {
    return runUrl(this.version, baseUrl, dagId, runId);
  }
}
