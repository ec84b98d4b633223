/**
 * Injected faults (POST /_mwaa_local/faults). In memory only: a restart clears them.
 *
 * Matching: a call matches a fault when service and operation are equal (operation "*" matches every
 * operation of the service) and every field of `match` equals the call's field of the same name
 * (primitives are compared as strings, so {"MaxKeys": 5} matches "5"; objects/arrays by JSON).
 * Each fault counts the matching calls it has seen: the first `after` of them pass, the next `times`
 * are affected, then the fault is gone. When several faults are ready to fire on one call, the oldest
 * fires (and only it uses up one of its `times`); every matching fault still counts the call.
 *
 * A fault that fires makes the call wait `delayMs` of real time (a fault without delayMs: none), then
 * answer `error`, or, for a delay-only fault, be served normally. The wait holds that one request:
 * the server keeps serving the others meanwhile, and the delayed call is served against the state as
 * it is after the wait (so a test can make one process's call land after another's).
 */
import { randomBytes } from 'node:crypto';
import type { EmuResponse, FaultHit, FaultSpec, Faults, ServiceName, World } from './contract.js';

const SERVICES: readonly ServiceName[] = ['s3', 'logs', 'mwaa', 'airflow'];
/** the longest delay a fault may ask for (10 minutes): longer is a mistake, not a latency */
export const MAX_DELAY_MS = 600_000;

interface ActiveFault {
  id: string;
  spec: FaultSpec;
  seen: number;
  fired: number;
}

export interface FaultInfo {
  id: string;
  spec: FaultSpec;
  /** matching calls seen so far */
  seen: number;
  /** calls it applied to so far (failed, delayed, or both) */
  fired: number;
}

export interface FaultRegistry extends Faults {
  list(): FaultInfo[];
  /** ends every pending wait() (they reject) and makes later ones reject at once: the emulator is closing */
  close(): void;
}

/** wait() rejects with this when the emulator closes during a delay. */
export class FaultDelayAborted extends Error {
  constructor() {
    super('mwaa local: the emulator closed during an injected delay');
  }
}

export function createFaults(): FaultRegistry {
  let faults: ActiveFault[] = [];
  // delays in progress, so that close() can end them instead of waiting (or serving after the close)
  const waits = new Set<{ timer: NodeJS.Timeout; abort: () => void }>();
  let closed = false;
  return {
    add(spec: FaultSpec): string {
      const checked = parseFaultSpec(spec);
      if (typeof checked === 'string') throw new TypeError(checked);
      const id = `fault-${randomBytes(6).toString('hex')}`;
      faults.push({ id, spec: checked, seen: 0, fired: 0 });
      return id;
    },
    clear(): void {
      faults = [];
    },
    check(service: ServiceName, operation: string, fields: Record<string, unknown>): FaultHit | undefined {
      let hit: ActiveFault | undefined;
      for (const f of faults) {
        if (f.spec.service !== service) continue;
        if (f.spec.operation !== '*' && f.spec.operation !== operation) continue;
        if (!matches(f.spec.match, fields)) continue;
        f.seen++;
        if (hit === undefined && f.seen > (f.spec.after ?? 0)) hit = f;
      }
      if (!hit) return undefined;
      hit.fired++;
      if (hit.fired >= (hit.spec.times ?? 1)) faults = faults.filter((f) => f !== hit);
      return { delayMs: hit.spec.delayMs ?? 0, ...(hit.spec.error ? { error: { ...hit.spec.error } } : {}) };
    },
    wait(ms: number): Promise<void> {
      if (closed) return Promise.reject(new FaultDelayAborted());
      return new Promise<void>((resolve, reject) => {
        const pending = {
          timer: setTimeout(() => {
            waits.delete(pending);
            resolve();
          }, ms),
          abort: () => {
            clearTimeout(pending.timer);
            reject(new FaultDelayAborted());
          },
        };
        waits.add(pending);
      });
    },
    close(): void {
      closed = true;
      for (const w of waits) w.abort();
      waits.clear();
    },
    list(): FaultInfo[] {
      return faults.map((f) => ({ id: f.id, spec: f.spec, seen: f.seen, fired: f.fired }));
    },
  };
}

