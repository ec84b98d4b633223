/**
 * The Airflow operations the tool runs itself, version-aware: which
 * arguments each Airflow version takes, `-o json` wherever a command has it, and parsing by
 * the rules of parse.ts. A command whose stderr says it failed (failure.ts) or whose output does not parse
 * throws a typed error that quotes the remote message.
 */
import { FailedError, NotFoundError, UsageError, type MwaaError } from '../errors.js';
import type { AirflowVersion } from './commands.js';
import type { CliResult, RunOptions } from './client.js';
import { detectFailure, stderrTail, type RemoteFailure } from './failure.js';
import {
  lastJsonArray,
  parseCreatedLine,
  parseDagState,
  parseDagsList,
  parseImportErrors,
  parseListRuns,
  parseTaskStates,
  parseTrigger,
  type DagInfo,
  type ImportError,
  type RunInfo,
  type RunStateInfo,
  type TaskInfo,
  type TriggeredRunInfo,
} from './parse.js';

/** What RemoteAirflow needs from the client (RemoteCli, or a scripted fake in tests). */
export interface CliRunner {
  run(args: readonly string[], options?: RunOptions): Promise<CliResult>;
}

export interface RunRef {
  dagId: string;
  runId: string;
  /** as `dags trigger` printed it; Airflow 2's `dags state` needs it */
  logicalDate?: string;
  /** REST v2: the run's run_after (finds a run without a logical date) */
  runAfter?: string;
}

/**
 * The Airflow operations the tool's own commands use, on either transport: RemoteAirflow (the CLI
 * token) or RestAirflow (InvokeRestApi). Both report the same typed errors, so exit codes match.
 */
export interface AirflowOps {
  readonly transport: 'rest' | 'cli';
  readonly version: AirflowVersion | undefined;
  listDags(): Promise<DagListing>;
  importErrors(): Promise<ImportError[]>;
  trigger(request: { dagId: string; confText?: string; conf?: Record<string, unknown>; runId?: string }): Promise<TriggeredRunInfo>;
  pause(dagId: string): Promise<void>;
  unpause(dagId: string): Promise<void>;
  runState(run: RunRef): Promise<RunStateInfo>;
  taskStates(dagId: string, runId: string, run?: RunRef): Promise<TaskInfo[]>;
  runUrl(baseUrl: string, dagId: string, runId: string): string;
}

/** The Airflow UI page of a run. */
export function runUrl(version: AirflowVersion | undefined, baseUrl: string, dagId: string, runId: string): string {
  const dag = encodeURIComponent(dagId);
  return (version?.major ?? 2) >= 3
    ? `${baseUrl}/dags/${dag}/runs/${encodeURIComponent(runId)}`
    : `${baseUrl}/dags/${dag}/grid?dag_run_id=${encodeURIComponent(runId)}`;
}

export interface DagListing {
  dags: DagInfo[];
  /** Airflow said some DAG files failed to import */
  importErrors: boolean;
  /** stderr lines that were not failures (warnings) */
  warnings: string[];
}

/** The error for a remote command that failed. */
export function remoteFailureError(
  failure: RemoteFailure,
  result: Pick<CliResult, 'args' | 'stderr'>,
  options: { usageIsUser?: boolean; details?: Record<string, unknown> } = {},
): MwaaError {
  const what = `\`airflow ${result.args.slice(0, 2).join(' ')}\``;
  const message = `${what} failed on the web server: ${failure.message}`;
  const details = {
    remote: { kind: failure.kind, exception: failure.exception, stderr: stderrTail(result.stderr, 30).join('\n') },
    ...options.details,
  };
  if (failure.notFound) return new NotFoundError(message, { code: 'remote.not-found', details });
  if (failure.kind === 'usage' && options.usageIsUser) {
    return new UsageError(message, {
      code: 'remote.usage',
      details,
      hint: `see \`mwaa airflow ${result.args.slice(0, 2).join(' ')} --help\``,
    });
  }
  return new FailedError('remote.failed', message, { details });
}

function unparseable(result: CliResult, expected: string): FailedError {
  const tail = stderrTail(`${result.stdout}\n${result.stderr}`, 10);
  return new FailedError(
    'remote.unparseable',
    `\`airflow ${result.args.slice(0, 2).join(' ')}\` did not print ${expected}${tail.length ? `; it printed:\n${tail.join('\n')}` : ' (it printed nothing)'}`,
    {
      hint: 'run the same command with `mwaa airflow …` to see its whole output',
    },
  );
}

export class RemoteAirflow implements AirflowOps {
  readonly transport = 'cli' as const;
  constructor(
    private readonly cli: CliRunner,
    readonly version: AirflowVersion | undefined,
  ) {}

  get isV3(): boolean {
    return (this.version?.major ?? 2) >= 3;
  }

  /** Airflow 2 before `minor` (false on 3.x and when the version is unknown). */
  private v2Before(minor: number): boolean {
    return this.version !== undefined && this.version.major === 2 && this.version.minor < minor;
  }

  /** Runs a command and throws if it failed. */
  async checked(args: string[], options: RunOptions = {}): Promise<CliResult> {
    const result = await this.cli.run(args, options);
    const failure = detectFailure(result);
    if (failure) throw remoteFailureError(failure, result);
    return result;
  }

  private async rows(args: string[], expected: string, options: RunOptions = {}) {
    const result = await this.checked(args, options);
    const rows = lastJsonArray(result.stdout);
    if (!rows) throw unparseable(result, expected);
    return { rows, result };
  }

