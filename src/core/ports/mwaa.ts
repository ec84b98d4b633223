/**
 * The MWAA port: what core needs of the MWAA API, as interfaces and data shapes. The adapter over the
 * AWS SDK lives in src/aws/mwaa.ts; tests pass fakes. The shapes are the SDK's own types (imported as
 * types only: nothing of the SDK is loaded by core).
 */
import type { CreateEnvironmentCommandInput, Environment, UpdateEnvironmentCommandInput } from '@aws-sdk/client-mwaa';
import { NotFoundError } from '../errors.js';

/** Fields the old SDK's types lack but the API (and our middleware) accept. */
export interface WebserverFields {
  MinWebservers?: number;
  MaxWebservers?: number;
  WorkerReplacementStrategy?: 'FORCED' | 'GRACEFUL';
}

export type EnvironmentInfo = Omit<Environment, 'LastUpdate'> &
  WebserverFields & { LastUpdate?: Environment['LastUpdate'] & { WorkerReplacementStrategy?: 'FORCED' | 'GRACEFUL' } };
export type CreateEnvironmentInput = CreateEnvironmentCommandInput & WebserverFields;
export type UpdateEnvironmentInput = UpdateEnvironmentCommandInput & WebserverFields;

/** Tagging (tags cannot be changed with UpdateEnvironment: MWAA has TagResource/UntagResource for them). */
export interface MwaaTagApi {
  tagResource(arn: string, tags: Record<string, string>): Promise<void>;
  untagResource(arn: string, keys: string[]): Promise<void>;
}

export type RestMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface RestRequest {
  name: string;
  /** relative to the Airflow REST API root (/api/v1 or /api/v2), e.g. "/dags"; 1–64 characters */
  path: string;
  method: RestMethod;
  query?: Record<string, unknown>;
  body?: unknown;
  /** Ctrl-C: aborts the call in flight (the runner then says whether a change was sent) */
  signal?: AbortSignal;
}

/** Airflow's answer: any status, 2xx or not (a 4xx/5xx is Airflow's, not a failed AWS call). */
export interface RestAnswer {
  status: number;
  body: unknown;
}

/** Error codes of the InvokeRestApi refusals a caller may fall back from. */
export const REST_DENIED = 'rest.denied';
export const REST_UNSUPPORTED = 'rest.unsupported';
export const REST_TOO_LARGE = 'rest.too-large';

export interface MwaaApi {
  /** undefined when the environment does not exist */
  getEnvironment(name: string): Promise<EnvironmentInfo | undefined>;
  listEnvironments(): Promise<string[]>;
  createEnvironment(input: CreateEnvironmentInput): Promise<string>;
  updateEnvironment(input: UpdateEnvironmentInput): Promise<string>;
  deleteEnvironment(name: string): Promise<void>;
  createCliToken(name: string): Promise<{ token: string; hostname: string }>;
  createWebLoginToken(name: string): Promise<{ token: string; hostname: string }>;
  /** InvokeRestApi: one call of the environment's Airflow REST API */
  invokeRestApi(request: RestRequest): Promise<RestAnswer>;
}

/** GetEnvironment that fails with exit 3 when the environment does not exist. */
export async function requireEnvironment(api: MwaaApi, name: string): Promise<EnvironmentInfo> {
  const env = await api.getEnvironment(name);
  if (!env) throw environmentNotFound(name);
  return env;
}

/** What a command that needs the environment says when there is none. */
export function environmentNotFound(name: string): NotFoundError {
  return new NotFoundError(`environment "${name}" does not exist`, {
    code: 'env.not-found',
    hint: 'create it with `mwaa env create`, or check the region and the name in mwaa.yaml',
  });
}
