/**
 * The Airflow web server of the local emulator: MWAA's `/aws_mwaa/cli` endpoint (and the web login
 * pages), the simulated Airflow behind it, and the `/_mwaa_local/airflow/...` control endpoint.
 * See README.md in this folder for what is emulated and how.
 */
import type { AirflowStore, EmuRequest, EmuResponse, Handler, World } from '../contract.js';
import { envControlRequest, json } from '../control.js';
import { answerWithFault } from '../faults.js';
import { allowedCommand, runCli } from './commands.js';
import { shlexSplit, ShlexError } from './shlex.js';
import { invokeRestApi } from './restapi.js';
import { AirflowStoreImpl, SERVING_STATUSES } from './store.js';
import { handleUi, isUiPath, newSession } from './ui.js';
import { afVersion } from './versions.js';

export { AirflowStoreImpl } from './store.js';
export { shlexSplit, shlexQuote } from './shlex.js';

export function createAirflowStore(world: World): AirflowStore {
  return new AirflowStoreImpl(world, invokeRestApi);
}

export { SERVING_STATUSES } from './store.js';

function storeOf(world: World): AirflowStoreImpl {
  const s = world.airflow;
  if (!(s instanceof AirflowStoreImpl)) throw new Error('world.airflow is not the emulator Airflow store');
  return s;
}

const HTML = { 'content-type': 'text/html; charset=utf-8' };

/** The error pages of the Flask/Werkzeug web server. */
const PAGES: Record<number, [string, string]> = {
  400: ['Bad Request', 'The browser (or proxy) sent a request that this server could not understand.'],
  401: [
    'Unauthorized',
    'The server could not verify that you are authorized to access the URL requested. You either supplied the wrong credentials (e.g. a bad password), or your browser doesn&#39;t understand how to supply the credentials required.',
  ],
  403: [
    'Forbidden',
    'You don&#39;t have the permission to access the requested resource. It is either read-protected or not readable by the server.',
  ],
  404: [
    'Not Found',
    'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
  ],
  405: ['Method Not Allowed', 'The method is not allowed for the requested URL.'],
  500: [
    'Internal Server Error',
    'The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.',
  ],
};

