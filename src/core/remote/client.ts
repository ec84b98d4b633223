/**
 * The remote Airflow CLI client: runs one Airflow command on an MWAA environment's web server through
 * a CLI token (README "`mwaa airflow <command…>`" and "Tokens").
 *
 * - Tokens (CreateCliToken) live 60 s: one younger than `tokenReuseMs` (50 s) is reused, otherwise a
 *   new one is minted. A 401/403 gets one retry with a freshly minted token.
 * - Calls are serialized: the web server runs few CLI commands at once (≈4) and MWAA asks clients
 *   not to start one before the previous completes.
 * - Network errors and 5xx are retried with exponential backoff, a bounded number of times. A
 *   command that changes something (e.g. `dags trigger`) is retried only when it certainly did not
 *   run: connection refused / DNS failure, HTTP 503 (concurrency refusal), 401/403. After a reset
 *   connection, a timeout or a 500/502/504 it may have run, so it is not repeated.
 * - The response's base64 `stdout`/`stderr` are decoded as UTF-8.
 * - The token never leaves this module: debug events show `Bearer ***`, and every error message and
 *   cause is passed through a Redactor.
 */
import type { IncomingMessage } from 'node:http';
import { anySignal } from '../signals.js';
import type { Clock } from '../clock.js';
import { AuthError, FailedError, InterruptedError, MwaaError } from '../errors.js';
import { noEvents, type EventSink } from '../events.js';
import { msg, type AnyMessage, type Payloads } from '../messages.js';
import { commandLine } from './quote.js';
import { REDACTED, Redactor } from './redact.js';

/** The debug messages of the CLI client. */
type RemoteDebugCode =
  | 'remote.token.minted'
  | 'remote.token.renew'
  | 'remote.request'
  | 'remote.response'
  | 'remote.error'
  | 'remote.retry';

export interface CliToken {
  token: string;
  /** e.g. "abc.c2.us-east-1.airflow.amazonaws.com", or "localhost:4566" for the emulator */
  hostname: string;
}

export interface HttpResponse {
  status: number;
  body: string;
}

/** The one HTTP call the client makes. Tests and other transports can replace `nodePost`. */
export type HttpPost = (url: string, init: { headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<HttpResponse>;

/**
 * The POST over node:http / node:https (their default keep-alive agents). Not `fetch`: loading it
 * (undici) costs more start-up than the request. Errors keep node's codes (ECONNREFUSED, ENOTFOUND, …).
 */
export const nodePost: HttpPost = async (url, init) => {
  const { request } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise<HttpResponse>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) }, signal: init.signal },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
};

/** The POST a client uses when given none (test/integration/remote.test.ts wraps it to watch the tokens). */
export const defaultTransport: { post: HttpPost } = { post: nodePost };

export interface RemoteCliOptions {
  envName: string;
  /** CreateCliToken for the environment */
  mintToken: () => Promise<CliToken>;
  clock: Clock;
  http?: HttpPost;
  events?: EventSink;
  signal?: AbortSignal;
  /** WebserverAccessMode, for the hint when the web server cannot be reached */
  accessMode?: string;
  /** retries after the first attempt for network errors and 5xx (default 3) */
  retries?: number;
  /** first backoff delay (default 1 s), doubled per retry up to maxDelayMs (default 8 s) */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** reuse a token younger than this (default 50 s; tokens live 60 s) */
  tokenReuseMs?: number;
  /** per-request timeout (default 120 s) */
  requestTimeoutMs?: number;
}

export interface RunOptions {
  /** the command changes nothing and may be repeated after an ambiguous failure (default false) */
  idempotent?: boolean;
}

export interface CliResult {
  args: string[];
  /** the body that was sent */
  commandLine: string;
  stdout: string;
  stderr: string;
  /** HTTP attempts made */
  attempts: number;
  durationMs: number;
}

/** Whether a web server host is loopback (then plain http is used, as for the local emulator). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(0, hostname.indexOf(']') + 1) : hostname.replace(/:\d+$/, '');
  return host === 'localhost' || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]' || host === '::1';
}

/** The web server's base URL: https, or http for a loopback host. */
export function webServerBaseUrl(hostname: string): string {
  const clean = hostname.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return `${isLoopbackHost(clean) ? 'http' : 'https'}://${clean}`;
}

