/**
 * What `dags push` does around the deploy (docs/check.md): the check before it (refusing the push on
 * errors, exit 2, nothing changed) and `--verify` after it (rolling the release back when it added
 * import errors, exit 5).
 */
import { reportText, runCheck, summaryLine } from '../../../core/check/index.js';
import { verifyRelease } from '../../../core/check/verify.js';
import { rollback } from '../../../core/deploy/rollback.js';
import type { ReleaseRecord } from '../../../core/deploy/records.js';
import { formatDuration } from '../../../core/duration.js';
import { DeployRolledBackError, FailedError, UsageError } from '../../../core/errors.js';
import { msg } from '../../../core/messages.js';
import type { ImportError } from '../../../core/remote/parse.js';
import { openSession, type RemoteSession } from '../../../core/remote/session.js';
import { checkCacheFile, checkPorts } from '../../check-ports.js';
import type { Context } from '../../context.js';
import { projectSources, type DeployCommand } from '../releases/shared.js';

export type CheckMode = 'quick' | 'full' | 'off';

export function checkMode(value: unknown): CheckMode {
  if (value === false) return 'off';
  if (value === undefined || value === true || value === 'quick') return 'quick';
  if (value === 'full') return 'full';
  throw new UsageError(`--check must be quick or full (got "${String(value)}")`, { hint: 'or --no-check to skip the check' });
}

/**
 * The check before a push: the quick one (CPython syntax, requirements from the cache, plugins, startup
 * script) or the full one (`--check=full`: also the DagBag load and the constraints download).
 */
export async function checkBeforePush(
  ctx: Context,
  cmd: DeployCommand,
  mode: 'quick' | 'full',
  python: string | undefined,
  environment: { airflowVersion?: string },
): Promise<void> {
  const ports = checkPorts(ctx, { ...(python ? { python } : {}), network: mode === 'full' });
  ctx.host.notify(msg('deploy.phase', { phase: 'check' }, 'checking the project'));
  const report = await runCheck(
    {
      ...projectSources(cmd.selected),
      ...(environment.airflowVersion ? { airflowVersion: environment.airflowVersion } : {}),
      dagbag: mode === 'full',
      cacheFile: checkCacheFile(cmd.selected.source.dir),
    },
    ports,
  );
  // the deploy's pre-flight reports a missing --constraint line itself (docs/deploy.md): said once
  for (const f of report.findings.filter((x) => x.level === 'warning' && x.code !== 'requirements.no-constraint')) {
    ctx.host.notify(
      msg(
        'check.finding',
        { level: f.level, code: f.code, file: f.file, ...(f.line !== undefined ? { line: f.line } : {}) },
        `check: ${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ${f.message}`,
      ),
    );
  }
  for (const s of report.skipped) {
    ctx.host.notify(msg('check.skipped', s, `check skipped: ${s.what}: ${s.reason}`));
  }
  const summary = `${summaryLine(report)} (${formatDuration(report.durationMs)})`;
  ctx.host.notify(
    msg(
      'check.done',
      { errors: report.errors, warnings: report.warnings, skipped: report.skipped.length, durationMs: report.durationMs },
      `check: ${summary}`,
    ),
  );
  if (report.errors === 0) return;
  const errors = { ...report, findings: report.findings.filter((f) => f.level === 'error'), skipped: [] };
  throw new UsageError(
    `the check found ${report.errors} error${report.errors === 1 ? '' : 's'}; nothing was deployed:\n${reportText(errors)}`,
    {
      code: 'deploy.check-failed',
      hint: 'fix them (`mwaa check` shows everything it checks) and push again, or push with --no-check',
      details: { findings: report.findings, skipped: report.skipped, durationMs: report.durationMs },
    },
  );
}

/** A remote session for reading import errors (verify and the reminder). */
async function session(ctx: Context, cmd: DeployCommand): Promise<RemoteSession> {
  return openSession({
    api: cmd.ports.mwaa,
    envName: cmd.selected.entry.name,
    clock: ctx.clock,
    events: ctx.host.notify,
    signal: ctx.signal,
  });
}

export interface Verifier {
  /** after a deployed release: waits for the sync, compares, and rolls back (throwing exit 5) on new import errors */
  after(release: ReleaseRecord): Promise<void>;
}

/** `--verify`: reads the import errors before the push (the environment must be serving). */
export async function startVerify(
  ctx: Context,
  cmd: DeployCommand,
  options: { waitMs: number; wait: boolean; concurrency: number },
): Promise<Verifier> {
  const remote = await session(ctx, cmd);
  const before = await remote.airflow.importErrors();
  return {
    async after(release) {
      const result = await verifyRelease(
        before,
        { readImportErrors: () => remote.airflow.importErrors(), clock: ctx.clock, events: ctx.host.notify, signal: ctx.signal },
        { environment: release.environment, waitMs: options.waitMs },
      );
      if (result.added.length === 0) return;
      ctx.host.print(importErrorsText(result.added));
      if (!release.base) {
        throw new FailedError(
          'deploy.verify-failed',
          `release ${release.id} added ${result.added.length} import error${result.added.length === 1 ? '' : 's'} (above); it is the first release of ${release.environment}, so there is no earlier one to roll back to`,
          {
            hint: 'fix the DAG files and push again',
            details: { release: release.id, importErrors: result.added },
          },
        );
      }
      const undone = await rollback(
        {
          environment: release.environment,
          ...(cmd.selected.entry.bucket ? { configBucket: cmd.selected.entry.bucket } : {}),
          releaseId: release.base,
          wait: options.wait,
          concurrency: options.concurrency,
          dryRun: false,
          yes: true,
          message: `--verify: release ${release.id} added import errors`,
          command: ctx.commandLine(['dags', 'push', '--verify']),
        },
        cmd.ports,
      );
      throw new DeployRolledBackError(
        `release ${release.id} added ${result.added.length} import error${result.added.length === 1 ? '' : 's'} (above); rolled back to release ${release.base}${undone.release ? ` as release ${undone.release.id}` : ''}`,
        {
          code: 'deploy.verify-rolled-back',
          hint: 'fix the DAG files (`mwaa check` runs them through Python first) and push again',
          details: { release: release.id, restored: release.base, rollback: undone.release?.id ?? null, importErrors: result.added },
        },
      );
    },
  };
}

/** Without --verify: one line when the environment has import errors after a push that waited for it. */
export async function remindImportErrors(ctx: Context, cmd: DeployCommand): Promise<void> {
  try {
    const errors = await (await session(ctx, cmd)).airflow.importErrors();
    if (errors.length > 0) {
      ctx.host.warn(
        `${errors.length} DAG file${errors.length === 1 ? ' has' : 's have'} import errors in ${cmd.selected.entry.name}: \`mwaa dags list --import-errors\` shows them (\`dags push --verify\` rolls back a release that adds some)`,
      );
    }
  } catch {
    // a reminder only: an environment that cannot answer now is not the push's failure
  }
}

function importErrorsText(errors: ImportError[]): string {
  return errors
    .map(
      (e) =>
        `${e.filepath}\n${e.error
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}`,
    )
    .join('\n\n');
}
