/** `mwaa check`: the project of the selected environment, checked before MWAA sees it (docs/check.md). */
import { configuredAirflowVersion, reportText, runCheck, summaryLine, type CheckReport } from '../../core/check/index.js';
import { FailedError } from '../../core/errors.js';
import { formatDuration } from '../../core/duration.js';
import { msg } from '../../core/messages.js';
import { checkCacheFile, checkPorts } from '../check-ports.js';
import type { Handler } from '../spec.js';
import type { checkCommand } from '../specs/check.js';
import { projectSources } from './releases/shared.js';

export const run: Handler<typeof checkCommand> = async (ctx, { options }) => {
  const selected = ctx.environment();
  const ports = checkPorts(ctx, { ...(options.python !== undefined ? { python: options.python } : {}), network: true });
  const airflowVersion = configuredAirflowVersion(selected);
  const report = await runCheck(
    {
      ...projectSources(selected),
      cacheFile: checkCacheFile(selected.source.dir),
      airflowVersion,
      dagbag: true,
      config: { selected, local: ctx.globals.local || selected.entry.local === true },
    },
    ports,
  );
  for (const s of report.skipped) ctx.host.notify(msg('check.skipped', s, `skipped: ${s.what}: ${s.reason}`));
  const strict = options.strict === true;
  const failed = report.errors > 0 || (strict && report.warnings > 0);
  const json = reportJson(selected.key, airflowVersion, report);
  const summary = `${summaryLine(report)} (${formatDuration(report.durationMs)})`;
  if (failed) {
    if (report.findings.length) ctx.host.print(reportText({ ...report, skipped: [] }));
    throw new FailedError('check.failed', `check failed: ${summary}`, {
      hint: report.errors > 0 ? 'fix the errors above and run `mwaa check` again' : 'fix the warnings above, or run without --strict',
      details: json,
    });
  }
  ctx.host.result(json, () => reportText({ ...report, skipped: [] }));
  ctx.host.info(`check passed: ${summary}`);
};

function reportJson(environment: string, airflowVersion: string | undefined, report: CheckReport): Record<string, unknown> {
  return {
    environment,
    airflowVersion: airflowVersion ?? null,
    errors: report.errors,
    warnings: report.warnings,
    findings: report.findings,
    skipped: report.skipped,
    ran: report.ran,
    durationMs: report.durationMs,
  };
}
