/** What deploy code needs from the outside world, injected by the CLI (fakes in unit tests). */
import type { MwaaApi } from '../ports/mwaa.js';
import type { S3Api } from '../ports/s3.js';
import type { Clock } from '../clock.js';
import type { EventSink } from '../events.js';
import type { Request } from '../messages.js';
import type { LogsPort } from '../logs/port.js';
import type { Actor } from './records.js';

export interface DeployPorts {
  s3: S3Api;
  mwaa: MwaaApi;
  /** CloudWatch Logs, for pip errors in requirements_install streams (skipped when absent) */
  logs?: LogsPort;
  clock: Clock;
  events: EventSink;
  /** aborted on Ctrl-C / SIGTERM: the deploy stops and rolls back */
  signal?: AbortSignal;
  /** GetEnvironment poll interval while waiting for an update */
  pollMs?: number;
  /** how long to wait for an environment update (default 2 h) */
  waitTimeoutMs?: number;
  /** who deploys (lock holder, release records) */
  actor: Actor;
  /**
   * While a deploy holds the lock: throws the lock-lost error when the lock is no longer ours. The
   * transaction calls it before each mutating phase (see lock.ts, lockedPorts).
   */
  checkLock?: () => Promise<void>;
  /** whether a process on this host still runs (stale lock detection) */
  isProcessAlive?: (pid: number) => boolean;
  /** asks a question (default no); throws AbortedError when nobody can answer */
  request?: Request;
}
