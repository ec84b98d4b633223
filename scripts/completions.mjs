// Writes completions/mwaa.{bash,zsh,fish} from the command registry (the same declarations that build
// the parser). test/cli/completion.test.ts fails when the committed files are stale.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = await build({
  absWorkingDir: root,
  stdin: {
    contents: `export { completionScript } from './src/cli/completion/generate.ts';
      export { COMMANDS, GROUPS } from './src/cli/registry.ts';
      export { GLOBAL_OPTIONS } from './src/cli/globals.ts';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
  logLevel: 'warning',
  // command handlers are not needed to describe the commands
  plugins: [{ name: 'no-handlers', setup: (b) => b.onResolve({ filter: /\/commands\// }, (a) => ({ path: a.path, external: true })) }],
});
const { completionScript, COMMANDS, GROUPS, GLOBAL_OPTIONS } = await import(
  `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`
);
mkdirSync(join(root, 'completions'), { recursive: true });
for (const shell of ['bash', 'zsh', 'fish']) {
  writeFileSync(join(root, 'completions', `mwaa.${shell}`), completionScript(shell, COMMANDS, GROUPS, GLOBAL_OPTIONS));
  console.log(`completions/mwaa.${shell}`);
}
