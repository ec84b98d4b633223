/** The output hosts: which one a run gets, how questions are answered, and the live view during a prompt. */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { AbortedError } from '../../src/core/errors.js';
import { msg, question } from '../../src/core/messages.js';
import { createHost } from '../../src/ui/host/index.js';
import { Io, type IoOptions, type LiveTarget } from '../../src/ui/io.js';

const screen: string[] = [];
// a trigger view that claims the screen like the ink views do, and records what is asked of it
vi.mock('../../src/ui/views/trigger.js', () => ({
  startTriggerView: (options: { target: LiveTarget }) => {
    const release = options.target.claim({
      printAbove: (text) => void screen.push(`above: ${text.trim()}`),
      suspend: () => void screen.push('view: suspended'),
      resume: () => void screen.push('view: resumed'),
    });
    return {
      event: (m: { message: string }) => screen.push(`view: ${m.message}`),
      finish: async () => {
        release();
        screen.push('view: finished');
      },
    };
  },
}));

function host(options: Partial<IoOptions> & { tty?: boolean; input?: string } = {}) {
  const streams = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough() };
  let out = '';
  let err = '';
  streams.stdout.on('data', (d) => (out += d));
  streams.stderr.on('data', (d) => {
    err += d;
    screen.push(`stderr: ${String(d).trim()}`);
  });
  if (options.tty) for (const s of Object.values(streams)) Object.assign(s, { isTTY: true, columns: 100 });
  if (options.input !== undefined) streams.stdin.end(options.input);
  const io = new Io(streams, { json: false, color: false, quiet: false, debug: false, ci: false, yes: false, ...options });
  return { host: createHost(io), out: () => out, err: () => err };
}

const apply = question('confirm', undefined, 'Apply 2 changes to environment demo?');
const remove = question(
  'env.delete',
  { name: 'demo', status: 'AVAILABLE', airflowVersion: '2.10.3' },
  'Type the environment name (demo) to delete it',
);

describe('choosing the host', () => {
  it('--json gets the JSON host, a terminal the live one, anything else plain text', () => {
    expect(host({ json: true, tty: true }).host.kind).toBe('json');
    expect(host({ tty: true }).host.kind).toBe('live');
    expect(host({ tty: true, ci: true }).host.kind).toBe('plain');
    expect(host({ tty: true, quiet: true }).host.kind).toBe('plain');
    expect(host().host.kind).toBe('plain');
  });
});

describe('questions', () => {
  it('--yes answers yes without asking', async () => {
    for (const h of [host({ yes: true }), host({ yes: true, json: true }), host({ yes: true, tty: true })]) {
      await expect(h.host.request(apply)).resolves.toBe(true);
      expect(h.err()).toBe('');
    }
  });

  it('without a terminal a question fails closed, naming --yes', async () => {
    const error = await host()
      .host.request(apply)
      .catch((e) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.message).toBe('Apply 2 changes to environment demo: confirmation needed, but there is no terminal to ask');
    expect(error.hint).toBe('pass --yes to confirm without a prompt');
    const typed = await host()
      .host.request(remove)
      .catch((e) => e);
    expect(typed.message).toBe('deleting environment demo needs confirmation, but there is no terminal to ask');
    expect(typed.hint).toBe('pass --yes to delete without a prompt');
  });

  it('with --json a question fails closed even on a terminal', async () => {
    const h = host({ json: true, tty: true, input: 'y\n' });
    await expect(h.host.request(apply)).rejects.toThrow(/confirmation needed/);
    expect(h.err()).toBe('');
  });

  it('on a terminal the default is no; "y" is yes; the typed name must match', async () => {
    await expect(host({ tty: true, input: '\n' }).host.request(apply)).resolves.toBe(false);
    const yes = host({ tty: true, input: 'y\n' });
    await expect(yes.host.request(apply)).resolves.toBe(true);
    expect(yes.err()).toContain('Apply 2 changes to environment demo? [y/N] ');
    await expect(host({ tty: true, input: 'dem\n' }).host.request(remove)).resolves.toBe(false);
    const typed = host({ tty: true, input: 'demo\n' });
    await expect(typed.host.request(remove)).resolves.toBe(true);
    expect(typed.err()).toContain('This deletes environment demo (AVAILABLE, Airflow 2.10.3)');
  });

  it('the live host suspends the view on screen while it asks, and resumes it after', async () => {
    screen.length = 0;
    const h = host({ tty: true, input: 'y\n' });
    const view = await h.host.view('trigger', { dagId: 'etl', runId: 'r1', url: 'http://ui', startedAt: 0 });
    h.host.notify(msg('trigger.run.state', { dagId: 'etl', runId: 'r1', state: 'running' }, 'run r1: running'));
    await expect(h.host.request(apply)).resolves.toBe(true);
    h.host.notify(msg('trigger.run.state', { dagId: 'etl', runId: 'r1', state: 'success' }, 'run r1: success'));
    await view.finish({ ok: true, message: 'done' });
    // the view's calls, and the prompt among them (readline also writes cursor moves and the echo)
    expect(screen.filter((line) => line.startsWith('view:') || line.includes('[y/N]'))).toEqual([
      'view: run r1: running',
      'view: suspended',
      'stderr: Apply 2 changes to environment demo? [y/N]',
      'view: resumed',
      'view: run r1: success',
      'view: finished',
    ]);
  });
});

