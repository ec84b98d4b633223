/**
 * A minimal read-only Airflow UI of the emulated web server: the DAG list (paused state, import
 * errors), a grid of runs × tasks with Airflow's state colours, and a task's log per try. Server-rendered
 * HTML, no scripts, no external assets. Reached only with the `session` cookie that POST /aws_mwaa/login
 * sets after checking a web login token (sessions are signed with a per-process key and last 12 hours).
 * See README.md in this folder, "Web UI".
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { EmuRequest, EmuResponse, EnvironmentRecord, World } from '../contract.js';
import { loadDagBag } from './dagbag.js';
import { isoformat } from './dates.js';
import { logTarget, type AirflowStoreImpl, type RunRec } from './store.js';
import { streamName } from './tasklogs.js';
import { runStateAt, tiStateAt, tryNumberAt } from './timeline.js';
import { afVersion } from './versions.js';

const KEY = randomBytes(32);
const SESSION_MS = 12 * 3600 * 1000;
const HTML = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };

/** A session cookie value for an environment (signed, with its expiry on the emulator clock). */
export function newSession(envName: string, nowMs: number): string {
  const body = Buffer.from(JSON.stringify({ env: envName, exp: nowMs + SESSION_MS })).toString('base64url');
  return `${body}.${createHmac('sha256', KEY).update(body).digest('base64url')}`;
}

function sessionEnv(req: EmuRequest, nowMs: number): string | undefined {
  const cookie = req.headers.cookie ?? '';
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== 'session') continue;
    const [body, sig] = v.join('=').split('.');
    if (!body || !sig || createHmac('sha256', KEY).update(body).digest('base64url') !== sig) continue;
    try {
      const s = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { env: string; exp: number };
      if (s.exp > nowMs) return s.env;
    } catch {
      // not ours
    }
  }
  return undefined;
}

