/**
 * @aws-sdk/client-mwaa 3.523.0 (the newest on the registry) silently drops MinWebservers, MaxWebservers
 * and WorkerReplacementStrategy from CreateEnvironment/UpdateEnvironment, though the MWAA API has them.
 * A middleware at the build step copies them from the command input into the JSON body; signing runs
 * after it, so the request stays valid.
 */
import type { MWAAClient } from '@aws-sdk/client-mwaa';

export const DROPPED_FIELDS = ['MinWebservers', 'MaxWebservers', 'WorkerReplacementStrategy'] as const;
const OPERATIONS: Record<string, readonly string[]> = {
  CreateEnvironmentCommand: ['MinWebservers', 'MaxWebservers'],
  UpdateEnvironmentCommand: DROPPED_FIELDS,
};

export function addDroppedMwaaFields(client: MWAAClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const fields = OPERATIONS[(context as { commandName?: string }).commandName ?? ''];
      const input = args.input as Record<string, unknown>;
      const request = args.request as { body?: unknown; headers?: Record<string, string> } | undefined;
      if (fields && request && typeof request.body === 'string') {
        const extra = Object.fromEntries(fields.filter((f) => input[f] !== undefined).map((f) => [f, input[f]]));
        if (Object.keys(extra).length > 0) {
          const body = { ...(JSON.parse(request.body || '{}') as Record<string, unknown>), ...extra };
          request.body = JSON.stringify(body);
          if (request.headers) {
            for (const name of Object.keys(request.headers)) {
              if (name.toLowerCase() === 'content-length') request.headers[name] = String(Buffer.byteLength(request.body as string));
            }
          }
        }
      }
      return next(args);
    },
    { step: 'build', name: 'mwaaDroppedFields', priority: 'low' },
  );
}
