/**
 * What a deploy leaves out (docs/deploy.md): `__pycache__`, `*.pyc`, `.git`, `.DS_Store`, tool state
 * (`.mwaa/`, `.mwaaignore` itself), and the patterns of `.mwaaignore` files in gitignore syntax — one in
 * the folder being deployed (patterns relative to it) and one in the project folder beside mwaa.yaml
 * (patterns relative to the project).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';

export const DEFAULT_EXCLUDES = ['__pycache__/', '*.pyc', '.git/', '.DS_Store', '.mwaa/', '.mwaaignore'] as const;
export const IGNORE_FILE = '.mwaaignore';

/** Decides, for a path relative to the deployed folder (posix separators), whether it is left out. */
export type IgnoreRule = (relPath: string, isDirectory: boolean) => boolean;

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/**
 * The rule for files under `root`. `projectDir` (the folder holding mwaa.yaml) contributes its own
 * .mwaaignore when `root` is inside it.
 */
export function loadIgnoreRule(root: string, projectDir?: string): IgnoreRule {
  const own = join(root, IGNORE_FILE);
  const projectFile = projectDir ? join(projectDir, IGNORE_FILE) : undefined;
  if (!existsSync(own) && !(projectFile && existsSync(projectFile))) return excludedByDefault;
  const local = ignore().add([...DEFAULT_EXCLUDES]);
  if (existsSync(own)) local.add(readFileSync(own, 'utf8'));

  let project: Ignore | undefined;
  let prefix = '';
  if (projectDir) {
    const rel = relative(projectDir, root);
    const inside = rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    const file = join(projectDir, IGNORE_FILE);
    if (inside && rel !== '' && existsSync(file)) {
      project = ignore().add(readFileSync(file, 'utf8'));
      prefix = `${toPosix(rel)}/`;
    }
  }
  return (relPath, isDirectory) => {
    const path = isDirectory ? `${relPath}/` : relPath;
    if (local.ignores(path)) return true;
    return project?.ignores(prefix + path) === true;
  };
}

/**
 * DEFAULT_EXCLUDES decided by the last segment of the path, for a walk without .mwaaignore files: the
 * walk never enters a folder left out, so a path's folders were decided before it. The same answers as
 * the `ignore` package's (test/unit/deploy-files.test.ts compares them), without its work per path: ~10 ms
 * of a no-op push of 2,000 files, where nothing is compiled and optimized yet.
 */
export const excludedByDefault: IgnoreRule = (relPath, isDirectory) => {
  // case-insensitive, as the `ignore` package matches by default
  const name = relPath.slice(relPath.lastIndexOf('/') + 1).toLowerCase();
  if (isDirectory && (name === '__pycache__' || name === '.git' || name === '.mwaa')) return true;
  return name.endsWith('.pyc') || name === '.ds_store' || name === IGNORE_FILE;
};
