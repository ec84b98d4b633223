/**
 * The key ranges a push lists the bucket's current objects in (src/core/deploy/listing.ts): cut at every
 * 1,000th of the project's own keys, in S3's order of keys (UTF-8 bytes), the tool's state folder left out
 * when it lies under the prefix.
 */
import { describe, expect, it } from 'vitest';
import { keyRanges } from '../../src/core/deploy/listing.js';

const keys = (n: number) => Array.from({ length: n }, (_, i) => `dags/t${i % 20}/f${String(i).padStart(5, '0')}.py`);

describe('keyRanges', () => {
  it('one open range for up to 1,000 files, and for none', () => {
    expect(keyRanges('dags/', keys(1000))).toEqual([{}]);
    expect(keyRanges('dags/', [])).toEqual([{}]);
  });

  it('2,000 files: two ranges, cut at the 1,000th key in sorted order; 2,001: three', () => {
    const files = keys(2000);
    const sorted = [...files].sort();
    expect(keyRanges('dags/', files)).toEqual([{ last: sorted[999] }, { after: sorted[999] }]);
    const more = [...files, 'dags/zz.py'];
    expect(keyRanges('dags/', more)).toEqual([{ last: sorted[999] }, { after: sorted[999], last: sorted[1999] }, { after: sorted[1999] }]);
  });

  it("cuts in S3's order: a key past U+FFFF comes after one in U+E000–U+FFFF, though JavaScript's < says before", () => {
    const files = ['dags/\u{1F600}.py', 'dags/\uFF01.py', 'dags/a.py'];
    // pages of 1: the cuts are the first and second keys in UTF-8 byte order
    expect(keyRanges('dags/', files, 1)).toEqual([
      { last: 'dags/a.py' },
      { after: 'dags/a.py', last: 'dags/\uFF01.py' },
      { after: 'dags/\uFF01.py' },
    ]);
  });

  it("under the bucket's root, the range that holds the tool's state folder ends before it and goes on after it", () => {
    expect(keyRanges('', ['a.py', 'b.py', 'z.py'], 1)).toEqual([
      { last: '.mwaa/' },
      { after: '.mwaa/\u{10FFFF}', last: 'a.py' },
      { after: 'a.py', last: 'b.py' },
      { after: 'b.py' },
    ]);
    expect(keyRanges('', [])).toEqual([{ last: '.mwaa/' }, { after: '.mwaa/\u{10FFFF}' }]);
  });
});
