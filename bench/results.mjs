// Replaces one "## <title>" section of bench/RESULTS.md, leaving the others as they are.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const HEAD = '# Benchmark results\n\nEach section is written by its benchmark; ratios are measured in one run on this project\'s\n2-core machines. Reproduce with the command given in the section.\n';

export function writeSection(title, body) {
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : HEAD;
  const heading = `## ${title}`;
  const section = `${heading}\n\n${body.trim()}\n`;
  const start = text.indexOf(`${heading}\n`);
  if (start === -1) {
    text = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = text.indexOf('\n## ', start + heading.length);
    text = text.slice(0, start) + section + (next === -1 ? '' : `\n${text.slice(next + 1)}`);
  }
  writeFileSync(RESULTS, text.endsWith('\n') ? text : `${text}\n`);
}

export function machine() {
  return `Node ${process.version}, ${process.platform}/${process.arch}`;
}
