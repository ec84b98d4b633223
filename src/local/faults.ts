/**
 * Injected faults (POST /_mwaa_local/faults). In memory only: a restart clears them.
 *
 * Matching: a call matches a fault when service and operation are equal (operation "*" matches every
 * operation of the service) and every field of `match` equals the call's field of the same name
 * (primitives are compared as strings, so {"MaxKeys": 5} matches "5"; objects/arrays by JSON).
 * Each fault counts the matching calls it has seen: the first `after` of them pass, the next `times`
 * fail, then the fault is gone. When several faults are ready to fire on one call, the oldest fires
 * (and only it uses up one of its `times`); every matching fault still counts the call.
 */
import { randomBytes } from 'node:crypto';
import type { FaultSpec, Faults, ServiceName } from './contract.js';

const SERVICES: readonly ServiceName[] = ['s3', 'logs', 'mwaa', 'airflow'];

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
  /** calls failed so far */
  fired: number;
}

export interface FaultRegistry extends Faults {
  list(): FaultInfo[];
}

export function createFaults(): FaultRegistry {
  let faults: ActiveFault[] = [];
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
    check(service: ServiceName, operation: string, fields: Record<string, unknown>) {
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
      return { ...hit.spec.error };
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
  const e = o.error;
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'error must be an object {status, code, message?}';
  const err = e as Record<string, unknown>;
  if (typeof err.status !== 'number' || !Number.isInteger(err.status) || err.status < 400 || err.status > 599) {
    return 'error.status must be an HTTP error status (400-599)';
  }
  if (typeof err.code !== 'string' || err.code.length === 0) return 'error.code must be a non-empty string';
  if (err.message !== undefined && typeof err.message !== 'string') return 'error.message must be a string';
  return {
    service: o.service as ServiceName,
    operation: o.operation,
    ...(o.match !== undefined ? { match: { ...(o.match as Record<string, unknown>) } } : {}),
    after,
    times,
    error: { status: err.status, code: err.code, ...(err.message !== undefined ? { message: err.message } : {}) },
  };
}
