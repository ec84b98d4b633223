/** The findings of `mwaa check` and what the check needs from outside (docs/check.md). */

export type CheckArea = 'dags' | 'requirements' | 'plugins' | 'startup' | 'config';

export interface CheckFinding {
  level: 'error' | 'warning';
  area: CheckArea;
  /** stable identifier, e.g. `dags.syntax`, `requirements.conflict` */
  code: string;
  /** the file, relative to the project folder when it is inside it */
  file: string;
  line?: number;
  column?: number;
  message: string;
  fix?: string;
}

/** A part of the check that could not run, and why (never a silent pass). */
export interface CheckSkip {
  area: CheckArea;
  what: string;
  reason: string;
}

export interface CheckReport {
  findings: CheckFinding[];
  skipped: CheckSkip[];
  /** what ran, e.g. `python 3.11.7 (syntax)`, `DagBag (Airflow 2.10.3)` */
  ran: string[];
  errors: number;
  warnings: number;
  durationMs: number;
}

export interface ProcessResult {
  /** null when killed */
  code: number | null;
  stdout: string;
  stderr: string;
  /** killed after `timeoutMs` */
  timedOut?: boolean;
}

/** A program the check may run: the CLI wires a child process (core has no process access). */
export interface ProgramPort {
  /** the command as the user would recognise it, e.g. `python3` or `.venv/bin/python` */
  command: string;
  /** the file that runs (the absolute path `command` resolved to) */
  executable: string;
  run(
    args: string[],
    options?: { input?: string; env?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<ProcessResult>;
}

export interface CheckPorts {
  /** the Python to check DAGs with; undefined when none was found */
  python?: ProgramPort;
  /** why there is no Python (for the skip notice) */
  pythonMissing?: string;
  /** bash, for `bash -n` of the startup script; undefined when not installed */
  bash?: ProgramPort;
  /**
   * The text at a URL (the constraints file), from the user's cache folder when it is there.
   * `offline` says why it is not available (not cached and not fetched).
   */
  fetchText?: (url: string) => Promise<{ text: string; cached: boolean } | { offline: string }>;
  clock: { now(): number };
  signal?: AbortSignal;
}
