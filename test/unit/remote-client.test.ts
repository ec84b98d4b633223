/**
 * The remote-CLI client against a tiny fake web server (node:http) answering MWAA's
 * {"stdout","stderr"} base64 envelope: decoding, token reuse and renewal, serialization, retries with
 * backoff, and that no token ever appears in what the client reports.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/clock.js';
import { MwaaError } from '../../src/core/errors.js';
import { recordEvents } from '../../src/core/events.js';
import { RemoteCli, isLoopbackHost, webServerBaseUrl, type CliToken } from '../../src/core/remote/client.js';

interface Seen {
  auth: string | undefined;
  contentType: string | undefined;
  body: string;
}

type Reply = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void | Promise<void>;

let server: Server;
let port: number;
let seen: Seen[];
let reply: Reply;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const ok =
  (stdout: string, stderr = ''): Reply =>
  (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ stdout: b64(stdout), stderr: b64(stderr) }));
  };

beforeEach(async () => {
  seen = [];
  reply = ok('');
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ auth: req.headers.authorization, contentType: req.headers['content-type'], body });
      void reply(req, res, body, seen.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function client(options: { clock?: ReturnType<typeof fakeClock>; accessMode?: string; host?: string; signal?: AbortSignal } = {}) {
  const clock = options.clock ?? fakeClock();
  const minted: string[] = [];
  const recorder = recordEvents();
  const cli = new RemoteCli({
    envName: 'demo',
    clock,
    events: recorder.sink,
    accessMode: options.accessMode,
    signal: options.signal,
    mintToken: async (): Promise<CliToken> => {
      const token = `tok${minted.length}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
      minted.push(token);
      return { token, hostname: options.host ?? `127.0.0.1:${port}` };
    },
  });
  return { cli, clock, minted, events: recorder.events };
}

/** Every string an error carries: message, hint, details, cause chain with stacks. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let i = 0; current && i < 8; i++) {
    const e = current as Error & { hint?: string; details?: unknown };
    parts.push(String(e.message), String(e.stack), String(e.hint), JSON.stringify(e.details ?? null));
    current = (e as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

async function caught(p: Promise<unknown>): Promise<MwaaError> {
  try {
    await p;
  } catch (error) {
    expect(MwaaError.is(error)).toBe(true);
    return error as MwaaError;
  }
  throw new Error('expected a rejection');
}

describe('RemoteCli', () => {
  it('posts the quoted command line with the bearer token and decodes base64 stdout/stderr as UTF-8', async () => {
    reply = ok('[{"dag_id": "ünïcode 😀"}]\n', 'some warning\n');
    const { cli, minted } = client();
    const result = await cli.run(['dags', 'trigger', 'etl', '-c', `{"a": "it's here"}`]);
    expect(result.stdout).toBe('[{"dag_id": "ünïcode 😀"}]\n');
    expect(result.stderr).toBe('some warning\n');
    expect(seen).toHaveLength(1);
    expect(seen[0].auth).toBe(`Bearer ${minted[0]}`);
    expect(seen[0].contentType).toMatch(/^text\/plain/);
    expect(seen[0].body).toBe(`dags trigger etl -c '{"a": "it'"'"'s here"}'`);
  });

  it('tolerates a missing or empty stream and rejects a body that is not the CLI envelope', async () => {
    reply = (_q, res) => {
      res.end(JSON.stringify({ stdout: b64('2.10.3\n') }));
    };
    const { cli } = client();
    expect(await cli.run(['version'])).toMatchObject({ stdout: '2.10.3\n', stderr: '' });
    reply = (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Sign in</body></html>');
    };
    const error = await caught(cli.run(['version']));
    expect(error.code).toBe('remote.bad-response');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('Sign in');
  });

  it('reuses a token younger than 50 s and mints a new one after that', async () => {
    const { cli, clock, minted } = client();
    await cli.run(['version']);
    clock.advance(49_000);
    await cli.run(['version']);
    expect(minted).toHaveLength(1);
    clock.advance(2_000); // 51 s after minting
    await cli.run(['version']);
    expect(minted).toHaveLength(2);
    expect(seen.map((s) => s.auth)).toEqual([`Bearer ${minted[0]}`, `Bearer ${minted[0]}`, `Bearer ${minted[1]}`]);
  });

  it('mints a new token and retries once when the token is refused (401/403)', async () => {
    reply = (_q, res, _b, n) => {
      if (n === 1) {
        res.writeHead(401);
        res.end('Token expired');
        return;
      }
      ok('fine\n')(_q, res, _b, n);
    };
    const { cli, minted } = client();
    const result = await cli.run(['dags', 'trigger', 'etl']);
    expect(result.stdout).toBe('fine\n');
    expect(result.attempts).toBe(2);
    expect(minted).toHaveLength(2);
    expect(seen.map((s) => s.auth)).toEqual([`Bearer ${minted[0]}`, `Bearer ${minted[1]}`]);
  });

  it('gives up with exit 4 when a fresh token is refused too, without showing either token', async () => {
    reply = (req, res) => {
      res.writeHead(403);
      res.end(`forbidden: ${req.headers.authorization}`); // a server that echoes the header
    };
    const { cli, minted, events } = client();
    const error = await caught(cli.run(['version']));
    expect(error.exitCode).toBe(4);
    expect(error.code).toBe('remote.token-refused');
    expect(seen).toHaveLength(2);
    expect(minted).toHaveLength(2);
    const text = errorText(error) + JSON.stringify(events);
    for (const token of minted) expect(text).not.toContain(token);
    expect(error.hint).toContain('***');
  });

  it('serializes calls: never two requests at once, in call order', async () => {
    let active = 0;
    let maxActive = 0;
    reply = async (_q, res, body) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 15));
      active--;
      ok(`${body}\n`)(_q, res, body, 0);
    };
    const { cli } = client();
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => cli.run(['variables', 'get', `k${i}`])));
    expect(maxActive).toBe(1);
    expect(seen.map((s) => s.body)).toEqual([1, 2, 3, 4, 5].map((i) => `variables get k${i}`));
    expect(results.map((r) => r.stdout.trim())).toEqual([1, 2, 3, 4, 5].map((i) => `variables get k${i}`));
  });

  it('a failed call does not block the ones queued after it', async () => {
    reply = (_q, res, body) => {
      if (body.includes('bad')) {
        res.writeHead(404);
        res.end('nope');
        return;
      }
      ok('ok\n')(_q, res, body, 0);
    };
    const { cli } = client();
    const [a, b] = await Promise.allSettled([cli.run(['bad']), cli.run(['version'])]);
    expect(a.status).toBe('rejected');
    expect(b).toMatchObject({ status: 'fulfilled', value: { stdout: 'ok\n' } });
  });

  it('retries HTTP 503 with growing backoff, even for a command that changes something', async () => {
    reply = (_q, res, _b, n) => {
      if (n <= 2) {
        res.writeHead(503);
        res.end('busy');
        return;
      }
      ok('triggered\n')(_q, res, _b, n);
    };
    const { cli, clock } = client();
    const result = await cli.run(['dags', 'trigger', 'etl']);
    expect(result.stdout).toBe('triggered\n');
    expect(seen).toHaveLength(3);
    expect(clock.sleeps).toHaveLength(2);
    // jittered exponential backoff: [0.5, 1] s, then [1, 2] s
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(1000);
    expect(clock.sleeps[1]).toBeGreaterThanOrEqual(1000);
    expect(clock.sleeps[1]).toBeLessThanOrEqual(2000);
  });

  it('stops retrying after a bounded number of attempts and says the server is busy', async () => {
    reply = (_q, res) => {
      res.writeHead(503);
      res.end('busy');
    };
    const { cli } = client();
    const error = await caught(cli.run(['version'], { idempotent: true }));
    expect(error.code).toBe('remote.busy');
    expect(error.exitCode).toBe(1);
    expect(seen).toHaveLength(4); // 1 + 3 retries
    expect(error.message).toContain('after 4 attempts');
  });

  it('retries HTTP 500 only for read-only commands (a trigger might have run)', async () => {
    reply = (_q, res) => {
      res.writeHead(500);
      res.end('Internal Server Error');
    };
    const { cli } = client();
    const write = await caught(cli.run(['dags', 'trigger', 'etl']));
    expect(write.code).toBe('remote.http-500');
    expect(seen).toHaveLength(1);
    expect(write.hint).toContain('allow-list');
    seen = [];
    await caught(cli.run(['dags', 'list', '-o', 'json'], { idempotent: true }));
    expect(seen).toHaveLength(4);
  });

  it('retries a reset connection only for read-only commands', async () => {
    reply = (req) => {
      req.socket.destroy();
    };
    const { cli } = client();
    const write = await caught(cli.run(['dags', 'pause', 'etl']));
    expect(write.code).toBe('remote.unreachable');
    expect(seen).toHaveLength(1);
    seen = [];
    const read = await caught(cli.run(['version'], { idempotent: true }));
    expect(read.code).toBe('remote.unreachable');
    expect(seen).toHaveLength(4);
  });

  it('retries a refused connection (nothing ran) and then names the private web server', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { cli, clock, minted } = client({ host: `127.0.0.1:${deadPort}`, accessMode: 'PRIVATE_ONLY' });
    const error = await caught(cli.run(['dags', 'trigger', 'etl']));
    expect(error.code).toBe('remote.unreachable');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.hint).toContain('PRIVATE_ONLY');
    expect(clock.sleeps).toHaveLength(3);
    expect(errorText(error)).not.toContain(minted[0]);
  });

  it('redacts tokens from debug events and from output that echoes them', async () => {
    reply = (req, res) => {
      res.end(JSON.stringify({ stdout: b64(`you sent ${req.headers.authorization}\n`), stderr: '' }));
    };
    const { cli, minted, events } = client();
    const result = await cli.run(['version']);
    expect(result.stdout).toBe('you sent Bearer ***\n');
    expect(events.some((e) => e.code === 'remote.request' && e.message.includes('Bearer ***'))).toBe(true);
    expect(JSON.stringify(events)).not.toContain(minted[0]);
  });

  it('stops with exit 130 when aborted', async () => {
    const controller = new AbortController();
    reply = () => {
      controller.abort(new Error('SIGINT'));
    };
    const { cli } = client({ signal: controller.signal });
    const error = await caught(cli.run(['version']));
    expect(error.exitCode).toBe(130);
  });

  it('uses http only for loopback web servers', () => {
    expect(isLoopbackHost('localhost:4566')).toBe(true);
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.10.0.3:80')).toBe(true);
    expect(isLoopbackHost('[::1]:8080')).toBe(true);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
    expect(isLoopbackHost('abc.c2.us-east-1.airflow.amazonaws.com')).toBe(false);
    expect(isLoopbackHost('127.0.0.1.nip.io')).toBe(false);
    expect(webServerBaseUrl('localhost:4566')).toBe('http://localhost:4566');
    expect(webServerBaseUrl('abc.c2.us-east-1.airflow.amazonaws.com')).toBe('https://abc.c2.us-east-1.airflow.amazonaws.com');
    expect(webServerBaseUrl('https://abc.airflow.amazonaws.com/')).toBe('https://abc.airflow.amazonaws.com');
  });
});
