/**
 * `mwaa api`: any Airflow REST API call through InvokeRestApi, in the manner of `gh api`. Fields
 * (`-f key=value` as strings, `-F key=value` typed) go to the query for GET and DELETE and to the JSON
 * body otherwise (to the query when the body comes from --input). --paginate follows offset/limit
 * until total_entries and merges the pages' list into one array.
 */
import type { RestAnswer, RestMethod } from '../ports/mwaa.js';
import { FailedError, NotFoundError, UsageError } from '../errors.js';
import { PAGE_LIMIT, problemDetail, type RestCall } from './rest-api.js';

export const METHODS: readonly RestMethod[] = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'];

export interface ApiInput {
  path: string;
  method?: string;
  /** -f key=value: the value as a string */
  rawFields?: string[];
  /** -F key=value: true/false/null and numbers typed, the rest as strings */
  typedFields?: string[];
  /** the body from --input (already read), as JSON text */
  inputText?: string;
  inputSource?: string;
  paginate?: boolean;
}

function parseMethod(value: string | undefined, hasInput: boolean): RestMethod {
  const m = (value ?? (hasInput ? 'POST' : 'GET')).toUpperCase();
  if (!(METHODS as readonly string[]).includes(m)) {
    throw new UsageError(`-X must be one of ${METHODS.join(', ')} (InvokeRestApi's methods), not "${value}"`, { code: 'api.method' });
  }
  return m as RestMethod;
}

function typed(value: string): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value === 'null') return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/** key=value pairs into an object; a key given twice (or written key[]) collects an array. */
export function parseFields(raw: readonly string[], typedValues: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const add = (pair: string, flag: string, convert: (v: string) => unknown) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} takes key=value, not "${pair}"`, { code: 'api.field' });
    let key = pair.slice(0, eq);
    const value = convert(pair.slice(eq + 1));
    const forceArray = key.endsWith('[]');
    if (forceArray) key = key.slice(0, -2);
    const previous = out[key];
    if (previous === undefined) out[key] = forceArray ? [value] : value;
    else out[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  };
  for (const pair of raw) add(pair, '-f', (v) => v);
  for (const pair of typedValues) add(pair, '-F', typed);
  return out;
}

/** The path relative to the API root: a leading /api/v1 or /api/v2 is dropped, a query string split off. */
export function normalizePath(path: string): { path: string; query: Record<string, unknown> } {
  let p = path.trim();
  const q = p.indexOf('?');
  const query: Record<string, unknown> = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(p.slice(q + 1))) {
      const previous = query[k];
      query[k] = previous === undefined ? v : Array.isArray(previous) ? [...previous, v] : [previous, v];
    }
    p = p.slice(0, q);
  }
  p = p.replace(/^\/?api\/v[12](?=\/|$)/, '');
  if (!p.startsWith('/')) p = `/${p}`;
  if (p.length > 64) {
    throw new UsageError(`InvokeRestApi takes paths of at most 64 characters; ${p} has ${p.length}`, {
      code: 'api.path-too-long',
      hint: 'use a batch endpoint with ~ in the path (e.g. POST /dags/~/dagRuns/~/taskInstances/list) and the ids in the body',
    });
  }
  return { path: p, query };
}

/** The call `mwaa api` makes, from what the user typed; every mistake is exit 2 before anything is sent. */
export function buildApiCall(input: ApiInput): RestCall {
  const { path, query } = normalizePath(input.path);
  const hasInput = input.inputText !== undefined;
  const method = parseMethod(input.method, hasInput);
  const fields = parseFields(input.rawFields ?? [], input.typedFields ?? []);
  let body: unknown;
  if (hasInput) {
    try {
      body = JSON.parse(input.inputText!);
    } catch (error) {
      throw new UsageError(`${input.inputSource ?? '--input'} is not valid JSON: ${(error as Error).message}`, { code: 'api.input' });
    }
  }
  const fieldsToQuery = method === 'GET' || method === 'DELETE' || hasInput;
  if (hasInput && method === 'GET')
    throw new UsageError('--input sends a body, which GET has not; pass -X POST (or PATCH, PUT)', { code: 'api.input' });
  const allQuery = { ...query, ...(fieldsToQuery ? fields : {}) };
  if (!fieldsToQuery && Object.keys(fields).length > 0) body = fields;
  if (input.paginate && method !== 'GET')
    throw new UsageError('--paginate follows GET listings; drop -X or --input', { code: 'api.paginate' });
  return { path, method, ...(Object.keys(allQuery).length ? { query: allQuery } : {}), ...(body !== undefined ? { body } : {}) };
}

/** The error for an Airflow answer that is not 2xx: 3 for 404, else 1; the problem detail in the message. */
export function apiStatusError(call: RestCall, answer: RestAnswer): Error {
  const message = `${call.method} ${call.path}: HTTP ${answer.status}: ${problemDetail(answer.body)}`;
  const details = { status: answer.status, response: answer.body };
  if (answer.status === 404) return new NotFoundError(message, { code: 'api.not-found', details });
  return new FailedError('api.http', message, { details });
}

/** The list a page of a listing carries (`dags`, `dag_runs`, `task_instances`, …): its one array field. */
export function pageItems(body: unknown): { key: string; items: unknown[]; total?: number } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const arrays = Object.entries(record).filter(([, v]) => Array.isArray(v));
  if (arrays.length !== 1) return undefined;
  const [key, items] = arrays[0] as [string, unknown[]];
  return { key, items, total: typeof record.total_entries === 'number' ? record.total_entries : undefined };
}

/** Runs the call; with `paginate`, every page from the call's offset on, as one array. */
export async function runApiCall(send: (call: RestCall) => Promise<RestAnswer>, call: RestCall, paginate: boolean): Promise<unknown> {
  if (!paginate) {
    const answer = await send(call);
    if (answer.status < 200 || answer.status >= 300) throw apiStatusError(call, answer);
    return answer.body;
  }
  const query = { ...call.query };
  const limit = Number(query.limit ?? PAGE_LIMIT);
  let offset = Number(query.offset ?? 0);
  const all: unknown[] = [];
  for (;;) {
    const page: RestCall = { ...call, query: { ...query, limit, offset } };
    const answer = await send(page);
    if (answer.status < 200 || answer.status >= 300) throw apiStatusError(page, answer);
    const items = pageItems(answer.body);
    if (!items) {
      throw new FailedError(
        'api.not-a-listing',
        `${call.method} ${call.path} did not answer a listing (one array and total_entries), so --paginate cannot follow it`,
        {
          hint: 'drop --paginate',
        },
      );
    }
    all.push(...items.items);
    offset += items.items.length;
    if (items.items.length === 0 || items.total === undefined || offset >= items.total) return all;
  }
}
