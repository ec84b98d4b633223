/**
 * Every message the core (and the command handlers) can report, declared once: its code, its level and
 * the type of its data. Code calls `notify(msg(code, data, text))`; `data` is checked against the code,
 * and a consumer that switches on `message.code` gets the payload's type without a cast.
 *
 * The JSON form of a message is `{time, code, level, message, data}` (data left out when a code has
 * none): `--json` consumers and tests key off the codes, which are stable, not off the text.
 *
 * Questions are declared the same way: `await request(question)` asks one, and the host answers it (a
 * prompt on a terminal; `--yes`; or it fails closed naming `--yes`).
 */
import type { ArtifactKind } from './deploy/records.js';
import type { LockBody } from './deploy/lock.js';
import type { PlanJson } from './deploy/plan.js';
import type { PipFailure } from './deploy/pip.js';
import type { RollbackPlan } from './deploy/rollback.js';
import type { StatusChangedData } from './env/wait.js';
import type { TaskAddress } from './logs/address.js';

export type MessageLevel = 'debug' | 'info' | 'warn' | 'progress';

/** What a failed deploy's rollback reports (also the error's details). */
export interface RollbackOutcomeData {
  release: string;
  reason: string;
  restoredKeys: number;
  envRepinned: ArtifactKind[];
  pip?: PipFailure;
  left?: string[];
}

/** The last record of `trigger --wait --json`: the run as it ended. */
export interface RunFinishedData {
  environment: string;
  dagId: string;
  runId: string;
  state: string;
  succeeded: boolean;
  waitedMs: number;
  url: string;
  [key: string]: unknown;
}

/** The data of every message, by code (`undefined`: the message has no data). */
export interface Payloads {
  // deploy: plans, the lock, the release transaction and its rollback
  'deploy.preflight.warning': { code: string };
  'deploy.plan': { plan: PlanJson; planMs: number };
  'deploy.plan.final': { counts: PlanJson['counts'] };
  'deploy.unfinished': { releases: string[] };
  'deploy.lock.taken-over': { holder: LockBody; reason: string };
  'deploy.lock.acquired': { bucket: string };
  'deploy.lock.lost': { holder?: LockBody };
  'deploy.lock.renew-failed': Record<string, never>;
  'deploy.lock.released': { bucket: string };
  'deploy.lock.release-failed': Record<string, never>;
  'deploy.recover.started': { id: string };
  'deploy.recover.done': { id: string };
  'deploy.journal.written': { id: string };
  'deploy.phase': { phase: string };
  'deploy.artifact.uploaded': { kind: ArtifactKind; key: string; versionId: string };
  'deploy.env.update.started': { name: string };
  'deploy.upload.done': { key: string; done: number; total: number; bytesDone: number; bytesTotal: number };
  'deploy.delete.done': { key: string; done: number; total: number };
  'deploy.committed': { id: string };
  'deploy.restore.done': { restored: number; left: number };
  'deploy.record.failed': { id: string };
  'deploy.rollback.plan': { plan: RollbackPlan };
  'deploy.rollback.started': { id: string; reason: string };
  'deploy.rollback.kept': { key: string };
  'deploy.rollback.step': { count?: number; status?: string; kinds?: ArtifactKind[] };
  'deploy.rollback.unremovable': { kind: ArtifactKind; path?: string; version?: string };
  'deploy.rollback.done': RollbackOutcomeData;
  'deploy.rollback.incomplete': RollbackOutcomeData;
  // environments
  'env.status.changed': StatusChangedData;
  'env.status.pending': { name: string };
  'env.wait.retry': { name: string; attempt: number };
  'env.create.started': { name: string; bucket: string; region?: string };
  'env.update.started': { name: string; fields: string[] };
  'env.delete.started': { name: string };
  'env.tags.set': { name: string; tags: Record<string, string> };
  'env.tags.removed': { name: string; keys: string[] };
  'env.config.warning': { field: string };
  'env.bucket.check': { bucket: string };
  'env.bucket.created': { bucket: string };
  // logs
  'logs.env.missing': { env: string };
  'logs.run.remote-failed': undefined;
  'logs.run.latest': { dagId: string; runId: string; state?: string; newest?: string };
  'logs.waiting': TaskAddress;
  'logs.throttled': { group?: string; backoffMs: number };
  'logs.group.missing': { group: string };
  'logs.follow.start': { sources: Array<{ group: string; prefix?: string }> };
  'logs.none': { description: string };
  // the remote Airflow CLI and DAG runs
  'remote.env.update-failed': undefined;
  'remote.token.minted': undefined;
  'remote.token.renew': undefined;
  'remote.request': { attempt: number };
  'remote.response': { status: number };
  'remote.error': undefined;
  'remote.retry': undefined;
  'remote.transport': { transport: 'rest' | 'cli'; fallback: boolean };
  'remote.transport.fallback': { from: 'rest'; to: 'cli'; reason?: string };
  // the REST API (InvokeRestApi)
  'rest.request': { method: string; path: string; query?: Record<string, unknown> };
  'rest.response': { method: string; path: string; status: number };
  'trigger.retry': undefined;
  'trigger.dag.unpaused': { dagId: string };
  'trigger.dag.paused': { dagId: string };
  'trigger.run.created': { dagId: string; runId: string; state?: string };
  'trigger.run.url': { url: string };
  'trigger.task.state': {
    dagId: string;
    runId: string;
    taskId: string;
    mapIndex?: number;
    state: string;
    previous?: string;
    durationMs?: number;
  };
  'trigger.run.state': { dagId: string; runId: string; state: string; previous?: string };
  'trigger.poll': undefined;
  'trigger.run.finished': RunFinishedData;
  // mwaa check, and the check and verify of dags push
  'check.finding': { level: 'error' | 'warning'; code: string; file: string; line?: number };
  'check.skipped': { area: string; what: string; reason: string };
  'check.done': { errors: number; warnings: number; skipped: number; durationMs: number };
  'verify.waiting': { environment: string; waitMs: number };
  'verify.import-errors': { count: number; added: string[] };
  'verify.done': { importErrors: number; added: number };
  // the project and the command line
  'init.file.written': { path: string };
  'cli.warning': undefined;
  'local.busy.waiting': { pid: number };
  'releases.no-environment': { environment: string; bucket: string };
  'local.stopped': { stateDir: string };
}

