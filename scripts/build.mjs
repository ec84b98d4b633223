// Bundles the CLI into dist/:
// - dist/main.cjs, the start-up path (commander and the command declarations): one CommonJS file (esbuild);
// - dist/lazy/, everything that runs a command (run.ts and the handlers): CommonJS, code-split (rolldown),
//   loaded with require() when a command runs. The AWS SDK clients are bundled in (tree-shaken, one chunk
//   per client, loaded when a command first asks for that client);
// - dist/views/, the ink live views: ES modules (esbuild), imported by the live host only, with ink,
//   React, yoga-layout and chalk bundled in (ink and yoga-layout are ES modules with a top-level await,
//   which require() cannot load on Node 20).
// Why CommonJS for the command path: Node 20's ES module loader reads, decodes, resolves and links each
// module asynchronously and wraps every builtin it imports in an ES module facade; for the ~20 files a
// command loads that was ~10% of `mwaa env show` (bench/startup.mjs). esbuild code-splits ES modules
// only, rolldown code-splits CommonJS too.
import { build } from 'esbuild';
import MagicString from 'magic-string';
import { rolldown } from 'rolldown';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

rmSync(join(root, 'dist'), { recursive: true, force: true });

// zod re-exports every locale (`z.locales`, ~200 KB of error messages in 40 languages); mwaa uses its
// default English messages only, so the locale index is replaced by English alone.
const englishZodOnly = {
  name: 'english-zod-only',
  resolveId(source, importer) {
    if (source !== '../locales/index.js' || !/node_modules[\\/]zod[\\/]/.test(importer ?? '')) return null;
    return `\0zod-en:${join(dirname(importer), '..', 'locales', 'en.js')}`;
  },
  load(id) {
    if (!id.startsWith('\0zod-en:')) return null;
    return `export { default as en } from ${JSON.stringify(id.slice('\0zod-en:'.length))};`;
  },
};

// ink and React are bundled into the views (React's production build), not loaded from node_modules:
// Node's ES module loader resolved, read and linked the ~170 files of ink and its dependencies one by
// one, and a live view took ~0.6 s of CPU to load (~0.15 s bundled; bench/startup.mjs, "a live view's
// modules"). The chalk that ink colours with is bundled there too, once, shared by ink and the views
// (the views set its level to the Io's colour decision; ink's own guess looks at stdout, not at stderr
// where the views draw).

// yoga-layout's loader reads its WebAssembly, a base64 data: URL, with fetch() when there is a fetch: Node
// compiles its fetch (undici) on first use, ~40 ms of CPU in every process that draws a live view. With
// no fetch in sight, the loader decodes the same bytes itself.
let yogaPatched = false;
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, (args) => {
      yogaPatched = true;
      return { contents: `var fetch = undefined;\n${readFileSync(args.path, 'utf8')}`, loader: 'js' };
    });
  },
};