class TransportError extends Error {
  constructor(
    message: string,
    /** the request certainly never reached the command */
    readonly beforeSend: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const BEFORE_SEND_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let i = 0; i < 5 && current; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export class RemoteCli {
  private readonly redactor = new Redactor();
  private token: (CliToken & { mintedAt: number }) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly http: HttpPost;
  private readonly events: EventSink;
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly tokenReuseMs: number;
  private readonly requestTimeoutMs: number;
  /** how many tokens were minted (for diagnostics and tests) */
  tokensMinted = 0;
  private hostname: string | undefined;

  constructor(private readonly options: RemoteCliOptions) {
    this.http = options.http ?? ((url, init) => defaultTransport.post(url, init));
    this.events = options.events ?? noEvents;
    this.retries = options.retries ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 8000;
    this.tokenReuseMs = options.tokenReuseMs ?? 50_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  }

  /** The web server host of the last token (known after the first call). */
  get webServerHostname(): string | undefined {
    return this.hostname;
  }

  /** Removes every token this client has seen from a text. */
  redact(text: string): string {
    return this.redactor.text(text);
  }

  /** Runs one Airflow command (argv without the leading `airflow`); calls are serialized. */
  run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    const next = this.queue.then(
      () => this.runNow([...args], options),
      () => this.runNow([...args], options),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  private debug<C extends RemoteDebugCode>(code: C, message: string, ...data: Payloads[C] extends undefined ? [] : [Payloads[C]]): void {
    this.events(msg(code, data[0] as Payloads[C], this.redactor.text(message)) as AnyMessage);
  }

  private checkAborted(): void {
    if (this.options.signal?.aborted) throw new InterruptedError();
  }

  private async currentToken(forceNew: boolean): Promise<CliToken> {
    const now = this.options.clock.now();
    if (!forceNew && this.token && now - this.token.mintedAt < this.tokenReuseMs) return this.token;
    this.checkAborted();
    const mintedAt = this.options.clock.now();
    let minted: CliToken;
    try {
      minted = await this.options.mintToken();
    } catch (error) {
      throw this.tokenError(error);
    }
    if (!minted.token || !minted.hostname) {
      throw new FailedError(
        'remote.token-missing',
        `CreateCliToken ${this.options.envName} returned no ${minted.token ? 'WebServerHostname' : 'CliToken'}`,
      );
    }
    this.redactor.add(minted.token);
    this.tokensMinted++;
    this.token = { ...minted, mintedAt };
    this.hostname = minted.hostname;
    this.debug('remote.token.minted', `CreateCliToken ${this.options.envName}: a new CLI token (${REDACTED}) for ${minted.hostname}`);
    return minted;
  }

  private tokenError(error: unknown): unknown {
    if (MwaaError.is(error) && error instanceof AuthError && !/expired/i.test(error.message)) {
      return new AuthError(error.message, {
        code: 'remote.token-denied',
        cause: error,
        hint:
          `allow the IAM action airflow:CreateCliToken on arn:aws:airflow:<region>:<account>:environment/${this.options.envName} ` +
          'for your role (the AWS managed policy AmazonMWAAAirflowCliAccess grants it)',
      });
    }
    return error;
  }

  private backoff(retry: number): number {
    const base = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** retry);
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  private async sleep(ms: number): Promise<void> {
    try {
      await this.options.clock.sleep(ms, this.options.signal);
    } catch {
      throw new InterruptedError();
    }
  }

  private async runNow(args: string[], options: RunOptions): Promise<CliResult> {
    const started = this.options.clock.now();
    const body = commandLine(args);
    let renewed = false;
    let retry = 0;
    let attempts = 0;
    let forceNewToken = false;
    for (;;) {
      this.checkAborted();
      const token = await this.currentToken(forceNewToken);
      forceNewToken = false;
      const url = `${webServerBaseUrl(token.hostname)}/aws_mwaa/cli`;
      attempts++;
      const shown = body.length > 600 ? `${body.slice(0, 600)}… (${body.length} characters)` : body;
      this.debug('remote.request', `POST ${url} (Authorization: Bearer ${REDACTED}) body: ${shown}`, { attempt: attempts });
      let response: HttpResponse;
      const t0 = this.options.clock.now();
      try {
        response = await this.post(url, token.token, body);
      } catch (error) {
        if (error instanceof InterruptedError) throw error;
        const transport = error as TransportError;
        const mayRetry = retry < this.retries && (options.idempotent || transport.beforeSend);
        this.debug('remote.error', `POST ${url}: ${transport.message}${mayRetry ? '; retrying' : ''}`);
        if (mayRetry) {
          await this.sleep(this.backoff(retry++));
          continue;
        }
        throw this.unreachable(url, args, transport);
      }
      const ms = this.options.clock.now() - t0;
      this.debug('remote.response', `HTTP ${response.status} in ${ms} ms (${response.body.length} bytes)`, { status: response.status });

      if (response.status === 401 || response.status === 403) {
        if (!renewed) {
          renewed = true;
          forceNewToken = true;
          this.debug('remote.token.renew', `the web server refused the CLI token (HTTP ${response.status}); minting a new one`);
          continue;
        }
        throw new AuthError(`the Airflow web server refused a fresh CLI token for ${this.options.envName} (HTTP ${response.status})`, {
          code: 'remote.token-refused',
          hint:
            'your IAM identity needs airflow:CreateCliToken and an Airflow role that may run CLI commands; ' +
            `the server said: ${this.snippet(response.body) || '(nothing)'}`,
        });
      }
      if (response.status >= 500) {
        const mayRetry = retry < this.retries && (options.idempotent || response.status === 503);
        if (mayRetry) {
          this.debug('remote.retry', `HTTP ${response.status}; retrying`);
          await this.sleep(this.backoff(retry++));
          continue;
        }
        throw this.serverError(response, args, attempts);
      }
      if (response.status !== 200) {
        throw new FailedError(
          'remote.http',
          `the Airflow web server answered HTTP ${response.status} to \`${args.slice(0, 2).join(' ')}\`: ${this.snippet(response.body)}`,
        );
      }
      const decoded = this.decode(response.body);
      return {
        args,
        commandLine: body,
        stdout: decoded.stdout,
        stderr: decoded.stderr,
        attempts,
        durationMs: this.options.clock.now() - started,
      };
    }
  }

  private async post(url: string, token: string, body: string): Promise<HttpResponse> {
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error(`no answer within ${Math.round(this.requestTimeoutMs / 1000)} s`)),
      this.requestTimeoutMs,
    );
    const { signal, dispose } = anySignal([timeout.signal, ...(this.options.signal ? [this.options.signal] : [])]);
    try {
      return await this.http(url, {
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain; charset=utf-8' },
        body,
        signal,
      });
    } catch (error) {
      if (this.options.signal?.aborted) throw new InterruptedError();
      const safe = this.redactor.error(error) as Error;
      const code = errorCode(error);
      if (timeout.signal.aborted)
        throw new TransportError(`no answer within ${Math.round(this.requestTimeoutMs / 1000)} s`, false, { cause: safe });
      const detail = code ? `${code}${safe.message && !safe.message.includes(code) ? `: ${safe.message}` : ''}` : safe.message;
      throw new TransportError(detail, code !== undefined && BEFORE_SEND_CODES.has(code), { cause: safe });
    } finally {
      clearTimeout(timer);
      dispose();
    }
  }

  private unreachable(url: string, args: string[], error: TransportError): FailedError {
    const privateMode = this.options.accessMode === 'PRIVATE_ONLY';
    return new FailedError(
      'remote.unreachable',
      `cannot reach the Airflow web server of ${this.options.envName} (${url.replace(/\/aws_mwaa\/cli$/, '')}) to run \`${args.slice(0, 2).join(' ')}\`: ${this.redactor.text(error.message)}`,
      {
        cause: error.cause,
        hint: privateMode
          ? "the environment's web server is private (WebserverAccessMode PRIVATE_ONLY): run mwaa from inside its VPC, " +
            'or through a VPN, AWS Client VPN, or a bastion (e.g. an SSH tunnel), as the MWAA guide describes'
          : 'check the network and proxy settings; the environment may also be restarting its web server',
      },
    );
  }

  private serverError(response: HttpResponse, args: string[], attempts: number): FailedError {
    const what = `\`${args.slice(0, 2).join(' ')}\``;
    const tried = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    if (response.status === 503) {
      return new FailedError('remote.busy', `the Airflow web server is busy (HTTP 503) and refused ${what}${tried}`, {
        hint: 'the web server runs about 4 CLI commands at once; wait for other CLI callers (pipelines, scripts) and try again',
      });
    }
    if (response.status === 500) {
      return new FailedError('remote.http-500', `the Airflow web server answered HTTP 500 to ${what}${tried}`, {
        hint:
          'MWAA answers 500 to commands outside its allow-list (see `mwaa airflow --help`) and when the web server fails; ' +
          `the server said: ${this.snippet(response.body) || '(nothing)'}`,
      });
    }
    return new FailedError(
      'remote.http',
      `the Airflow web server answered HTTP ${response.status} to ${what}${tried}: ${this.snippet(response.body)}`,
    );
  }

  private snippet(body: string): string {
    const text = this.redactor.text(
      body
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  }

  private decode(body: string): { stdout: string; stderr: string } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new FailedError(
        'remote.bad-response',
        `the Airflow web server did not answer with MWAA's CLI JSON: ${this.snippet(body) || '(empty body)'}`,
        {
          hint: 'a proxy or a login page may be answering instead of the web server; run with --debug to see the request',
        },
      );
    }
    const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    if (!('stdout' in record) && !('stderr' in record)) {
      throw new FailedError('remote.bad-response', `the Airflow web server's answer has neither stdout nor stderr: ${this.snippet(body)}`);
    }
    const field = (name: 'stdout' | 'stderr') => {
      const value = record[name];
      if (value === undefined || value === null || value === '') return '';
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/=\r\n_-]*$/.test(value)) {
        throw new FailedError('remote.bad-response', `the Airflow web server's ${name} is not base64`);
      }
      return this.redactor.text(Buffer.from(value, 'base64').toString('utf8'));
    };
    return { stdout: field('stdout'), stderr: field('stderr') };
  }
}