export type MessageCode = keyof Payloads;

/** The level of every message. */
export const LEVELS: { readonly [C in MessageCode]: MessageLevel } = {
  'deploy.preflight.warning': 'warn',
  'deploy.plan': 'info',
  'deploy.plan.final': 'debug',
  'deploy.unfinished': 'warn',
  'deploy.lock.taken-over': 'warn',
  'deploy.lock.acquired': 'debug',
  'deploy.lock.lost': 'warn',
  'deploy.lock.renew-failed': 'warn',
  'deploy.lock.released': 'debug',
  'deploy.lock.release-failed': 'warn',
  'deploy.recover.started': 'warn',
  'deploy.recover.done': 'info',
  'deploy.journal.written': 'debug',
  'deploy.phase': 'info',
  'deploy.artifact.uploaded': 'info',
  'deploy.env.update.started': 'info',
  'deploy.upload.done': 'progress',
  'deploy.delete.done': 'progress',
  'deploy.committed': 'info',
  'deploy.restore.done': 'debug',
  'deploy.record.failed': 'warn',
  'deploy.rollback.plan': 'info',
  'deploy.rollback.started': 'warn',
  'deploy.rollback.kept': 'warn',
  'deploy.rollback.step': 'info',
  'deploy.rollback.unremovable': 'warn',
  'deploy.rollback.done': 'info',
  'deploy.rollback.incomplete': 'warn',
  'env.status.changed': 'info',
  'env.status.pending': 'warn',
  'env.wait.retry': 'warn',
  'env.create.started': 'info',
  'env.update.started': 'info',
  'env.delete.started': 'info',
  'env.tags.set': 'info',
  'env.tags.removed': 'info',
  'env.config.warning': 'warn',
  'env.bucket.check': 'debug',
  'env.bucket.created': 'info',
  'logs.env.missing': 'warn',
  'logs.run.remote-failed': 'debug',
  'logs.run.latest': 'info',
  'logs.waiting': 'warn',
  'logs.throttled': 'warn',
  'logs.group.missing': 'debug',
  'logs.follow.start': 'debug',
  'logs.none': 'info',
  'remote.env.update-failed': 'warn',
  'remote.token.minted': 'debug',
  'remote.token.renew': 'debug',
  'remote.request': 'debug',
  'remote.response': 'debug',
  'remote.error': 'debug',
  'remote.retry': 'debug',
  'remote.transport': 'debug',
  'remote.transport.fallback': 'warn',
  'rest.request': 'debug',
  'rest.response': 'debug',
  'trigger.retry': 'debug',
  'trigger.dag.unpaused': 'info',
  'trigger.dag.paused': 'warn',
  'trigger.run.created': 'info',
  'trigger.run.url': 'info',
  'trigger.task.state': 'progress',
  'trigger.run.state': 'progress',
  'trigger.poll': 'debug',
  'trigger.run.finished': 'info',
  'check.finding': 'warn',
  'check.skipped': 'info',
  'check.done': 'info',
  'verify.waiting': 'info',
  'verify.import-errors': 'warn',
  'verify.done': 'info',
  'init.file.written': 'info',
  'cli.warning': 'warn',
  'local.busy.waiting': 'info',
  'releases.no-environment': 'warn',
  'local.stopped': 'info',
};

