/**
 * Whether a named profile exists in the shared AWS files, to say so when the SDK finds no credentials
 * for it (its own message does not name the profile). Read only after such a failure.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The two shared files, as the SDK finds them (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/…). */
export function sharedFiles(env: Readonly<Record<string, string | undefined>>): { config: string; credentials: string } {
  const home = env.HOME || env.USERPROFILE || homedir();
  return {
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
  };
}

/** A path as a person would write it: ~/… under the home folder. */
export function shownPath(path: string, env: Readonly<Record<string, string | undefined>>): string {
  const home = env.HOME || env.USERPROFILE || homedir();
  return home && path.startsWith(`${home}/`) ? `~/${path.slice(home.length + 1)}` : path;
}

function sections(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return new Set();
  }
  const names = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\[\s*([^\]]+?)\s*\]/.exec(line);
    if (m) names.add(m[1].replace(/\s+/g, ' '));
  }
  return names;
}

/** True when neither shared file has the profile (config: `[profile x]`, or `[default]`; credentials: `[x]`). */
export function profileMissing(profile: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const files = sharedFiles(env);
  const config = sections(files.config);
  const credentials = sections(files.credentials);
  const inConfig = config.has(`profile ${profile}`) || (profile === 'default' && config.has('default'));
  return !inConfig && !credentials.has(profile);
}
