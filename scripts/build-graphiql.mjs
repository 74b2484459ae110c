#!/usr/bin/env node
/**
 * Bundles the service's GraphiQL page offline into dist/graphiql/ (run as `npm run build:graphiql`):
 *
 *   dist/graphiql/index.html                 the page template (placeholders filled by src/server/graphiql.ts)
 *   dist/graphiql/assets/app.js, chunks/*    graphiql/app.tsx, ES module with lazily loaded chunks
 *                                            (Monaco, Prettier) that the browser fetches from the same folder
 *   dist/graphiql/assets/app.css             GraphiQL's and Monaco's styles, fonts inlined as data: URLs
 *   dist/graphiql/assets/*.worker.js         Monaco's editor and JSON workers and monaco-graphql's worker,
 *                                            which app.tsx starts through MonacoEnvironment.getWorker
 *
 * Everything is minified and comes from node_modules: nothing is fetched at build or run time.
 * graphiql/ is type-checked first (graphiql/tsconfig.json; esbuild itself only strips types).
 * Exits non-zero, with tsc's or esbuild's messages, on any error or when an output would load
 * something from another host.
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { copyFile, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'graphiql');
const outDir = path.join(root, 'dist', 'graphiql');
const assetsDir = path.join(outDir, 'assets');

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  platform: 'browser',
  target: ['es2022', 'chrome111', 'firefox111', 'safari16.4'],
  logLevel: 'warning',
  legalComments: 'eof',
  metafile: true,
  define: {
    'process.env.NODE_ENV': '"production"',
    // @graphiql/toolkit picks `await import('graphql-ws')` over require() unless this is 'false'.
    'process.env.USE_IMPORT': '"true"',
  },
};

/** The page: an ES module so that Monaco and Prettier stay in chunks loaded on first use. */
async function buildApp() {
  return build({
    ...common,
    entryPoints: { app: path.join(source, 'app.tsx') },
    outdir: assetsDir,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    jsx: 'automatic',
    // Monaco's modules import their own CSS files; graphiql/style.css (in app.css) already
    // carries the same Monaco styles, so those imports are dropped from the JS build.
    loader: { '.css': 'empty', '.ttf': 'empty' },
  });
}

/** Monaco's workers: classic scripts, one self-contained file each. */
async function buildWorkers() {
  return build({
    ...common,
    entryPoints: {
      'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
      'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
      'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
    },
    outdir: assetsDir,
    format: 'iife',
  });
}

async function buildStyles() {
  return build({
    ...common,
    entryPoints: { app: path.join(source, 'app.css') },
    outdir: assetsDir,
    // Anything that is not already a data: URL is inlined rather than left as a URL.
    loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
  });
}

/** Patterns that would make the browser load code or styles from another host. */
const REMOTE_LOADS = [
  /\bimport\s*\(\s*["'`](?:https?:)?\/\//,
  /\bimport\s*["'`](?:https?:)?\/\//,
  /\bfrom\s*["'`](?:https?:)?\/\//,
  /\bimportScripts\s*\(\s*["'`](?:https?:)?\/\//,
  /\bnew\s+Worker\s*\(\s*["'`](?:https?:)?\/\//,
  /url\(\s*["']?(?:https?:)?\/\//,
  /@import\s+(?:url\()?\s*["']?(?:https?:)?\/\//,
];

async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

async function checkNoRemoteLoads(files) {
  const offenders = [];
  for (const file of files) {
    if (!/\.(js|css|html)$/.test(file)) continue;
    const text = await readFile(file, 'utf8');
    for (const pattern of REMOTE_LOADS) {
      const match = pattern.exec(text);
      if (match) offenders.push(`${path.relative(root, file)}: …${text.slice(match.index, match.index + 80)}…`);
    }
  }
  if (offenders.length) throw new Error(`outputs would load from another host:\n  ${offenders.join('\n  ')}`);
}

function formatSize(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** tsc on graphiql/tsconfig.json; throws with its diagnostics. */
async function typecheck() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', path.join(source, 'tsconfig.json')], { cwd: root });
  } catch (error) {
    throw new Error(`type errors in graphiql/:\n${error.stdout || error.stderr || error.message}`);
  }
}

async function main() {
  const started = Date.now();
  await typecheck();
  await rm(outDir, { recursive: true, force: true });
  await mkdir(assetsDir, { recursive: true });
  await Promise.all([buildApp(), buildWorkers(), buildStyles()]);
  await copyFile(path.join(source, 'index.html'), path.join(outDir, 'index.html'));

  const files = await listFiles(outDir);
  await checkNoRemoteLoads(files);

  let total = 0;
  const rows = [];
  for (const file of files.sort()) {
    const { size } = await stat(file);
    total += size;
    if (!file.includes(`${path.sep}chunks${path.sep}`)) rows.push(`  ${path.relative(root, file).padEnd(44)} ${formatSize(size)}`);
  }
  const chunks = files.filter((f) => f.includes(`${path.sep}chunks${path.sep}`)).length;
  console.log(`graphiql: built ${path.relative(root, outDir)}/ in ${Date.now() - started} ms`);
  console.log(rows.join('\n'));
  console.log(`  ${chunks} lazily loaded chunks; ${files.length} files, ${formatSize(total)} in all`);
}

main().catch((error) => {
  console.error(`graphiql: build failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
