/**
 * `mwaa dags list [--import-errors]`: the DAGs as the environment's Airflow sees them (GET /dags
 * through InvokeRestApi, or `dags list -o json` through a CLI token), or the files that failed to import.
 */
import { table } from '../../../ui/io.js';
import type { DagInfo, ImportError } from '../../../core/remote/parse.js';
import { openSession } from '../../../core/remote/session.js';
import { parseTransport } from '../../../core/remote/transport.js';
import type { Handler } from '../../spec.js';
import type { dagsListCommand } from '../../specs/remote.js';

function dagsTable(dags: DagInfo[], style: Parameters<typeof table>[1]): string {
  const rows = [['DAG', 'PAUSED', 'SCHEDULE', 'OWNERS', 'TAGS']];
  for (const d of dags)
    rows.push([d.dagId, d.paused ? 'yes' : 'no', d.schedule ?? '-', d.owners.join(', ') || '-', d.tags.join(', ') || '-']);
  return table(rows, style);
}

function importErrorsText(errors: ImportError[]): string {
  return errors
    .map(
      (e) =>
        `${e.filepath}${e.bundle ? ` (${e.bundle})` : ''}\n${e.error
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}`,
    )
    .join('\n\n');
}

export const run: Handler<typeof dagsListCommand> = async (ctx, { options }) => {
  const transport = parseTransport(options.transport ?? ctx.env.MWAA_TRANSPORT);
  const envName = ctx.environment().entry.name;
  const { mwaaApi } = await import('../../../aws/mwaa.js');
  const api = mwaaApi(await (await ctx.aws()).mwaa());
  const session = await openSession({ api, envName, clock: ctx.clock, events: ctx.host.notify, signal: ctx.signal, transport });

  if (options.importErrors === true) {
    const errors = await session.airflow.importErrors();
    ctx.host.result(
      errors.map((e) => ({ filepath: e.filepath, error: e.error, ...(e.bundle ? { bundle: e.bundle } : {}) })),
      (list) => importErrorsText(list),
    );
    ctx.host.info(
      errors.length === 0 ? 'No import errors.' : `${errors.length} DAG file${errors.length === 1 ? '' : 's'} failed to import.`,
    );
    return;
  }

  const listing = await session.airflow.listDags();
  ctx.host.result(
    listing.dags.map((d) => ({
      dagId: d.dagId,
      paused: d.paused,
      schedule: d.schedule ?? null,
      owners: d.owners,
      tags: d.tags,
      fileloc: d.fileloc ?? null,
      ...(d.bundle ? { bundle: d.bundle } : {}),
    })),
    () => (listing.dags.length ? dagsTable(listing.dags, ctx.host.style) : ''),
  );
  if (listing.dags.length === 0) ctx.host.info('No DAGs.');
  if (listing.importErrors) {
    ctx.host.warn('some DAG files failed to import; see them with `mwaa dags list --import-errors`');
  }
};
