/** What a deploy leaves out (defaults, .mwaaignore) and symlinks out of the folder. */
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localFile, walkFiles } from '../../src/core/deploy/files.js';
import { digestFiles, etagMd5, md5OfFile, sameEtag } from '../../src/core/deploy/hash.js';
import ignore from 'ignore';
import { DEFAULT_EXCLUDES, excludedByDefault, loadIgnoreRule } from '../../src/core/deploy/ignore.js';
import { checkRequirements } from '../../src/core/deploy/requirements.js';
import { tempDir } from '../helpers/cli.js';

function write(root: string, rel: string, text = 'x'): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), text);
}

describe('walkFiles with the ignore rule', () => {
  it('without .mwaaignore files, decides the defaults by name exactly as the `ignore` package does', () => {
    const patterns = ignore().add([...DEFAULT_EXCLUDES]);
    const names = ['__pycache__', '__PYCACHE__', 'x__pycache__', '.git', '.GIT', '.github', 'a.git', '.mwaa', '.mwaa2', 'mwaa'];
    names.push('a.pyc', 'A.PYC', '.pyc', 'a.pyc.bak', 'pyc', 'a.py', '.DS_Store', '.ds_store', 'x.DS_Store', '.mwaaignore');
    names.push('.MWAAIGNORE', '.mwaaignore.bak', 'etl.py', '.hidden', 'a b.pyc');
    for (const name of names) {
      for (const isDirectory of [false, true]) {
        for (const path of [name, `team/${name}`]) {
          expect([path, isDirectory, excludedByDefault(path, isDirectory)]).toEqual([
            path,
            isDirectory,
            patterns.ignores(isDirectory ? `${path}/` : path),
          ]);
        }
      }
    }
    const t = tempDir();
    try {
      expect(loadIgnoreRule(t.dir, t.dir)).toBe(excludedByDefault);
      write(t.dir, '.mwaaignore', '!keep.pyc\n');
      expect(loadIgnoreRule(t.dir, t.dir)('keep.pyc', false)).toBe(false);
    } finally {
      t.cleanup();
    }
  });
  it('leaves out __pycache__, *.pyc, .git, .DS_Store, .mwaa and .mwaaignore patterns (folder and project level)', async () => {
    const t = tempDir();
    try {
      const dags = join(t.dir, 'dags');
      for (const rel of [
        'a.py',
        'sub/b.py',
        '__pycache__/a.cpython-311.pyc',
        'sub/c.pyc',
        '.git/HEAD',
        '.DS_Store',
        'sub/.DS_Store',
        'tmp/x.py',
        'notes.md',
        '.airflowignore',
        'keep.tmp.py',
        '.mwaa/state',
      ])
        write(dags, rel);
      write(dags, '.mwaaignore', 'tmp/\n*.md\n');
      write(t.dir, '.mwaaignore', 'dags/keep.tmp.py\n');
      const { files } = await walkFiles(dags, loadIgnoreRule(dags, t.dir));
      expect(files.map((f) => f.rel)).toEqual(['.airflowignore', 'a.py', 'sub/b.py']);
    } finally {
      t.cleanup();
    }
  });

  it('follows symlinks inside the folder, skips ones pointing outside or dangling, and does not loop', async () => {
    const t = tempDir();
    try {
      const dags = join(t.dir, 'dags');
      write(dags, 'real/a.py');
      write(t.dir, 'secret.txt', 'secret');
      symlinkSync(join(dags, 'real/a.py'), join(dags, 'link.py'));
      symlinkSync(join(t.dir, 'secret.txt'), join(dags, 'outside.txt'));
      symlinkSync(join(t.dir, 'nope'), join(dags, 'dangling.py'));
      symlinkSync(dags, join(dags, 'real/loop'));
      const { files, skippedLinks } = await walkFiles(dags, loadIgnoreRule(dags));
      expect(files.map((f) => f.rel)).toEqual(['link.py', 'real/a.py']);
      expect(skippedLinks).toEqual(['dangling.py', 'outside.txt']);
    } finally {
      t.cleanup();
    }
  });
});

