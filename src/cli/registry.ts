/** The command registry: every command of README "Commands" that works, grouped by noun. */
import type { CommandSpec, GroupSpec } from './spec.js';
import { checkCommands } from './specs/check.js';
import { coreCommands } from './specs/core.js';
import { dagsCommands } from './specs/dags.js';
import { envCommands } from './specs/env.js';
import { localCommands } from './specs/local.js';
import { logsCommands } from './specs/logs.js';
import { remoteCommands } from './specs/remote.js';

/** Nouns that group verbs (`mwaa env create`). A group is shown only when it has a command. */
export const GROUPS: GroupSpec[] = [
  { name: 'env', summary: 'create, update, inspect and delete environments' },
  { name: 'dags', summary: 'deploy DAGs, plugins, requirements and the startup script' },
  { name: 'releases', summary: 'deploy history' },
  { name: 'local', summary: 'the local MWAA emulator' },
];

export const COMMANDS: CommandSpec[] = [
  ...coreCommands,
  ...envCommands,
  ...checkCommands,
  ...dagsCommands,
  ...remoteCommands,
  ...logsCommands,
  ...localCommands,
];
