/**
 * The contract between the parts of the local emulator (src/local).
 *
 * The emulator is one HTTP server (server.ts) in front of four services that share one "world":
 *   s3/       S3 REST/XML                       (store: S3Store)
 *   logs/     CloudWatch Logs JSON 1.1          (store: LogsStore)
 *   mwaa/     MWAA REST API + control endpoint  (store: MwaaStore)
 *   airflow/  the Airflow web server /aws_mwaa/cli and simulated runs
 *
 * Rules:
 * - src/local imports nothing from src/core, src/aws, src/cli or src/ui (it is an independent oracle).
 * - Time comes only from `world.clock` (simulated, milliseconds since the epoch), never Date.now().
 * - Every mutation goes through `world.persist.append(...)` *before* the response is sent, so a kill -9
 *   of the process never loses an acknowledged write. On start, the state is rebuilt by `restore()` of
 *   the last snapshot followed by `replay()` of every journal record written after it.
 * - Simulated progress (environment statuses, DAG runs, task logs) is computed lazily: before each
 *   request the server calls `world.tick()`, which lets every store catch up to `clock.now()`.
 *   Stores must therefore be deterministic functions of (persisted state, clock time).
 */

/** A parsed HTTP request as the services see it. */
export interface EmuRequest {
  method: string;
  /** path without query string, percent-decoded per segment is the service's job: this is raw. */
  rawPath: string;
  query: URLSearchParams;
  /** lower-cased header names */
  headers: Record<string, string>;
  body: Buffer;
  /** Host header without port, e.g. "127.0.0.1", "api.localhost", "env.localhost" */
  host: string;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /**
   * A streamed body instead of `body` (HTTP/1.1 chunked; Logs StartLiveTail): called once the headers
   * are sent, with a write function and a signal that aborts when the client goes away or the emulator
   * closes; the response ends when the promise settles.
   */
  stream?: (write: (chunk: Buffer) => void, signal: AbortSignal) => Promise<void>;
}

/** The simulated clock. now() = real time + accumulated offset (advanceSeconds). */
export interface Clock {
  now(): number;
  advance(seconds: number): void;
}

export type ServiceName = 's3' | 'logs' | 'mwaa' | 'airflow';

/** What POST /_mwaa_local/faults accepts (see the control-endpoint table in src/local/README.md). */
export interface FaultSpec {
  service: ServiceName;
  /** API operation name, e.g. "PutObject", "PutLogEvents", "UpdateEnvironment", "cli" for the Airflow endpoint; "*" matches every operation of the service */
  operation: string;
  /** optional request fields that must all be equal, e.g. { Key: "dags/a.py" } or { Bucket: "b" } */
  match?: Record<string, unknown>;
  /** skip this many matching calls first (default 0) */
  after?: number;
  /** how many matching calls the fault applies to (default 1) */
  times?: number;
  /**
   * hold each affected call this many real milliseconds (0..600000) before answering it; without
   * `error` the call is then served normally, against the state as it is after the wait
   */
  delayMs?: number;
  /** the error to answer with; optional when delayMs is given (a spec needs at least one of them) */
  error?: { status: number; code: string; message?: string };
}

/** What check() decided for one call: wait delayMs (0 = none), then fail with error or, without one, serve. */
export interface FaultHit {
  delayMs: number;
  error?: { status: number; code: string; message?: string };
}

export interface Faults {
  add(spec: FaultSpec): string;
  clear(): void;
  /**
   * Called by a service once it knows the operation and its fields. When a fault matches, consumes one
   * use of it and says what to do: wait (see wait()), then answer its error in the service's own error
   * shape, or serve the call. Synchronous: the service does the waiting (faults.ts answerWithFault()).
   */
  check(service: ServiceName, operation: string, fields: Record<string, unknown>): FaultHit | undefined;
  /**
   * Resolves after ms of real time (a delay simulates network latency, so the simulated clock is not
   * used). Rejects when the emulator closes meanwhile, so a close() never waits for a delay.
   */
  wait(ms: number): Promise<void>;
}

/** Content-addressed blob storage for object bodies (files under <stateDir>/blobs/). */
export interface BlobStore {
  /** Stores the bytes (idempotent) and returns their id (sha256 hex). Written durably before returning. */
  put(data: Buffer): string;
  get(id: string): Buffer;
}

export interface Persist {
  /** Appends one journal record for a store; durable before returning. */
  append(store: string, op: string, data: unknown): void;
  blobs: BlobStore;
}

/** Every store implements this so the framework can persist and rebuild it. */
export interface PersistentStore {
  /** the journal name, e.g. "s3" */
  readonly name: string;
  /**
   * The store's state as plain JSON-able data. Later mutations must not change it (copy what is changed
   * in place): a background compaction writes it out across event-loop turns while requests go on.
   */
  snapshot(): unknown;
  restore(snapshot: unknown): void;
  /** Re-applies one journal record. Must not call persist.append (that throws during replay). */
  replay(op: string, data: unknown): void;
}

/** Read/write access to S3 that other services use (MWAA reads DAG files and artifact versions). */
export interface S3Store extends PersistentStore {
  bucketExists(bucket: string): boolean;
  isVersioningEnabled(bucket: string): boolean;
  /** The latest non-deleted object under each key starting with prefix. */
  listLatest(bucket: string, prefix: string): Array<{ key: string; versionId: string; size: number; etag: string; lastModified: number }>;
  /** A specific version's body (or the latest when versionId is undefined); undefined when missing or a delete marker. */
  getObjectBody(bucket: string, key: string, versionId?: string): Buffer | undefined;
  /** Whether this exact version of the key exists (and is not a delete marker). */
  hasVersion(bucket: string, key: string, versionId: string): boolean;
  /** Creates the bucket (used by the demo and tests through the S3 API normally; here for seeding). */
  createBucket(bucket: string, region: string): void;
}

