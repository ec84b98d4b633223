/** Git metadata of the project for release records (commit, branch, author, uncommitted changes): the cli runs git; core only receives the result. */
import { execFile } from 'node:child_process';
import type { GitInfo } from '../core/deploy/records.js';

function git(args: string[], cwd: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env: env as NodeJS.ProcessEnv, timeout: 5000, windowsHide: true }, (error, stdout) => {
      resolve(error ? undefined : stdout.trim());
    });
  });
}

/** undefined when the folder is not in a git checkout (or git is not installed). */
export async function gitInfo(cwd: string, env: Record<string, string | undefined>): Promise<GitInfo | undefined> {
  const commit = await git(['rev-parse', 'HEAD'], cwd, env);
  if (!commit) return undefined;
  const [branch, author, status] = await Promise.all([
    git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd, env),
    git(['log', '-1', '--format=%an <%ae>'], cwd, env),
    git(['status', '--porcelain', '--untracked-files=no'], cwd, env),
  ]);
  return {
    commit,
    ...(branch && branch !== 'HEAD' ? { branch } : {}),
    ...(author ? { author } : {}),
    ...(status !== undefined ? { dirty: status !== '' } : {}),
  };
}