describe('output by host', () => {
  it('JSON: the result is one document on stdout, messages NDJSON on stderr, decoration left out', async () => {
    const h = host({ json: true });
    h.host.info('No DAGs.');
    h.host.print('a plan as text');
    h.host.warn('careful');
    h.host.notify(msg('env.delete.started', { name: 'demo' }, 'deleting environment demo'));
    h.host.result({ name: 'demo' }, () => 'text');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(h.out())).toEqual({ name: 'demo' });
    const lines = h
      .err()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toMatchObject([
      { code: 'cli.warning', level: 'warn', message: 'careful' },
      { code: 'env.delete.started', level: 'info', message: 'deleting environment demo', data: { name: 'demo' } },
    ]);
    expect(lines[0]).not.toHaveProperty('data');
  });

  it('JSON, streaming with messages: the messages are records on stdout', async () => {
    const h = host({ json: true });
    h.host.stream({ messages: true });
    h.host.notify(msg('trigger.run.state', { dagId: 'etl', runId: 'r1', state: 'running' }, 'run r1: running'));
    h.host.record({ n: 1 }, () => 'one');
    await new Promise((r) => setImmediate(r));
    expect(
      h
        .out()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toMatchObject([{ code: 'trigger.run.state' }, { n: 1 }]);
    expect(h.err()).toBe('');
  });

  it('plain text: the result as text on stdout, messages as lines on stderr', async () => {
    const h = host();
    h.host.notify(msg('env.delete.started', { name: 'demo' }, 'deleting environment demo'));
    h.host.notify(msg('deploy.lock.acquired', { bucket: 'b' }, 'locked s3://b/.mwaa/lock.json'));
    h.host.warn('careful');
    h.host.result({ name: 'demo' }, (r) => `Environment ${r.name} deleted.`);
    await new Promise((r) => setImmediate(r));
    expect(h.out()).toBe('Environment demo deleted.\n');
    expect(h.err()).toBe('deleting environment demo\nwarning: careful\n');
  });
});

describe('a big JSON result and a slow reader', () => {
  // a reader that takes each write a turn of the event loop later, as a pipe does when its reader is slow
  function slowStdout() {
    let out = '';
    let mostQueued = 0;
    const stdout = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk, _encoding, done) {
        out += chunk;
        setImmediate(done);
      },
    });
    const write = stdout.write.bind(stdout) as (chunk: string) => boolean;
    stdout.write = ((chunk: string) => {
      const ok = write(chunk);
      mostQueued = Math.max(mostQueued, stdout.writableLength);
      return ok;
    }) as typeof stdout.write;
    const io = new Io(
      { stdout, stderr: new PassThrough(), stdin: new PassThrough() },
      { json: true, color: false, quiet: false, debug: false, ci: false, yes: false },
    );
    return { io, stdout, host: createHost(io), out: () => out, mostQueued: () => mostQueued };
  }
  // a release record's shape: 20,000 keys, about 4 MB of JSON
  const record = {
    id: 'r1',
    dags: Object.fromEntries(
      Array.from({ length: 20_000 }, (_, i) => [`dags/team_${i % 20}/etl_${i}.py`, { versionId: `v${i}`.padEnd(32, 'x'), size: i }]),
    ),
  };

  it('is written as the reader takes it, never queued whole, and what follows comes after it', async () => {
    const s = slowStdout();
    s.host.result(record, () => 'text');
    s.io.jsonLine({ after: true });
    expect(s.out().length).toBeLessThan(1024 * 1024); // the reader has not taken it yet
    await s.io.settled();
    await new Promise<void>((resolve) => s.stdout.end(resolve));
    expect(s.out()).toBe(`${JSON.stringify(record, null, 2)}\n{"after":true}\n`);
    // at most a piece (64 KB) beyond the stream's own buffer: not the 4 MB document
    expect(s.mostQueued()).toBeLessThan(200 * 1024);
  });

  it('a reader that goes away ends the writing: nothing waits for it', async () => {
    const s = slowStdout();
    s.host.result(record, () => 'text');
    s.stdout.destroy();
    await s.io.settled();
    expect(s.out().length).toBeLessThan(1024 * 1024);
  });
});
