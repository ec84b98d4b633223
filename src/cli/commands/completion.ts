import { GLOBAL_OPTIONS } from '../globals.js';
import { COMMANDS, GROUPS } from '../registry.js';
import type { Handler } from '../spec.js';
import { completionScript, type Shell } from '../completion/generate.js';
import type { completionCommand } from '../specs/core.js';

export const run: Handler<typeof completionCommand> = async (ctx, { args }) => {
  const shell = args[0] as Shell;
  ctx.host.result({ shell, script: completionScript(shell, COMMANDS, GROUPS, GLOBAL_OPTIONS) }, (r) => r.script);
};
