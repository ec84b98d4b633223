/**
 * `mwaa api <path> [-X METHOD] [-f key=value …] [-F key=value …] [--input file|-] [--paginate]`: one
 * Airflow REST API call through InvokeRestApi (src/core/remote/api.ts); prints the JSON answer.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { buildApiCall, runApiCall } from '../../core/remote/api.js';
import type { Context } from '../context.js';
import type { Handler } from '../spec.js';
import type { apiCommand } from '../specs/remote.js';

async function readInput(ctx: Context, source: string): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.io.streams.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return readFileSync(resolve(ctx.cwd, source), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --input ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      code: 'api.input',
    });
  }
}

export const run: Handler<typeof apiCommand> = async (ctx, { args, options }) => {
  const input = options.input;
  // everything the user typed is checked before any AWS call
  const call = buildApiCall({
    path: String(args[0]),
    method: options.method,
    rawFields: options.rawField ?? [],
    typedFields: options.field ?? [],
    inputText: input !== undefined ? await readInput(ctx, input) : undefined,
    inputSource: input === '-' ? '--input - (stdin)' : input !== undefined ? `--input ${input}` : undefined,
    paginate: options.paginate === true,
  });
  const envName = ctx.environment().entry.name;
  const [{ mwaaApi }, { RestAirflow }] = await Promise.all([import('../../aws/mwaa.js'), import('../../core/remote/rest.js')]);
  const api = mwaaApi(await (await ctx.aws()).mwaa());
  const rest = new RestAirflow({
    invoke: (r) => api.invokeRestApi(r),
    envName,
    version: undefined,
    clock: ctx.clock,
    signal: ctx.signal,
    events: ctx.host.notify,
  });
  const send = () => runApiCall((c) => rest.call(c), call, options.paginate === true);
  // a call that can change something goes through the cancellation contract: Ctrl-C before it is sent
  // changes nothing; after, the interruption says it was sent
  const value =
    call.method === 'GET'
      ? await send()
      : await ctx.mutations.send(
          {
            description: `${call.method} ${call.path}`,
            next: `Airflow applies it or not (an interrupted call is not repeated)`,
            hint: `check the result with \`mwaa api ${call.path}\``,
          },
          send,
        );
  // an answer without a body (204 No Content) prints nothing as text, `null` with --json
  ctx.host.result(value ?? null, (v) => (v === null ? '' : JSON.stringify(v, null, 2)));
};
