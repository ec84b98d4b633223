/** Deterministic plugins.zip and the checks of a given .zip. */
import { createHash } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { walkFiles } from '../../src/core/deploy/files.js';
import { loadIgnoreRule } from '../../src/core/deploy/ignore.js';
import { checkPluginsZip, deterministicZip, entryNameProblem, zipFolder } from '../../src/core/deploy/zip.js';
import { tempDir } from '../helpers/cli.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function zipOf(dir: string): Promise<Buffer> {
  const walk = await walkFiles(dir, loadIgnoreRule(dir));
  return zipFolder(walk);
}

describe('deterministic plugins.zip', () => {
  it('same folder, different mtimes and creation order -> identical sha256', async () => {
    const a = tempDir();
    const b = tempDir();
    try {
      const files: Array<[string, string]> = [
        ['operators/__init__.py', ''],
        ['operators/my_operator.py', 'class MyOperator: pass\n'],
        ['hooks/__init__.py', ''],
        ['hooks/db.py', 'X = 1\n'],
        ['top.py', 'TOP = True\n'],
      ];
      for (const [rel, text] of files) {
        mkdirSync(join(a.dir, rel, '..'), { recursive: true });
        writeFileSync(join(a.dir, rel), text);
        utimesSync(join(a.dir, rel), new Date('2020-01-01'), new Date('2020-01-01'));
      }
      for (const [rel, text] of [...files].reverse()) {
        mkdirSync(join(b.dir, rel, '..'), { recursive: true });
        writeFileSync(join(b.dir, rel), text);
        utimesSync(join(b.dir, rel), new Date('2031-06-15'), new Date('2031-06-15'));
      }
      mkdirSync(join(b.dir, '__pycache__'));
      writeFileSync(join(b.dir, '__pycache__/top.cpython-311.pyc'), 'bytecode');
      const za = await zipOf(a.dir);
      const zb = await zipOf(b.dir);
      expect(sha(zb)).toBe(sha(za));
      // and it is a real zip with sorted entries and the right contents
      const names: string[] = [];
      const out = unzipSync(za, {
        filter: (f) => {
          names.push(f.name);
          return true;
        },
      });
      expect(names).toEqual(['hooks/__init__.py', 'hooks/db.py', 'operators/__init__.py', 'operators/my_operator.py', 'top.py']);
      expect(Buffer.from(out['operators/my_operator.py']).toString()).toBe('class MyOperator: pass\n');
      // a content change changes the hash
      writeFileSync(join(b.dir, 'top.py'), 'TOP = False\n');
      expect(sha(await zipOf(b.dir))).not.toBe(sha(za));
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('entry order given does not matter; the executable bit is kept', () => {
    const e1 = deterministicZip([
      { name: 'b.py', data: strToU8('b') },
      { name: 'a.sh', data: strToU8('a'), executable: true },
    ]);
    const e2 = deterministicZip([
      { name: 'a.sh', data: strToU8('a'), executable: true },
      { name: 'b.py', data: strToU8('b') },
    ]);
    expect(sha(e1)).toBe(sha(e2));
    expect(
      sha(
        deterministicZip([
          { name: 'a.sh', data: strToU8('a') },
          { name: 'b.py', data: strToU8('b') },
        ]),
      ),
    ).not.toBe(sha(e1));
  });

  it.each([
    ['../evil.py', 'directory traversal'],
    ['a/../../evil.py', 'directory traversal'],
    ['/etc/passwd', 'absolute path'],
    ['C:/x.py', 'absolute path'],
  ])('refuses the entry name %s', (name, problem) => {
    expect(entryNameProblem(name)).toContain(problem);
    expect(() => deterministicZip([{ name, data: strToU8('x') }])).toThrow(problem);
  });
});

describe('checks of a given plugins.zip', () => {
  const u = (s: string) => strToU8(s);
  it('accepts a flat zip and a zip whose single top folder is a package', () => {
    expect(checkPluginsZip(zipSync({ 'my_plugin.py': u('x') })).problems).toEqual([]);
    expect(checkPluginsZip(zipSync({ 'operators/__init__.py': u(''), 'operators/op.py': u('x') })).problems).toEqual([]);
  });
  it('refuses a wrapping top folder', () => {
    const { problems } = checkPluginsZip(zipSync({ 'plugins/operators/__init__.py': u(''), 'plugins/op.py': u('x') }));
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('wraps everything in one top folder "plugins/"')]);
    expect(problems[0].level).toBe('error');
  });
  it('refuses __MACOSX entries', () => {
    const { problems } = checkPluginsZip(zipSync({ 'a.py': u('x'), '__MACOSX/._a.py': u('') }));
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('__MACOSX')]);
  });
  it('refuses traversal names inside a zip', () => {
    const { problems } = checkPluginsZip(zipSync({ 'a.py': u('x'), '../x.py': u('y') }));
    expect(problems.some((p) => p.message.includes('unsafe entry names: ../x.py'))).toBe(true);
  });
  it('refuses something that is not a zip', () => {
    const { problems } = checkPluginsZip(u('not a zip at all'));
    expect(problems[0].message).toContain('is not a valid zip file');
  });
});