describe('hashing', () => {
  it('sha256 and md5 of each file, independent of mtimes', async () => {
    const t = tempDir();
    try {
      write(t.dir, 'a.py', 'hello');
      const [h] = await digestFiles({ root: t.dir, files: [localFile('a.py')] });
      expect(h.sha256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
      expect(h.md5).toBe('5d41402abc4b2a76b9719d911017c592');
    } finally {
      t.cleanup();
    }
  });
  it('a file of 4 MiB or more is streamed, with the same hashes and its size (the walk stats no file)', async () => {
    const t = tempDir();
    try {
      const big = Buffer.alloc(5 * 1024 * 1024 + 3, 'ab');
      writeFileSync(join(t.dir, 'big.bin'), big);
      write(t.dir, 'small.py', 'hello');
      const walk = await walkFiles(t.dir, () => false);
      expect(walk.files.map((f) => [f.rel, f.size])).toEqual([
        ['big.bin', -1],
        ['small.py', -1],
      ]);
      const [b, s] = await digestFiles(walk);
      expect(b).toMatchObject({
        size: big.length,
        sha256: createHash('sha256').update(big).digest('hex'),
        md5: createHash('md5').update(big).digest('hex'),
      });
      expect(s).toMatchObject({ size: 5, md5: '5d41402abc4b2a76b9719d911017c592' });
    } finally {
      t.cleanup();
    }
  });
  it('a file whose sha256 the record has keeps that very string and no MD5; another keeps both of its own', async () => {
    const t = tempDir();
    try {
      write(t.dir, 'same.py', 'hello');
      write(t.dir, 'edited.py', 'hello again');
      // a string built at run time, as a parsed record's would be (not the literal the hash returns)
      const recorded = ['2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b98', '24'].join('');
      const asked: string[] = [];
      const known = (rel: string) => {
        asked.push(rel);
        return rel === 'same.py' || rel === 'edited.py' ? { sha256: recorded, size: 5 } : undefined;
      };
      const files = [localFile('edited.py'), localFile('same.py')];
      const [edited, same] = await digestFiles({ root: t.dir, files }, { known });
      expect(asked).toEqual(['edited.py', 'same.py']);
      // filled in place: the walk's own objects
      expect(same).toBe(files[1]);
      expect(same).toEqual({ rel: 'same.py', size: 5, sha256: recorded, md5: undefined });
      expect(same.sha256).toBe(recorded);
      expect(edited.sha256).not.toBe(recorded);
      expect(edited.md5).toMatch(/^[0-9a-f]{32}$/);
      expect(md5OfFile(join(t.dir, 'same.py'))).toBe('5d41402abc4b2a76b9719d911017c592');
      expect(md5OfFile(join(t.dir, 'missing.py'))).toBeUndefined();
    } finally {
      t.cleanup();
    }
  });
  it('reads the MD5 of single-part ETags only', () => {
    expect(etagMd5('"5d41402abc4b2a76b9719d911017c592"')).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(etagMd5('"5d41402abc4b2a76b9719d911017c592-3"')).toBeUndefined();
    expect(sameEtag('"abc"', 'abc')).toBe(true);
    expect(sameEtag(undefined, 'abc')).toBe(false);
  });
});

describe('requirements.txt checks', () => {
  it('warns without a --constraint line, with the line for the Airflow version', () => {
    const f = checkRequirements('apache-airflow-providers-snowflake==5.0.0\n', '2.10.3');
    expect(f.map((x) => x.code)).toEqual(['requirements.no-constraint']);
    expect(f[0].fix).toContain('constraints-2.10.3/constraints-3.11.txt');
  });
  it('accepts -c and --constraint= forms, and lists unpinned packages', () => {
    expect(checkRequirements('-c https://x/c.txt\nboto3==1.0\n', '2.10.3')).toEqual([]);
    expect(checkRequirements('--constraint=https://x\nfoo[extra]==1.0 ; python_version>"3"\n', '2.10.3')).toEqual([]);
    const f = checkRequirements(
      '--constraint "x"\nrequests\npandas>=2\nnumpy==1.*\nok==1.0\n# comment\n-e git+https://x#egg=y\npkg @ https://x/pkg.whl\n',
      '2.10.3',
    );
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('requests, pandas, numpy');
  });
});
