/**
 * Which transport the tool's own Airflow operations use. REST (InvokeRestApi) by default where the
 * environment's Airflow has it (2.4.3 and later); the CLI token otherwise, and as the fallback when AWS
 * refuses InvokeRestApi (no airflow:InvokeRestApi permission, or "update your environment"). A refusal
 * means the call never reached Airflow, so the same operation is simply run again on the CLI; the
 * switch is reported once, as a warning event, and lasts for the session.
 */
import { REST_DENIED, REST_UNSUPPORTED } from '../ports/mwaa.js';
import { MwaaError, UsageError } from '../errors.js';
import { noEvents, type EventSink } from '../events.js';
import { msg } from '../messages.js';
import type { AirflowOps, DagListing, RunRef } from './airflow.js';
import type { AirflowVersion } from './commands.js';
import type { ImportError, RunStateInfo, TaskInfo, TriggeredRunInfo } from './parse.js';
import { supportsInvokeRestApi } from './rest-api.js';

export type TransportChoice = 'rest' | 'cli';

/** --transport's value (undefined: automatic). */
export function parseTransport(value: unknown): TransportChoice | undefined {
  if (value === undefined || value === null || value === '' || value === 'auto') return undefined;
  if (value === 'rest' || value === 'cli') return value;
  throw new UsageError(`--transport must be rest or cli, not "${String(value)}"`, { code: 'usage.transport' });
}

/** Which transport to start with: the forced one, else REST where Airflow supports InvokeRestApi. */
export function initialTransport(
  forced: TransportChoice | undefined,
  version: AirflowVersion | undefined,
): { transport: TransportChoice; fallback: boolean } {
  if (forced) return { transport: forced, fallback: false };
  return supportsInvokeRestApi(version) ? { transport: 'rest', fallback: true } : { transport: 'cli', fallback: false };
}

export function isRestRefusal(error: unknown): boolean {
  return MwaaError.is(error) && (error.code === REST_DENIED || error.code === REST_UNSUPPORTED);
}

/** REST first; on a refusal, the CLI transport from then on (said once, on the event sink). */
export class FallbackAirflow implements AirflowOps {
  private fallen: AirflowOps | undefined;

  constructor(
    private readonly rest: AirflowOps,
    private readonly cli: () => AirflowOps,
    private readonly events: EventSink = noEvents,
  ) {}

  get transport(): 'rest' | 'cli' {
    return this.fallen ? 'cli' : 'rest';
  }

  get version(): AirflowVersion | undefined {
    return this.rest.version;
  }

  private async use<T>(fn: (ops: AirflowOps) => Promise<T>): Promise<T> {
    if (this.fallen) return fn(this.fallen);
    try {
      return await fn(this.rest);
    } catch (error) {
      if (!isRestRefusal(error)) throw error;
      const e = error as MwaaError;
      this.fallen = this.cli();
      this.events(
        msg(
          'remote.transport.fallback',
          { from: 'rest', to: 'cli', reason: e.code },
          `${e.message.split('\n')[0]}; using the Airflow CLI token (airflow:CreateCliToken) instead (--transport cli skips InvokeRestApi)`,
        ),
      );
      return fn(this.fallen);
    }
  }

  listDags(): Promise<DagListing> {
    return this.use((o) => o.listDags());
  }
  importErrors(): Promise<ImportError[]> {
    return this.use((o) => o.importErrors());
  }
  trigger(request: Parameters<AirflowOps['trigger']>[0]): Promise<TriggeredRunInfo> {
    return this.use((o) => o.trigger(request));
  }
  pause(dagId: string): Promise<void> {
    return this.use((o) => o.pause(dagId));
  }
  unpause(dagId: string): Promise<void> {
    return this.use((o) => o.unpause(dagId));
  }
  runState(run: RunRef): Promise<RunStateInfo> {
    return this.use((o) => o.runState(run));
  }
  taskStates(dagId: string, runId: string, run?: RunRef): Promise<TaskInfo[]> {
    return this.use((o) => o.taskStates(dagId, runId, run));
  }
  runUrl(baseUrl: string, dagId: string, runId: string): string {
    return (this.fallen ?? this.rest).runUrl(baseUrl, dagId, runId);
  }
}
