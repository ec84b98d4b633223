// Bundles the CLI into dist/ with esbuild: dist/main.cjs is the start-up path (one file), dist/lazy/ holds
// the command handlers, loaded only when their command runs. The AWS SDK clients are bundled into the
// handlers' chunks (tree-shaken, one chunk per client, loaded when a command first asks for that
// client); ink and React stay in node_modules and are imported lazily by the live views.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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

// zod re-exports every locale (`z.locales`, ~200 KB of error messages in 40 languages); mwaa uses its
// default English messages only, so the locale index is replaced by English alone.
const englishZodOnly = {
  name: 'english-zod-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '..', 'locales', 'en.js'), namespace: 'zod-en' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: true,
  external: ['@aws-sdk/*', '@smithy/*', 'ink', 'react', 'react/*', 'ink-*', 'yoga-layout', 'ora'],
  banner: {
    js: "import { createRequire as __mwaaCreateRequire } from 'node:module'; const require = __mwaaCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
};

// 1. Everything that runs a command (run.ts and the handlers), code-split into dist/lazy/.
const handlers = readdirSync(join(root, 'src/cli/commands'), { recursive: true })
  .filter((f) => /\.tsx?$/.test(f))
  .map((f) => `src/cli/commands/${f.split(sep).join('/')}`);
const lazy = await build({
  ...common,
  // chalk from node_modules, the instance ink colours with: the live views set its level to the Io's
  // colour decision (ink's own guess looks at stdout, not at stderr where the views draw)
  external: [...common.external.filter((e) => !e.startsWith('@aws-sdk') && !e.startsWith('@smithy')), 'chalk'],
  // the SDK packages' ES module builds (dist-es), which tree-shake; their CommonJS builds are one file each
  mainFields: ['module', 'main'],
  entryPoints: ['src/cli/run.ts', ...handlers],
  outbase: 'src/cli',
  outdir: 'dist/lazy',
  splitting: true,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [englishZodOnly],
});

// 2. The start-up path (main.ts: commander and the command declarations) as ONE CommonJS file, so that
// `mwaa --help` loads a single module. Its dynamic imports of run.ts and the handlers point at the
// files of step 1. The two builds each have their own copy of small shared modules (errors, the
// declarations); errors are recognised by a Symbol.for brand, never by instanceof across builds.
const cliDir = join(root, 'src/cli');
const toLazy = {
  name: 'handlers-from-dist-lazy',
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '');
      const rel = relative(cliDir, target).split(sep).join('/');
      if (rel !== 'run' && !rel.startsWith('commands/')) return undefined;
      return { path: `./lazy/${rel}.js`, external: true };
    });
  },
};
const main = await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  // CommonJS: Node starts a CommonJS file faster than an ES module (no module loader to set up); the
  // handlers it imports dynamically are ES modules.
  outfile: 'dist/main.cjs',
  format: 'cjs',
  banner: undefined,
  plugins: [noChildProcessInCommander, toLazy],
});
for (const file of Object.keys(main.metafile.outputs)) {
  for (const imp of main.metafile.outputs[file].imports) {
    if (imp.path.startsWith('./lazy/') && !existsSync(join(root, 'dist', imp.path))) {
      throw new Error(`dist/main.cjs imports ${imp.path}, which the handler build did not produce`);
    }
  }
}

// What each output file imports: test/e2e checks that the start-up path stays light.
writeFileSync(join(root, 'dist', 'meta.json'), JSON.stringify(main.metafile));
writeFileSync(join(root, 'dist', 'lazy', 'meta.json'), JSON.stringify(lazy.metafile));

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
