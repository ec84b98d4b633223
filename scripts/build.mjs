// Bundles src/cli/main.ts into dist/ with esbuild. Command handlers are split into chunks that load
// only when their command runs; the AWS SDK, ink and React stay in node_modules and are imported lazily.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

rmSync(join(root, 'dist'), { recursive: true, force: true });

// commander can run subcommands as executables, which loads node:child_process at start-up; mwaa
// never does, so commander gets a stub and `mwaa --help` starts faster.
const noChildProcessInCommander = {
  name: 'no-child-process-in-commander',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "module.exports = { spawn() { throw new Error('executable subcommands are not supported'); } };",
      loader: 'js',
    }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: true,
  external: ['@aws-sdk/*', '@smithy/*', 'ink', 'react', 'react/*', 'ink-*', 'yoga-layout', 'ora'],
  banner: { js: "import { createRequire as __mwaaCreateRequire } from 'node:module'; const require = __mwaaCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
  plugins: [noChildProcessInCommander],
});

// What each output file imports statically: test/e2e checks that the start-up path stays light.
writeFileSync(join(root, 'dist', 'meta.json'), JSON.stringify(result.metafile));

// The JSON Schema for editors, generated from the same zod schema.
const schemaOut = await build({
  absWorkingDir: root,
  stdin: { contents: "export { configJsonSchema } from './src/core/config/schema.ts';", resolveDir: root, loader: 'ts' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
  logLevel: 'warning',
});
const url = `data:text/javascript;base64,${Buffer.from(schemaOut.outputFiles[0].text).toString('base64')}`;
const { configJsonSchema } = await import(url);
mkdirSync(join(root, 'schema'), { recursive: true });
writeFileSync(join(root, 'schema', 'mwaa.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
