/** `mwaa dags pause <dag>` (and, through `setPaused`, `mwaa dags unpause <dag>`), on either transport. */
import { parseTransport } from '../../../core/remote/transport.js';
import type { Handler } from '../../spec.js';
import type { dagsPauseCommand } from '../../specs/remote.js';

export function setPaused(paused: boolean): Handler<typeof dagsPauseCommand> {
  return async (ctx, { args, options }) => {
    const dagId = String(args[0]);
    const transport = parseTransport(options.transport ?? ctx.env.MWAA_TRANSPORT);
    const envName = ctx.environment().entry.name;
    const [{ mwaaApi }, { openSession }] = await Promise.all([import('../../../aws/mwaa.js'), import('../../../core/remote/session.js')]);
    const api = mwaaApi(await (await ctx.aws()).mwaa());
    const session = await openSession({ api, envName, clock: ctx.clock, events: ctx.host.notify, signal: ctx.signal, transport });
    const verb = paused ? 'pause' : 'unpause';
    await ctx.mutations.send(
      {
        description: session.airflow.transport === 'rest' ? `PATCH /dags/${dagId} (${verb})` : `dags ${verb} ${dagId}`,
        next: `DAG ${dagId} stays ${verb}d`,
        hint: `${paused ? 'unpause' : 'pause'} it again with \`mwaa dags ${paused ? 'unpause' : 'pause'} ${dagId}\``,
      },
      () => (paused ? session.airflow.pause(dagId) : session.airflow.unpause(dagId)),
    );
    ctx.host.result(
      { environment: envName, dagId, paused, transport: session.airflow.transport },
      (r) => `${r.paused ? 'paused' : 'unpaused'} ${r.dagId}`,
    );
  };
}

export const run: Handler<typeof dagsPauseCommand> = setPaused(true);