// 1. The live views, as ES modules.
const views = ['deploy', 'env-wait', 'trigger'];
await build({
  plugins: [yogaWithoutFetch],
  absWorkingDir: root,
  entryPoints: views.map((v) => `src/ui/views/${v}.tsx`),
  outdir: 'dist/views',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: true,
  // React's development build checks every render; ink's devtools load only with DEV=true, and their
  // package is not installed
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['react-devtools-core'],
  // CommonJS packages bundled into an ES module (signal-exit, under ink) require() Node's builtins
  banner: {
    js: "import { createRequire as __mwaaCreateRequire } from 'node:module'; const require = __mwaaCreateRequire(import.meta.url);",
  },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
if (!yogaPatched) throw new Error('build: yoga-layout no longer has dist/binaries/yoga-wasm-base64-esm.js; see yogaWithoutFetch');

// 2. Everything that runs a command (run.ts and the handlers), as CommonJS chunks in dist/lazy/. The live
// host's imports of the views stay import()s of the files of step 1.
const handlers = readdirSync(join(root, 'src/cli/commands'), { recursive: true })
  .filter((f) => /\.tsx?$/.test(f))
  .map(
    (f) =>
      `commands/${f
        .split(sep)
        .join('/')
        .replace(/\.tsx?$/, '')}`,
  );
const viewsFromDist = {
  name: 'views-from-dist',
  resolveId(source, importer) {
    const view = /^\.\.\/views\/([\w-]+)\.js$/.exec(source)?.[1];
    if (!view || !views.includes(view) || !importer?.endsWith(join('src', 'ui', 'host', 'view-modules.ts'))) return null;
    return { id: join(root, 'dist', 'views', `${view}.js`), external: 'relative' };
  },
};
// V8 restores code from bin/compile-cache.cjs's cache without its import() callback on Node 20 (the
// restored functions throw "A dynamic import callback was not specified"), so the cache skips every file
// that holds an import(). The command path's import()s of Node's built-ins (the SDK's HTTP handler, our
// remote client, the prompt's readline) become require()s, as in any CommonJS file; the one import() left
// is of the ES module views, in src/ui/host/view-modules.ts, a chunk of its own.
const builtins = new Set(builtinModules);
const builtinImportsAsRequire = {
  name: 'builtin-imports-as-require',
  transform(code, id) {
    if (!code.includes('import(')) return null;
    const out = new MagicString(code);
    for (const m of code.matchAll(/\bimport\(\s*(["'`])((?:node:)?[\w/]+)\1\s*\)/g)) {
      if (!builtins.has(m[2].replace(/^node:/, ''))) continue;
      out.overwrite(m.index, m.index + m[0].length, `Promise.resolve().then(() => require(${JSON.stringify(m[2])}))`);
    }
    return out.hasChanged() ? { code: out.toString(), map: out.generateMap({ source: id, hires: true }) } : null;
  },
};
const lazy = await rolldown({
  cwd: root,
  input: Object.fromEntries(['run', ...handlers].map((name) => [name, `src/cli/${name}.ts`])),
  platform: 'node',
  // reached only through the views (step 1); chalk is bundled here, for the Io's own instances
  external: /^(ink|ink-[\w-]+|react|yoga-layout)(\/|$)/,
  // the SDK packages' ES module builds (dist-es), which tree-shake; their CommonJS builds are one file each
  resolve: { mainFields: ['module', 'main'], extensionAlias: { '.js': ['.ts', '.tsx', '.js'] } },
  transform: { jsx: 'react-jsx' }, // as tsconfig.json
  plugins: [englishZodOnly, viewsFromDist, builtinImportsAsRequire],
  logLevel: 'warn',
});
await lazy.write({
  dir: 'dist/lazy',
  format: 'cjs',
  entryFileNames: '[name].cjs',
  chunkFileNames: 'chunks/[name]-[hash].cjs',
  // run.ts and everything it imports statically, which every command loads, as one file (rolldown would
  // split it by which handlers share each module: ~8 files, each a require() that resolves, reads and
  // compiles one more file)
  codeSplitting: { groups: [{ name: 'command', test: /[\\/]src[\\/]cli[\\/]run\.ts$/ }] },
  sourcemap: true,
  minify: true,
});
await lazy.close();

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

// 3. The start-up path (main.ts: commander and the command declarations) as ONE CommonJS file, so that
// `mwaa --help` loads a single module. Its dynamic imports of run.ts and the handlers become require()s
// of the files of step 2. The two builds each have their own copy of small shared modules (errors, the
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
      return { path: `./lazy/${rel}.cjs`, external: true };
    });
  },
};
const main = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/main.cjs',
  bundle: true,
  format: 'cjs',
  // import() becomes require(): the handlers are CommonJS, and Node's ES module loader is never started
  supported: { 'dynamic-import': false },
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: true,
  // never bundled here, so that the check of dist/meta.json (test/e2e/bin.test.ts) sees any import of them
  external: ['@aws-sdk/*', '@smithy/*', 'ink', 'ink-*', 'react', 'react/*', 'yoga-layout', 'chalk'],
  logLevel: 'warning',
  metafile: true,
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

// The build's identity, for bin/compile-cache.cjs: V8's code cache of a file is valid for this build only
// (V8 itself checks little more than the source's length).
const buildHash = createHash('sha256');
for (const file of ['main.cjs', ...readdirSync(join(root, 'dist', 'lazy'), { recursive: true }).map((f) => join('lazy', f))].sort()) {
  if (!file.endsWith('.cjs')) continue;
  buildHash.update(file).update(readFileSync(join(root, 'dist', file)));
}
writeFileSync(join(root, 'dist', 'build-id'), buildHash.digest('hex').slice(0, 16));

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