function matches(match: Record<string, unknown> | undefined, fields: Record<string, unknown>): boolean {
  if (!match) return true;
  for (const [name, want] of Object.entries(match)) {
    if (!sameValue(want, fields[name])) return false;
  }
  return true;
}

function sameValue(want: unknown, got: unknown): boolean {
  if (want === null || want === undefined) return got === null || got === undefined;
  if (got === null || got === undefined) return false;
  if (typeof want !== 'object' && typeof got !== 'object') return String(want) === String(got);
  try {
    return JSON.stringify(want) === JSON.stringify(got);
  } catch {
    return false;
  }
}

/** Validates the body of POST /_mwaa_local/faults; returns the normalised spec or an error message. */
export function parseFaultSpec(input: unknown): FaultSpec | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'body must be a JSON object';
  const o = input as Record<string, unknown>;
  if (typeof o.service !== 'string' || !SERVICES.includes(o.service as ServiceName)) {
    return `service must be one of ${SERVICES.join(', ')}`;
  }
  if (typeof o.operation !== 'string' || o.operation.length === 0) return 'operation must be a non-empty string';
  if (o.match !== undefined && (typeof o.match !== 'object' || o.match === null || Array.isArray(o.match))) {
    return 'match must be an object of request fields';
  }
  const after = o.after ?? 0;
  if (typeof after !== 'number' || !Number.isInteger(after) || after < 0) return 'after must be an integer >= 0';
  const times = o.times ?? 1;
  if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) return 'times must be an integer >= 1';
  const delay = o.delayMs;
  if (delay !== undefined && (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_MS)) {
    return `delayMs must be an integer from 0 to ${MAX_DELAY_MS}`;
  }
  const e = o.error;
  if (e === undefined && delay === undefined) return 'a fault needs an error {status, code, message?}, a delayMs, or both';
  let error: FaultSpec['error'];
  if (e !== undefined) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'error must be an object {status, code, message?}';
    const err = e as Record<string, unknown>;
    if (typeof err.status !== 'number' || !Number.isInteger(err.status) || err.status < 400 || err.status > 599) {
      return 'error.status must be an HTTP error status (400-599)';
    }
    if (typeof err.code !== 'string' || err.code.length === 0) return 'error.code must be a non-empty string';
    if (err.message !== undefined && typeof err.message !== 'string') return 'error.message must be a string';
    error = { status: err.status, code: err.code, ...(err.message !== undefined ? { message: err.message } : {}) };
  }
  return {
    service: o.service as ServiceName,
    operation: o.operation,
    ...(o.match !== undefined ? { match: { ...(o.match as Record<string, unknown>) } } : {}),
    after,
    times,
    ...(delay !== undefined ? { delayMs: delay } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/**
 * How a service answers a call given check()'s verdict: no fault → serve() now; otherwise wait the
 * fault's delay (real time; only this request waits), let the stores catch up with the clock that ran
 * meanwhile, then answer fail(error) or, for a delay-only fault, serve() against the state as it is
 * now. Synchronous when there is nothing to wait for, so undelayed calls behave exactly as before.
 */
export function answerWithFault(
  world: World,
  hit: FaultHit | undefined,
  fail: (error: NonNullable<FaultHit['error']>) => EmuResponse,
  serve: () => EmuResponse | Promise<EmuResponse>,
): EmuResponse | Promise<EmuResponse> {
  if (!hit) return serve();
  const after = (): EmuResponse | Promise<EmuResponse> => (hit.error ? fail(hit.error) : serve());
  if (hit.delayMs <= 0) return after();
  return world.faults.wait(hit.delayMs).then(() => {
    world.tick();
    return after();
  });
}
