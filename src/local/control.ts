/**
 * The control endpoint, /_mwaa_local/... (for tests and demos; no Authorization needed):
 *
 *   GET    /_mwaa_local/health                  200 {"ok": true}
 *   POST   /_mwaa_local/faults                  {"service","operation","match"?,"after"?,"times"?,"delayMs"?,"error"?:{status,code,message?}}
 *                                               (error, delayMs or both) -> 200 {"id": "..."}; 400 {"message"} when invalid
 *   GET    /_mwaa_local/faults                  200 {"faults": [{id, spec, seen, fired}]}
 *   DELETE /_mwaa_local/faults                  clears all -> 200 {"ok": true}
 *   POST   /_mwaa_local/clock                   {"advanceSeconds": n} -> 200 {"now": <ms>, "offsetMs": <ms>}
 *   GET    /_mwaa_local/clock                   200 {"now": <ms>, "offsetMs": <ms>}
 *   *      /_mwaa_local/environments/...        the MWAA service's control handler (fail-next-update, ...)
 *   *      /_mwaa_local/airflow/...             the Airflow service's control handler (fail-task, ...)
 *
 * Errors are JSON {"message": "..."} with 400 (bad body), 404 (unknown path) or 405 (wrong method).
 */
import type { EmuRequest, EmuResponse, Handler, World } from './contract.js';
import type { SimClock } from './clock.js';
import { type FaultRegistry, parseFaultSpec } from './faults.js';

export const CONTROL_PREFIX = '/_mwaa_local/';

export function json(status: number, body: unknown): EmuResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * A POST to a per-environment control action (/_mwaa_local/<service>/<env>/<action>, the services'
 * control handlers): the decoded environment name and the JSON object body, or the answer to give
 * instead (404 unknown path, 405 not POST, 400 bad percent-encoding or body). `example` shows the body
 * expected; `emptyBody` accepts an empty body as {}.
 */
export function envControlRequest(
  req: EmuRequest,
  pattern: RegExp,
  options: { example: string; emptyBody: boolean },
): { name: string; body: Record<string, unknown> } | { response: EmuResponse } {
  const m = pattern.exec(req.rawPath);
  if (!m) return { response: json(404, { message: `unknown control endpoint ${req.method} ${req.rawPath}` }) };
  if (req.method.toUpperCase() !== 'POST')
    return { response: json(405, { message: `${req.method} not allowed on ${req.rawPath}; use POST` }) };
  let name: string;
  try {
    name = decodeURIComponent(m[1]);
  } catch {
    return { response: json(400, { message: `bad percent-encoding in environment name ${m[1]}` }) };
  }
  const text = req.body.toString('utf8');
  if (options.emptyBody && text.trim() === '') return { name, body: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { response: json(400, { message: `body is not valid JSON: ${(e as Error).message}` }) };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { response: json(400, { message: `body must be a JSON object ${options.example}` }) };
  }
  return { name, body: parsed as Record<string, unknown> };
}

function parseJsonBody(req: EmuRequest): { ok: true; value: unknown } | { ok: false; response: EmuResponse } {
  const text = req.body.toString('utf8').trim();
  if (text.length === 0) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, response: json(400, { message: `body is not valid JSON: ${(e as Error).message}` }) };
  }
}

export interface ControlDeps {
  faults: FaultRegistry;
  clock: SimClock;
  mwaaControl: Handler;
  airflowControl: Handler;
}

export function createControlHandler(deps: ControlDeps): Handler {
  return (req: EmuRequest, world: World) => {
    const path = req.rawPath.replace(/\/+$/, '');
    const rest = path.startsWith('/_mwaa_local') ? path.slice('/_mwaa_local'.length) : path;
    if (rest === '/health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed('GET');
      return json(200, { ok: true });
    }
    if (rest === '/faults') {
      if (req.method === 'DELETE') {
        deps.faults.clear();
        return json(200, { ok: true });
      }
      if (req.method === 'GET') return json(200, { faults: deps.faults.list() });
      if (req.method !== 'POST') return methodNotAllowed('GET, POST, DELETE');
      const body = parseJsonBody(req);
      if (!body.ok) return body.response;
      const spec = parseFaultSpec(body.value);
      if (typeof spec === 'string') return json(400, { message: spec });
      return json(200, { id: deps.faults.add(spec) });
    }
    if (rest === '/clock') {
      if (req.method === 'GET') return json(200, { now: deps.clock.now(), offsetMs: deps.clock.offsetMs() });
      if (req.method !== 'POST') return methodNotAllowed('GET, POST');
      const body = parseJsonBody(req);
      if (!body.ok) return body.response;
      const v = body.value as { advanceSeconds?: unknown } | null;
      const n = typeof v === 'object' && v !== null ? v.advanceSeconds : undefined;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
        return json(400, { message: 'advanceSeconds must be a number >= 0' });
      }
      deps.clock.advance(n);
      try {
        world.tick();
      } catch {
        /* surfaced by the next request to the service concerned */
      }
      return json(200, { now: deps.clock.now(), offsetMs: deps.clock.offsetMs() });
    }
    if (rest === '/environments' || rest.startsWith('/environments/')) return deps.mwaaControl(req, world);
    if (rest === '/airflow' || rest.startsWith('/airflow/')) return deps.airflowControl(req, world);
    return json(404, { message: `unknown control endpoint ${req.method} ${req.rawPath}` });
  };
}

function methodNotAllowed(allow: string): EmuResponse {
  return {
    status: 405,
    headers: { 'content-type': 'application/json', allow },
    body: JSON.stringify({ message: `method not allowed; use ${allow}` }),
  };
}