/**
 * Write access to CloudWatch Logs that other services use (MWAA and Airflow write logs). Logs are kept
 * per region: `region` names it; without one, a call goes to the region that has the group (else the
 * emulator's default region).
 */
export interface LogsStore extends PersistentStore {
  ensureGroup(group: string, region?: string): void;
  ensureStream(group: string, stream: string, region?: string): void;
  /** Appends events (timestamps in ms). */
  write(group: string, stream: string, events: Array<{ timestamp: number; message: string }>, region?: string): void;
  deleteGroup(group: string, region?: string): void;
}

export interface MwaaStoreView {
  /** For the Airflow endpoint: the environment a CLI/web token belongs to, if the token is valid now. */
  environmentForToken(token: string, kind: 'cli' | 'web'): { name: string } | { error: 'expired' | 'unknown' };
  getEnvironment(name: string): EnvironmentRecord | undefined;
}

/** What the MWAA store keeps per environment (API field names, as GetEnvironment returns them). */
export interface EnvironmentRecord {
  Name: string;
  Status: string;
  Arn: string;
  AirflowVersion: string;
  SourceBucketArn: string;
  DagS3Path: string;
  [field: string]: unknown;
}

/** Durations and knobs of the simulation (`mwaa local start` options). Real seconds at clock speed 1. */
export interface SimOptions {
  createSeconds: number; // CREATING -> AVAILABLE (default 3)
  updateSeconds: number; // UPDATING -> AVAILABLE (default 3); a failing update spends the same in ROLLING_BACK
  deleteSeconds: number; // DELETING -> gone (default 2)
  taskSeconds: number; // each simulated task: queued -> running -> success/failed (default 1)
  /** requirement names that "fail to install" (pip error in requirements_install_* streams, update fails) */
  denyPackages: string[];
}

export interface MwaaStore extends PersistentStore, MwaaStoreView {
  /** catch up with the clock: status transitions, requirements install logs */
  tick(now: number): void;
}

/** One call of an environment's Airflow REST API, as MWAA's InvokeRestApi forwards it. */
export interface RestApiCall {
  /** relative to the API root (`/dags`, `/dags/etl/dagRuns`), without `/api/v1` or `/api/v2` */
  path: string;
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** InvokeRestApi QueryParameters (any JSON object; arrays are repeated parameters) */
  query: Record<string, unknown>;
  /** InvokeRestApi Body (any JSON; undefined when not given) */
  body: unknown;
}

/** What the Airflow web server answered: its HTTP status and JSON body (undefined: no body, e.g. 204). */
export type RestApiAnswer = { status: number; body?: unknown } | { unavailable: string };

export interface AirflowStore extends PersistentStore {
  /** catch up with the clock: run and task states, task logs */
  tick(now: number): void;
  /**
   * InvokeRestApi: the environment's Airflow REST API (v1 for Airflow 2, v2 for Airflow 3) answers
   * `call`; `unavailable` when its web server is not serving (environment CREATING, DELETING, ...).
   */
  invokeRestApi(envName: string, call: RestApiCall): RestApiAnswer;
}

/** The shared world handed to every service handler. */
export interface World {
  clock: Clock;
  faults: Faults;
  persist: Persist;
  sim: SimOptions;
  s3: S3Store;
  logs: LogsStore;
  mwaa: MwaaStore;
  airflow: AirflowStore;
  region: string;
  accountId: string;
  /** base URL of this server, e.g. http://127.0.0.1:4566 (known once listening) */
  baseUrl(): string;
  /** Let every store catch up with the clock. */
  tick(): void;
}

export type Handler = (req: EmuRequest, world: World) => Promise<EmuResponse> | EmuResponse;

/*
 * Module entry points (each folder's index.ts), wired together by ../index.ts and ../server.ts:
 *
 *   s3/index.ts       export function createS3Store(persist: Persist, clock: Clock): S3Store;
 *                     export const handleS3: Handler;
 *   logs/index.ts     export function createLogsStore(persist: Persist, clock: Clock, defaultRegion): LogsStore;
 *                     export const handleLogs: Handler;
 *   mwaa/index.ts     export function createMwaaStore(world: World): MwaaStore;       // world.s3/logs/sim available
 *                     export const handleMwaa: Handler;          // the MWAA REST API
 *                     export const handleMwaaControl: Handler;   // /_mwaa_local/environments/...
 *   airflow/index.ts  export function createAirflowStore(world: World): AirflowStore; // world.mwaa available
 *                     export const handleAirflow: Handler;       // /aws_mwaa/... on the web server
 *                     export const handleAirflowControl: Handler; // /_mwaa_local/airflow/...
 *
 * Routing (server.ts): /_mwaa_local/* -> control; /aws_mwaa/* -> airflow; header x-amz-target
 * "Logs_20140328.*" -> logs; SigV4 credential scope service "airflow" (Authorization header
 * "Credential=AKID/date/region/airflow/aws4_request") -> mwaa; everything else -> s3.
 * Requests for the AWS services without an Authorization header are refused in the service's shape.
 */