function page(status: number, headers: Record<string, string> = {}, detail?: string): EmuResponse {
  if (status === 502 || status === 503 || status === 504) {
    const title = status === 503 ? '503 Service Temporarily Unavailable' : status === 502 ? '502 Bad Gateway' : '504 Gateway Time-out';
    return {
      status,
      headers: { ...HTML, ...headers },
      body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`,
    };
  }
  const [title, text] = PAGES[status] ?? [`Error ${status}`, detail ?? ''];
  return {
    status,
    headers: { ...HTML, ...headers },
    body: `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${detail ?? text}</p>\n`,
  };
}

function bearer(req: EmuRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

function cli(req: EmuRequest, world: World): EmuResponse | Promise<EmuResponse> {
  const token = bearer(req);
  if (!token) return page(401, { 'www-authenticate': 'Bearer' });
  const who = world.mwaa.environmentForToken(token, 'cli');
  if ('error' in who) return page(403, { 'x-mwaa-local-reason': `${who.error} token` });
  const rec = world.mwaa.getEnvironment(who.name);
  if (!rec || !SERVING_STATUSES.has(String(rec.Status))) {
    return page(503, { 'x-mwaa-local-reason': `environment ${who.name} is ${rec ? String(rec.Status) : 'gone'}` });
  }
  const text = req.body.toString('utf8');
  const v = afVersion(String(rec.AirflowVersion ?? ''));
  let argv: string[];
  try {
    argv = shlexSplit(text);
  } catch (e) {
    if (e instanceof ShlexError) return page(500, { 'x-mwaa-local-reason': `command line: ${e.message}` });
    throw e;
  }
  const command = allowedCommand(v, argv);
  return answerWithFault(
    world,
    world.faults.check('airflow', 'cli', { Environment: who.name, Command: command ?? argv.slice(0, 2).join(' '), Body: text }),
    (fault) => page(fault.status, { 'x-mwaa-local-fault': fault.code }, fault.message),
    () => {
      if (!command) return page(500, { 'x-mwaa-local-reason': 'command not supported by MWAA' });
      // after a delay the environment may have changed (updated, deleted): run against it as it is now
      const now = world.mwaa.getEnvironment(who.name);
      if (!now || !SERVING_STATUSES.has(String(now.Status))) {
        return page(503, { 'x-mwaa-local-reason': `environment ${who.name} is ${now ? String(now.Status) : 'gone'}` });
      }
      const store = storeOf(world);
      const result = runCli({ world, store, rec: now, v }, argv);
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-mwaa-local-exit-code': String(result.exitCode) },
        body: JSON.stringify({
          stderr: Buffer.from(result.stderr, 'utf8').toString('base64'),
          stdout: Buffer.from(result.stdout, 'utf8').toString('base64'),
        }),
      };
    },
  );
}

const SSO_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Airflow (mwaa local emulator)</title></head>
<body>
<p id="status">Signing in to Airflow...</p>
<form id="login" method="POST" action="/aws_mwaa/login"><input type="hidden" name="token" id="token"></form>
<script>
  var token = window.location.hash.slice(1);
  if (token) { document.getElementById('token').value = token; document.getElementById('login').submit(); }
  else { document.getElementById('status').textContent = 'No web login token in the URL (expected /aws_mwaa/aws-console-sso?login=true#<WebToken>).'; }
</script>
</body>
</html>
`;

function login(req: EmuRequest, world: World): EmuResponse {
  const form = new URLSearchParams(req.body.toString('utf8'));
  const token = form.get('token') ?? '';
  if (!token) return page(400);
  const who = world.mwaa.environmentForToken(token, 'web');
  if ('error' in who) return page(403, { 'x-mwaa-local-reason': `${who.error} token` });
  const rec = world.mwaa.getEnvironment(who.name);
  if (!rec || !SERVING_STATUSES.has(String(rec.Status))) return page(503);
  const session = newSession(who.name, world.clock.now());
  return {
    status: 200,
    headers: { ...HTML, 'set-cookie': `session=${session}; HttpOnly; Path=/; SameSite=Lax; Max-Age=43200` },
    body: `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=/home"><title>Airflow - ${who.name}</title></head>\n<body>\n<h1>Signed in to ${who.name}</h1>\n<p>Airflow ${String(rec.AirflowVersion)} (simulated by the mwaa local emulator). <a href="/home">Open the DAG list</a>.</p>\n</body>\n</html>\n`,
  };
}

/** The UI without a valid session: MWAA signs browsers in only through a web login token. */
function signInPage(): EmuResponse {
  return {
    status: 403,
    headers: { ...HTML, 'x-mwaa-local-reason': 'no valid web login session' },
    body: `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Airflow - sign in</title></head>\n<body>\n<h1>Not signed in</h1>\n<p id="sign-in">The Airflow UI signs you in with a web login token (CreateWebLoginToken): run <code>mwaa open</code>, or open the URL <code>mwaa open --print</code> prints within 60 seconds.</p>\n</body>\n</html>\n`,
  };
}

/** The Airflow web server's answer to what a handler throws. */
function answerAirflowError(e: unknown): EmuResponse {
  return page(500, {
    'x-mwaa-local-reason': `emulator error: ${String((e as Error)?.message ?? e)
      .slice(0, 200)
      .replace(/[\r\n]/g, ' ')}`,
  });
}

export const handleAirflow: Handler = (req: EmuRequest, world: World): EmuResponse | Promise<EmuResponse> => {
  try {
    try {
      storeOf(world).tick(world.clock.now());
    } catch {
      // progress is retried on the next request
    }
    const path = req.rawPath.replace(/\/+$/, '') || '/';
    const method = req.method.toUpperCase();
    if (path === '/aws_mwaa/cli') {
      if (method !== 'POST') return page(405, { allow: 'POST' });
      const out = cli(req, world);
      return out instanceof Promise ? out.catch(answerAirflowError) : out;
    }
    if (path === '/aws_mwaa/aws-console-sso') {
      if (method !== 'GET' && method !== 'HEAD') return page(405, { allow: 'GET, HEAD' });
      return { status: 200, headers: HTML, body: SSO_PAGE };
    }
    if (path === '/aws_mwaa/login') {
      if (method !== 'POST') return page(405, { allow: 'POST' });
      return login(req, world);
    }
    if (isUiPath(path)) {
      if (method !== 'GET' && method !== 'HEAD') return page(405, { allow: 'GET, HEAD' });
      return handleUi(req, world, storeOf(world), path) ?? signInPage();
    }
    return page(404);
  } catch (e) {
    return answerAirflowError(e);
  }
};

export const handleAirflowControl: Handler = (req: EmuRequest, world: World): EmuResponse => {
  try {
    const parsed = envControlRequest(req, /^\/_mwaa_local\/airflow\/([^/]+)\/fail-task\/?$/, {
      example: '{"dagId": "...", "taskId": "..."}',
      emptyBody: false,
    });
    if ('response' in parsed) return parsed.response;
    const { name, body } = parsed;
    const { dagId, taskId, message, times } = body;
    if (typeof dagId !== 'string' || !dagId) return json(400, { message: 'dagId must be a non-empty string' });
    if (typeof taskId !== 'string' || !taskId) return json(400, { message: 'taskId must be a non-empty string' });
    if (message !== undefined && (typeof message !== 'string' || !message))
      return json(400, { message: 'message must be a non-empty string when given' });
    if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1))
      return json(400, { message: 'times must be a positive integer when given' });
    const rec = world.mwaa.getEnvironment(name);
    if (!rec) return json(404, { message: `environment ${name} not found` });
    const store = storeOf(world);
    store.tick(world.clock.now());
    const why =
      (message as string | undefined) ??
      `Task ${taskId} of DAG ${dagId} was made to fail by the mwaa local emulator (POST /_mwaa_local/airflow/${name}/fail-task)`;
    const runId = store.failTask(name, rec, dagId, taskId, why, times as number | undefined);
    return json(200, { ok: true, dagId, taskId, runId, ...(times !== undefined ? { times } : {}) });
  } catch (e) {
    return json(500, { message: (e as Error)?.message ?? String(e) });
  }
};
