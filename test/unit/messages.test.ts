/** The message registry: messages are made from it, and nowhere else builds an event by hand. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEVELS, msg, question } from '../../src/core/messages.js';

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('messages', () => {
  it('take their level from the registry, and leave data out for codes that have none', () => {
    expect(msg('deploy.phase', { phase: 'uploads' }, 'uploading 3 DAG files')).toEqual({
      code: 'deploy.phase',
      level: 'info',
      message: 'uploading 3 DAG files',
      data: { phase: 'uploads' },
    });
    expect(msg('trigger.poll', undefined, 'next poll in 100 ms')).toEqual({
      code: 'trigger.poll',
      level: 'debug',
      message: 'next poll in 100 ms',
    });
    expect(LEVELS['deploy.upload.done']).toBe('progress');
  });

  it('questions default to no', () => {
    expect(question('confirm', undefined, 'overwrite?')).toEqual({ code: 'confirm', text: 'overwrite?', data: undefined, default: false });
  });

  it('no source file outside the registry builds an event literal with a code and a level', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      if (file.endsWith(join('core', 'messages.ts'))) continue;
      const text = readFileSync(file, 'utf8');
      // an object literal with both a string code and an event level, within a few lines
      if (/code: '[^']+',[\s\S]{0,200}?level: '(debug|info|warn|progress)'/.test(text)) offenders.push(relative(SRC, file));
    }
    expect(offenders).toEqual([]);
  });
});
