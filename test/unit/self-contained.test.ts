/**
 * The repository explains itself: no tracked text file cites a document that is not in it (design notes,
 * reference write-ups and their section numbers). A comment that needs a fact states it, or points to a
 * document here: README.md, docs/architecture.md, docs/deploy.md, src/local/README.md,
 * src/local/airflow/README.md, src/local/mwaa/README.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const SELF = 'test/unit/self-contained.test.ts';

/** Citations of documents outside the repository, and the section sign they were numbered with. */
const OUTSIDE = [
  /\bDESIGN\b/,
  /reference\//,
  /reference §/,
  /\breference (?:mwaa-api|airflow-cli)/,
  /mwaa-api\.md/,
  /airflow-cli\.md/,
  /style-anchors/,
  /users-and-anchors/,
  /§/,
];

function trackedTextFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' });
  return out
    .split('\0')
    .filter((f) => f !== '')
    .filter((f) => !/^(?:node_modules|dist)\//.test(f) && !f.includes('/node_modules/'))
    .filter((f) => f !== 'package-lock.json' && f !== SELF);
}

describe('the repository is self-contained', () => {
  it('cites no document outside the repository', () => {
    const hits: string[] = [];
    for (const file of trackedTextFiles()) {
      let text: string;
      try {
        text = readFileSync(join(root, file), 'utf8');
      } catch {
        continue; // tracked but not present in this checkout
      }
      if (text.includes('\0')) continue; // binary
      text.split('\n').forEach((line, i) => {
        if (OUTSIDE.some((re) => re.test(line))) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits, `citations of documents outside the repository:\n${hits.join('\n')}`).toEqual([]);
  });
});
