// Bundles src/cli/main.ts into dist/ with esbuild. Command handlers are split into chunks that load
// only when their command runs; the AWS SDK, ink and React stay in node_modules and are imported lazily.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['@aws-sdk/*', '@smithy/*', 'ink', 'react', 'react/*', 'ink-*', 'yoga-layout', 'ora'],
  banner: { js: "import { createRequire as __mwaaCreateRequire } from 'node:module'; const require = __mwaaCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});

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
