/**
 * Finding, parsing and validating mwaa.yaml, and choosing the environment a command works on.
 * Errors carry file:line:column, the field path and what was expected (exit code 2).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import type * as z from 'zod/mini';
import { ConfigError, UsageError } from '../errors.js';
import { configSchema, type EnvironmentEntry, type MwaaConfig } from './schema.js';

export const CONFIG_FILE_NAMES = ['mwaa.yaml', 'mwaa.yml'] as const;

export interface LoadedConfig {
  /** absolute path of the file */
  file: string;
  /** the folder holding it: relative paths in the file are relative to this */
  dir: string;
  config: MwaaConfig;
}

/** The environment a command works on. */
export interface SelectedEnvironment {
  key: string;
  entry: EnvironmentEntry;
  /** the config it came from */
  source: LoadedConfig;
  /** resolves a path of the entry (dags, plugins, …) against the config's folder */
  path(relative: string): string;
}

/** Finds mwaa.yaml in `cwd` or the nearest parent. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Loads the config named by --config, or the one found upward from cwd. */
export function loadConfig(options: { cwd: string; configPath?: string }): LoadedConfig {
  const file = options.configPath ? resolve(options.cwd, options.configPath) : findConfigFile(options.cwd);
  if (!file) {
    throw new ConfigError('no mwaa.yaml found in this folder or any parent', undefined, {
      code: 'config.missing',
      hint: 'run `mwaa init` to create one, or pass --config <file>',
    });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read ${file}`, undefined, {
      code: 'config.missing',
      cause,
      hint: 'check the path given to --config',
    });
  }
  return { file, dir: dirname(file), config: parseConfig(text, file) };
}

/** Parses and validates the text of an mwaa.yaml. */
export function parseConfig(text: string, file: string): MwaaConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const message = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`invalid YAML: ${message}`, at(first.pos[0]), {
      code: 'config.yaml',
      hint: 'fix the YAML syntax (indentation, quotes, colons) at that position',
    });
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (data === null || data === undefined) {
    throw new ConfigError(
      'the file is empty',
      { file, line: 1, column: 1 },
      {
        hint: 'run `mwaa init` for a starting point, or add an `environments:` map',
      },
    );
  }
  const result = configSchema.safeParse(data);
  if (result.success) return result.data;

  // A misspelled key explains the "missing" field next to it, so unknown keys are reported first.
  const issues = [...result.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  const problems = issues.map((issue) => describeIssue(issue, doc.contents, data, at, file));
  const [first, ...rest] = problems;
  throw new ConfigError(first.message + (rest.length ? `\n${rest.map((p) => p.text).join('\n')}` : ''), first.location, {
    hint: 'see the schema in schema/mwaa.schema.json, or `mwaa init` for an example',
    details: { problems: problems.map((p) => ({ ...p.location, message: p.message })) },
  });
}

interface Problem {
  location: { file: string; line?: number; column?: number; path: string };
  message: string;
  text: string;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  root: YamlNode | null,
  data: unknown,
  at: (offset: number) => { file: string; line: number; column: number },
  file: string,
): Problem {
  let path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    path = [...path, key];
    message = `unknown field "${key}"`;
  } else if (issue.code === 'invalid_type' && !has(data, path)) {
    message = `missing required field (${message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})`;
  } else if (issue.code === 'invalid_key') {
    message = issue.issues[0]?.message ?? message;
  } else {
    message = message.replace(/^Invalid input: /, '').replace(/^Invalid option: /, '');
  }
  const offset = locate(root, path, issue.code === 'unrecognized_keys' || issue.code === 'invalid_key');
  const location: Problem['location'] = offset === undefined ? { file, path: path.join('.') } : { ...at(offset), path: path.join('.') };
  const where = location.line !== undefined ? `${file}:${location.line}:${location.column}` : file;
  return { location, message, text: `${where}: ${location.path}: ${message}` };
}

function has(data: unknown, path: string[]): boolean {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !(segment in current)) return false;
    current = (current as Record<string, unknown>)[segment];
  }
  return true;
}

/** The source offset of the node at `path` (or of its key), else of the closest existing ancestor. */
function locate(root: YamlNode | null, path: string[], wantKey: boolean): number | undefined {
  let node: YamlNode | null = root;
  let best = node?.range?.[0];
  for (let i = 0; i < path.length && node; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === segment) as Pair<YamlNode, YamlNode> | undefined;
      if (!pair) return best;
      const last = i === path.length - 1;
      if (last && wantKey) return pair.key?.range?.[0] ?? best;
      node = pair.value ?? null;
      best = node?.range?.[0] ?? pair.key?.range?.[0] ?? best;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as YamlNode | undefined;
      if (!item) return best;
      node = item;
      best = item.range?.[0] ?? best;
    } else {
      return best;
    }
  }
  return best;
}

/**
 * Chooses the environment: `-e/--env`, else MWAA_ENV, else the only one in the file.
 * An unknown key, or several environments and no choice, is a usage error listing the keys.
 */
export function selectEnvironment(loaded: LoadedConfig, wanted: { flag?: string; envVar?: string }): SelectedEnvironment {
  const keys = Object.keys(loaded.config.environments);
  const choice = wanted.flag ?? (wanted.envVar ? wanted.envVar : undefined);
  let key: string;
  if (choice !== undefined) {
    if (!keys.includes(choice)) {
      const from = wanted.flag !== undefined ? '--env' : 'MWAA_ENV';
      throw new UsageError(`no environment "${choice}" in ${loaded.file} (from ${from})`, {
        code: 'config.env-unknown',
        hint: `choose one of: ${keys.join(', ')}`,
      });
    }
    key = choice;
  } else if (keys.length === 1) {
    key = keys[0];
  } else {
    throw new UsageError(`${loaded.file} names ${keys.length} environments; choose one with -e/--env or MWAA_ENV`, {
      code: 'config.env-ambiguous',
      hint: `environments: ${keys.join(', ')}`,
    });
  }
  const entry = loaded.config.environments[key];
  return { key, entry, source: loaded, path: (relative) => resolve(loaded.dir, relative) };
}

/**
 * The source bucket of an environment: `bucket:` from mwaa.yaml; a local environment without one gets
 * a bucket named after it on the emulator.
 */
export function sourceBucketName(entry: EnvironmentEntry): string {
  if (entry.bucket) return entry.bucket;
  const base = entry.name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return `${base || 'airflow'}-local`.slice(0, 63);
}