  /** `dags list -o json`, with the schedule and tags columns where Airflow has `--columns` (2.9+). */
  async listDags(): Promise<DagListing> {
    const base = ['dags', 'list', '-o', 'json'];
    const columns = this.isV3
      ? 'dag_id,fileloc,owners,is_paused,timetable_summary,tags,bundle_name'
      : 'dag_id,fileloc,owners,is_paused,schedule_interval,tags';
    const withColumns = this.v2Before(9) ? base : [...base, '--columns', columns];
    let result = await this.cli.run(withColumns, { idempotent: true });
    let failure = detectFailure(result);
    if (failure && withColumns !== base && /columns/.test(failure.message)) {
      // an Airflow without --columns: ask for the default columns
      result = await this.cli.run(base, { idempotent: true });
      failure = detectFailure(result);
    }
    if (failure) throw remoteFailureError(failure, result);
    const rows = lastJsonArray(result.stdout);
    if (!rows) throw unparseable(result, 'a JSON list of DAGs');
    const warnings = stderrTail(result.stderr, 20);
    return {
      dags: parseDagsList(rows).sort((a, b) => a.dagId.localeCompare(b.dagId)),
      importErrors: warnings.some((l) => /Failed to load all files/.test(l)),
      warnings: warnings.filter((l) => !/Ignoring the following invalid columns/.test(l)),
    };
  }

  /** `dags list-import-errors -o json` (its exit 1 when there are rows is data, not failure). */
  async importErrors(): Promise<ImportError[]> {
    const { rows } = await this.rows(['dags', 'list-import-errors', '-o', 'json'], 'a JSON list of import errors', { idempotent: true });
    return parseImportErrors(rows);
  }

  /** `dags trigger <dag> [-r <run id>] [-c <conf>] -o json`. */
  async trigger(request: { dagId: string; confText?: string; runId?: string }): Promise<TriggeredRunInfo> {
    const args = ['dags', 'trigger', request.dagId];
    if (request.runId) args.push('-r', request.runId);
    if (request.confText !== undefined) args.push('-c', request.confText);
    const legacyOutput = this.v2Before(6);
    if (!legacyOutput) args.push('-o', 'json');
    const result = await this.cli.run(args);
    const failure = detectFailure(result);
    if (failure) {
      if (/already exists/i.test(failure.message)) {
        // Airflow 2: "… for DAG d at <logical date> with run id <id>"; Airflow 3: "… for DAG d with run id <id>"
        const existing = /with run id (\S+)\s*$/.exec(failure.message)?.[1];
        const sameId = request.runId !== undefined && existing === request.runId;
        throw new FailedError(
          'trigger.run-exists',
          sameId
            ? `a run of ${request.dagId} with run id ${request.runId} already exists`
            : `Airflow refused a new run of ${request.dagId}: ${failure.message.replace(/^[\w.]+: /, '')}`,
          {
            hint: sameId
              ? 'pass another --run-id, or none to let Airflow name the run'
              : 'on Airflow 2 two runs of a DAG cannot share a logical date (to the second): try again',
            details: { existingRunId: existing, sameRunId: sameId },
          },
        );
      }
      throw remoteFailureError(failure, result);
    }
    const info = legacyOutput ? parseCreatedLine(result.stdout, request.dagId) : parseTrigger(lastJsonArray(result.stdout) ?? []);
    if (!info) throw unparseable(result, 'the new DAG run');
    return { ...info, dagId: info.dagId || request.dagId };
  }

  async unpause(dagId: string): Promise<void> {
    await this.checked(['dags', 'unpause', dagId]);
  }

  async pause(dagId: string): Promise<void> {
    await this.checked(['dags', 'pause', dagId]);
  }

  /**
   * The run's state (and conf): `dags state <dag> <run id>` on Airflow 3; Airflow 2's `dags state`
   * takes only the logical (execution) date, so without one the run is looked up in `dags list-runs`.
   */
  async runState(run: RunRef): Promise<RunStateInfo> {
    if (!this.isV3 && !run.logicalDate) {
      const found = (await this.listRuns(run.dagId)).find((r) => r.runId === run.runId);
      return { state: found?.state };
    }
    const result = await this.checked(['dags', 'state', run.dagId, this.isV3 ? run.runId : run.logicalDate!], { idempotent: true });
    const parsed = parseDagState(result.stdout);
    if (!parsed) throw unparseable(result, 'the state of the run');
    return parsed;
  }

  /** `dags list-runs` (`-d <dag>` on Airflow 2, positional on 3), newest first. */
  async listRuns(dagId: string): Promise<RunInfo[]> {
    const args = this.isV3 ? ['dags', 'list-runs', dagId, '-o', 'json'] : ['dags', 'list-runs', '-d', dagId, '-o', 'json'];
    const { rows } = await this.rows(args, 'a JSON list of runs', { idempotent: true });
    return parseListRuns(rows);
  }

  /** `tasks states-for-dag-run <dag> <run id> -o json`. */
  async taskStates(dagId: string, runId: string): Promise<TaskInfo[]> {
    const { rows } = await this.rows(['tasks', 'states-for-dag-run', dagId, runId, '-o', 'json'], 'a JSON list of task states', {
      idempotent: true,
    });
    return parseTaskStates(rows);
  }

  /** The Airflow UI page of a run. */
  runUrl(baseUrl: string, dagId: string, runId: string): string {
    return runUrl(this.version, baseUrl, dagId, runId);
  }
}