/** One message of code C: the JSON form of an event. */
export interface Message<C extends MessageCode = MessageCode> {
  code: C;
  level: MessageLevel;
  /** one human-readable line */
  message: string;
  /** absent for codes without data */
  data: Payloads[C];
  /** milliseconds since the epoch, filled by the host when absent */
  time?: number;
}

/** Any message, as a union discriminated by `code` (what consumers switch on). */
export type AnyMessage = { [C in MessageCode]: Message<C> }[MessageCode];

/** Makes a message: the level comes from the registry, `data` is checked against the code. */
export function msg<C extends MessageCode>(code: C, data: Payloads[C], text: string): Message<C> {
  return (
    data === undefined ? { code, level: LEVELS[code], message: text } : { code, level: LEVELS[code], message: text, data }
  ) as Message<C>;
}

/** Where the core reports to. */
export type Notify = (message: AnyMessage) => void;

/** A notify that drops everything (for callers that do not care). */
export const noNotify: Notify = () => {};

/** A notify that keeps every message, for tests. */
export function recordMessages(): { notify: Notify; messages: AnyMessage[] } {
  const messages: AnyMessage[] = [];
  return { notify: (m) => messages.push(m), messages };
}

// ---------------------------------------------------------------------------------------------------
// Questions

/** The data of every question, by code. Every answer is yes (true) or no (false); the default is no. */
export interface QuestionPayloads {
  /** a yes/no confirmation */
  confirm: undefined;
  /** a push would overwrite objects changed outside mwaa */
  'deploy.drift': { count: number; keys: string[] };
  /** deleting an environment: the user types its name */
  'env.delete': { name: string; status: string; airflowVersion?: string };
}

export type QuestionCode = keyof QuestionPayloads;

export interface Question<C extends QuestionCode = QuestionCode> {
  code: C;
  /** the question as asked (a yes/no one ends with "?") */
  text: string;
  data: QuestionPayloads[C];
  /** the answer when nobody is asked: always no */
  default: false;
}

export type AnyQuestion = { [C in QuestionCode]: Question<C> }[QuestionCode];

/** Makes a question (default: no). */
export function question<C extends QuestionCode>(code: C, data: QuestionPayloads[C], text: string): Question<C> {
  return { code, text, data, default: false } as Question<C>;
}

/** Asks a question; throws AbortedError (naming `--yes`) when nobody can answer. */
export type Request = (question: AnyQuestion) => Promise<boolean>;