/** The paths of the UI (routed to the Airflow web server when the request carries a session cookie). */
export function isUiPath(path: string): boolean {
  return path === '/' || path === '/home' || path.startsWith('/dags/');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const enc = encodeURIComponent;

/** Airflow's state colours (airflow/settings.py STATE_COLORS). */
export const STATE_COLORS: Record<string, string> = {
  deferred: 'mediumpurple',
  failed: 'red',
  queued: 'gray',
  removed: 'lightgrey',
  restarting: 'violet',
  running: 'lime',
  scheduled: 'tan',
  skipped: 'hotpink',
  success: 'green',
  up_for_reschedule: 'turquoise',
  up_for_retry: 'gold',
  upstream_failed: 'orange',
  none: 'white',
};

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;color:#222}header{background:#017cee;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}main{padding:16px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:14px}
th{background:#f4f4f4}table{margin-bottom:12px}.state{display:inline-block;min-width:14px;height:14px;border:1px solid #999;border-radius:3px;vertical-align:middle}
.badge{padding:1px 6px;border-radius:8px;font-size:12px}.paused{background:#eee}.active{background:#cfe8ff}.err{background:#fde2e2;white-space:pre-wrap;font-family:monospace;font-size:12px}
pre{background:#111;color:#eee;padding:12px;overflow:auto;font-size:12px}.legend span{margin-right:10px;font-size:12px}.grid td.cell{text-align:center;padding:2px}`;

function layout(title: string, envName: string, body: string): EmuResponse {
  return {
    status: 200,
    headers: HTML,
    body: `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${esc(title)} - Airflow</title><style>${STYLE}</style></head>\n<body>\n<header><a href="/home">Airflow</a><span>${esc(envName)}</span><span>(mwaa local emulator, read-only)</span></header>\n<main>\n${body}\n</main>\n</body>\n</html>\n`,
  };
}

function stateBox(state: string | null, title: string, href?: string): string {
  const s = state ?? 'none';
  const box = `<span class="state" data-state="${esc(s)}" title="${esc(title)}" style="background:${STATE_COLORS[s] ?? 'white'}"></span>`;
  return href ? `<a href="${href}">${box}</a>` : box;
}

function legend(): string {
  return `<p class="legend">${Object.entries(STATE_COLORS)
    .map(([s, c]) => `<span><span class="state" style="background:${c}"></span> ${s}</span>`)
    .join('')}</p>`;
}

function notFound(envName: string, what: string): EmuResponse {
  return { ...layout('Not found', envName, `<h1>Not found</h1><p>${esc(what)}</p>`), status: 404 };
}

/** The UI's answer to a GET/HEAD, or undefined when the request has no valid session (the caller answers). */
export function handleUi(req: EmuRequest, world: World, store: AirflowStoreImpl, path: string): EmuResponse | undefined {
  const nowMs = world.clock.now();
  const envName = sessionEnv(req, nowMs);
  if (!envName) return undefined;
  const rec = world.mwaa.getEnvironment(envName);
  if (!rec) return notFound(envName, `The environment ${envName} no longer exists.`);
  if (path === '/' || path === '/home') return home(world, store, rec);
  const m = /^\/dags\/([^/]+)\/grid$/.exec(path);
  if (m) return grid(world, store, rec, decodeURIComponent(m[1]));
  const l = /^\/dags\/([^/]+)\/runs\/([^/]+)\/tasks\/([^/]+)\/log$/.exec(path);
  if (l) return taskLog(store, rec, decodeURIComponent(l[1]), decodeURIComponent(l[2]), decodeURIComponent(l[3]), req.query);
  return notFound(envName, `No page at ${path}.`);
}

function home(world: World, store: AirflowStoreImpl, rec: EnvironmentRecord): EmuResponse {
  const v = afVersion(String(rec.AirflowVersion ?? ''));
  const bag = loadDagBag(world, rec, v);
  store.seeDags(rec, bag, v);
  const e = store.env(rec);
  const now = store.nowUs();
  const ids = [...new Set([...bag.dags.keys()])].sort();
  const rows = ids
    .map((id) => {
      const d = bag.dags.get(id)!;
      const paused = store.isPaused(e, id, now);
      const runs = e.runs.filter((r) => r.dagId === id);
      const last = runs[runs.length - 1];
      const lastState = last ? runStateAt(store.timeline(rec.Name, e, last), now) : null;
      const schedule = d.schedule.kind === 'cron' ? d.schedule.expr : d.schedule.kind;
      return `<tr data-dag-id="${esc(id)}"><td><a href="/dags/${enc(id)}/grid">${esc(id)}</a></td><td><span class="badge ${paused ? 'paused' : 'active'}" data-paused="${paused}">${paused ? 'paused' : 'active'}</span></td><td>${esc(schedule)}</td><td>${esc(d.owner)}</td><td>${runs.length}</td><td>${last ? `${stateBox(lastState, lastState ?? 'none')} ${esc(lastState ?? '')} <small>${esc(last.runId)}</small>` : ''}</td></tr>`;
    })
    .join('\n');
  const errors = bag.errors.length
    ? `<h2>Import errors (${bag.errors.length})</h2><table id="import-errors"><tr><th>File</th><th>Error</th></tr>${bag.errors
        .map((x) => `<tr><td>${esc(x.relPath)}</td><td class="err">${esc(x.error)}</td></tr>`)
        .join('')}</table>`
    : '';
  // below the list, the grid of the DAG that ran last (so one page shows both)
  const latest = [...e.runs].reverse().find((r) => bag.dags.has(r.dagId));
  const latestGrid = latest
    ? `<h2>Grid: <a href="/dags/${enc(latest.dagId)}/grid">${esc(latest.dagId)}</a></h2>\n${gridTable(world, store, rec, latest.dagId)}\n${legend()}`
    : '';
  return layout(
    'DAGs',
    rec.Name,
    `<h1>DAGs</h1>\n<p>Airflow ${esc(String(rec.AirflowVersion ?? ''))}; simulated time ${esc(isoformat(Math.floor(now / 1e6) * 1e6))}</p>\n${errors}\n<table id="dags"><tr><th>DAG</th><th>State</th><th>Schedule</th><th>Owner</th><th>Runs</th><th>Last run</th></tr>\n${rows}\n</table>\n${latestGrid}`,
  );
}

function grid(world: World, store: AirflowStoreImpl, rec: EnvironmentRecord, dagId: string): EmuResponse {
  const e = store.env(rec);
  if (!e.dags[dagId]) return notFound(rec.Name, `DAG ${dagId} is not in the database.`);
  const paused = store.isPaused(e, dagId, store.nowUs());
  return layout(
    `${dagId} grid`,
    rec.Name,
    `<h1>DAG: ${esc(dagId)} <span class="badge ${paused ? 'paused' : 'active'}">${paused ? 'paused' : 'active'}</span></h1>\n<p><a href="/home">All DAGs</a></p>\n${gridTable(world, store, rec, dagId)}\n${legend()}`,
  );
}

/** The grid of a DAG's latest 25 runs (columns) × its tasks (rows); mapped tasks show one box per map index. */
function gridTable(world: World, store: AirflowStoreImpl, rec: EnvironmentRecord, dagId: string): string {
  const e = store.env(rec);
  const now = store.nowUs();
  const runs = e.runs.filter((r) => r.dagId === dagId).slice(-25);
  const bag = loadDagBag(world, rec, afVersion(String(rec.AirflowVersion ?? '')));
  const taskIds = bag.dags.get(dagId)
    ? [...bag.dags.get(dagId)!.tasks.keys()]
    : [...new Set(runs.flatMap((r) => r.tasks.map((t) => t.id)))];
  const head = runs
    .map((r) => {
      const st = runStateAt(store.timeline(rec.Name, e, r), now);
      return `<th data-run-id="${esc(r.runId)}" data-state="${st}" title="${esc(r.runId)}">${stateBox(st, `${r.runId}: ${st}`)}<br><small>${esc(r.runId)}</small></th>`;
    })
    .join('');
  const body = taskIds
    .map((taskId) => {
      const cells = runs
        .map((r) => {
          const tl = store.timeline(rec.Name, e, r);
          const maps = tl.maps.get(taskId);
          const tis = maps ?? (tl.tis.get(taskId) ? [tl.tis.get(taskId)!] : []);
          if (!tis.length) return '<td class="cell"></td>';
          const boxes = tis
            .map((ti) => {
              const st = tiStateAt(ti, now);
              const n = Math.max(1, tryNumberAt(ti, now));
              const q = `?try=${n}${ti.mapIndex >= 0 ? `&map_index=${ti.mapIndex}` : ''}`;
              return stateBox(
                st,
                `${taskId}${ti.mapIndex >= 0 ? `[${ti.mapIndex}]` : ''}: ${st ?? 'no status'} (try ${n})`,
                `/dags/${enc(dagId)}/runs/${enc(r.runId)}/tasks/${enc(taskId)}/log${q}`,
              );
            })
            .join('');
          const st = tiStateAt(tl.tis.get(taskId), now);
          return `<td class="cell" data-task-id="${esc(taskId)}" data-run-id="${esc(r.runId)}" data-state="${st ?? 'none'}">${boxes}</td>`;
        })
        .join('');
      return `<tr><th>${esc(taskId)}</th>${cells}</tr>`;
    })
    .join('\n');
  return runs.length
    ? `<table class="grid" id="grid" data-dag-id="${esc(dagId)}"><tr><th>Task \\ Run</th>${head}</tr>\n${body}\n</table>`
    : `<p id="grid" data-dag-id="${esc(dagId)}">No runs yet.</p>`;
}

function taskLog(
  store: AirflowStoreImpl,
  rec: EnvironmentRecord,
  dagId: string,
  runId: string,
  taskId: string,
  query: URLSearchParams,
): EmuResponse {
  const e = store.env(rec);
  const run: RunRec | undefined = e.runs.find((r) => r.dagId === dagId && r.runId === runId);
  if (!run?.tasks.some((t) => t.id === taskId)) return notFound(rec.Name, `No task ${taskId} in run ${runId} of ${dagId}.`);
  const tryNumber = Math.max(1, Number(query.get('try') ?? 1) || 1);
  const mapIndex = query.has('map_index') ? Number(query.get('map_index')) : -1;
  const tl = store.timeline(rec.Name, e, run);
  const ti = mapIndex >= 0 ? tl.maps.get(taskId)?.[mapIndex] : tl.tis.get(taskId);
  const now = store.nowUs();
  const tries = ti ? ti.attempts.filter((a) => a.queued <= now).map((a) => a.n) : [];
  const target = logTarget(rec, 'TaskLogs');
  const stream = streamName(dagId, runId, taskId, tryNumber, mapIndex);
  const attempt = ti?.attempts.find((a) => a.n === tryNumber);
  const task = run.tasks.find((t) => t.id === taskId)!;
  const events =
    target.enabled && ti && attempt ? store.attemptLines(rec.Name, run, task, ti, attempt, target.level).filter((x) => x.ts <= now) : [];
  const links = tries
    .map((n) =>
      n === tryNumber ? `<strong>try ${n}</strong>` : `<a href="?try=${n}${mapIndex >= 0 ? `&map_index=${mapIndex}` : ''}">try ${n}</a>`,
    )
    .join(' · ');
  const text = !target.enabled
    ? 'Task logs are disabled for this environment.'
    : events.length
      ? events.map((x) => x.message).join('\n')
      : 'No log yet.';
  const st = tiStateAt(ti, now);
  return layout(
    `${taskId} log`,
    rec.Name,
    `<h1>${esc(dagId)} / ${esc(runId)} / ${esc(taskId)}${mapIndex >= 0 ? `[${mapIndex}]` : ''}</h1>\n<p><a href="/dags/${enc(dagId)}/grid">Grid</a> · state ${stateBox(st, st ?? 'none')} <span id="ti-state">${esc(st ?? 'none')}</span> · ${links}</p>\n<p><small>${esc(target.group)} / ${esc(stream)}</small></p>\n<pre id="log">${esc(text)}</pre>`,
  );
}
