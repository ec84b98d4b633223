/**
 * The layer rule of docs/architecture.md, as code: which part of src/ may import which.
 *
 *   cli  → core, aws, ui, local (it wires everything together)
 *   aws  → core (the adapters implement core's ports)
 *   ui   → core
 *   core → nothing else in src/; no terminal or process modules, no `process` global; the AWS SDK
 *          only as `import type` (the ports describe AWS's data shapes, nothing of the SDK is loaded)
 *   local → nothing else in src/ (the emulator is an independent oracle)
 *
 * `layerViolations(files)` takes file texts, so a test can show it catching a wrong import without
 * writing one into the tree.
 */
import { posix } from 'node:path';

export type Layer = 'cli' | 'core' | 'aws' | 'ui' | 'local';

const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  cli: ['cli', 'core', 'aws', 'ui', 'local'],
  aws: ['aws', 'core'],
  ui: ['ui', 'core'],
  core: ['core'],
  local: ['local'],
};

/** Packages and built-in modules that mean terminal or process access, refused in core. */
const CORE_FORBIDDEN_MODULES = [
  /^node:(child_process|tty|readline|worker_threads|cluster)$/,
  /^(child_process|tty|readline)$/,
  /^(ink|react|chalk|ora|commander)(\/|$)/,
];

export interface SourceFile {
  /** repository-relative, e.g. src/core/deploy/plan.ts */
  path: string;
  text: string;
}

export interface Specifier {
  spec: string;
  typeOnly: boolean;
  line: number;
}

export function layerOf(path: string): Layer | undefined {
  const m = /^src\/(cli|core|aws|ui|local)\//.exec(path);
  return m ? (m[1] as Layer) : undefined;
}

/** Every module a file names: static imports and re-exports, dynamic `import('…')`. */
export function importsOf(text: string): Specifier[] {
  const out: Specifier[] = [];
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const statement = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(statement)) {
    out.push({ spec: m[3]!, typeOnly: Boolean(m[2]), line: lineAt(m.index! + m[0].indexOf(m[1]!)) });
  }
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push({ spec: m[1]!, typeOnly: false, line: lineAt(m.index!) });
  }
  return out;
}

function resolvedLayer(from: string, spec: string): Layer | undefined {
  if (!spec.startsWith('.')) return undefined;
  return layerOf(posix.normalize(posix.join(posix.dirname(from), spec)));
}

/** `file:line: what` for each import a layer may not make. */
export function layerViolations(files: readonly SourceFile[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const layer = layerOf(file.path);
    if (!layer) continue;
    for (const { spec, typeOnly, line } of importsOf(file.text)) {
      const target = resolvedLayer(file.path, spec);
      if (target && !MAY_IMPORT[layer].includes(target)) {
        found.push(`${file.path}:${line}: ${layer} may not import ${target} (${spec})`);
      }
      if (layer !== 'core') continue;
      if (CORE_FORBIDDEN_MODULES.some((re) => re.test(spec))) {
        found.push(`${file.path}:${line}: core may not use ${spec} (terminal or process access belongs in cli)`);
      }
      if (spec.startsWith('@aws-sdk/') && !typeOnly) {
        found.push(`${file.path}:${line}: core may import the AWS SDK only as \`import type\` (${spec}); adapters live in src/aws`);
      }
    }
    if (layer === 'core') {
      file.text.split('\n').forEach((text, i) => {
        if (/(?<![\w.'"`])process\.(?:env|argv|exit|stdout|stderr|stdin|on|cwd|kill)\b/.test(text) && !/^\s*(\*|\/\/)/.test(text)) {
          found.push(`${file.path}:${i + 1}: core may not touch the process (${text.trim()})`);
        }
      });
    }
  }
  return found;
}
