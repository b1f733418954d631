#!/usr/bin/env node
// `npm test`: transpile the TypeScript once, then let tap run plain JavaScript (ADR 0014).
//
// Loading each test file through tsx's hooks cost about 1.7 CPU-seconds, mostly the hooks themselves on every
// import of node_modules, which no cache avoids; 161 files made that the suite's largest cost. esbuild turns the
// whole tree into JavaScript in about a second, so the tests run without a loader. Like tsx, it only strips
// types: `npm run typecheck` is the type check.
//
// The mirror (.test-build/) has the repository's layout: every source file is linked there as it is, and each
// .ts file also has its .js beside it. Code that finds files relative to itself (YAML templates, golden files,
// README.md) or spawns `node --import tsx <root>/functions/cli.ts` works unchanged from the mirror.
//
//   npm test                                  every test
//   npm test -- test/e2e/host-watch.test.ts   one file (a .ts path is mapped to its .js)
//   npm test -- --coverage                    with tap's coverage report (the thresholds in package.json)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = join(ROOT, '.test-build');
const COMPILED = ['functions', 'infra', 'test', 'bench', 'chaos'];
// Not mirrored: the mirror itself, git and outputs. node_modules is linked, so paths from the root find it.
const SKIPPED_TOP = new Set(['.test-build', '.git', 'dist', 'coverage', '.tap', '.podferry']);

/** Mirror the repository into BUILD with every .ts file transpiled beside its link; returns the test files. */
async function buildMirror() {
  rmSync(BUILD, { recursive: true, force: true });
  mkdirSync(BUILD, { recursive: true });
  for (const entry of readdirSync(ROOT, { withFileTypes: true })) {
    if (SKIPPED_TOP.has(entry.name) || COMPILED.includes(entry.name)) continue;
    symlinkSync(join(ROOT, entry.name), join(BUILD, entry.name));
  }
  const sources = [];
  const walk = (dir) => {
    mkdirSync(join(BUILD, dir), { recursive: true });
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) { walk(path); continue; }
      symlinkSync(join(ROOT, path), join(BUILD, path));
      if (path.endsWith('.ts') && !path.endsWith('.d.ts')) sources.push(path);
    }
  };
  for (const dir of COMPILED) walk(dir);
  await Promise.all(sources.map(async (path) => {
    const out = join(BUILD, path.replace(/\.ts$/, '.js'));
    const { code } = await transform(readFileSync(join(ROOT, path), 'utf8'), {
      loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline',
      // Stack traces and coverage name the real source file, not the mirror.
      sourcefile: relative(dirname(out), join(ROOT, path)),
    });
    writeFileSync(out, code);
  }));
  return sources.filter((p) => p.startsWith('test/') && p.endsWith('.test.ts')).sort().map(mirrored);
}

/** Where tap finds a test file: the mirror's .js for a source path, relative to the repository. */
const mirrored = (path) => (path.startsWith('.test-build/') ? path : join('.test-build', path.replace(/\.ts$/, '.js')));

/**
 * tap rebuilds its plugin set when package.json's list differs from the one installed (a fresh `npm ci` installs
 * the default set, @tapjs/typescript included), but only for its next run: the run that rebuilds still starts
 * every test with the old set's module hooks. Building first makes the first run on a new clone the same as
 * every later one. About 10 seconds, once per install.
 */
async function buildTapPlugins() {
  // Asked in a child: tap's config reads the command line, and this script's own flags (--coverage) are not tap's.
  // In this order: @tapjs/test can only be loaded once @tapjs/core (through @tapjs/config) has been.
  const probe = `const { TapConfig } = await import('@tapjs/config');
    const { signature } = await import('@tapjs/test');
    process.stdout.write(signature === (await TapConfig.load()).pluginSignature ? 'built' : 'stale');`;
  const answer = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8' });
  if (answer.status === 0 && answer.stdout === 'built') return;
  console.error('test: building tap for the plugins in package.json (once per install)');
  await new Promise((resolve, reject) => {
    spawn(join(ROOT, 'node_modules/.bin/tap'), ['build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
      .on('error', reject)
      .on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tap build exited with ${code}`))));
  });
}

async function main(argv) {
  await buildTapPlugins();
  const coverage = argv.includes('--coverage');
  const args = argv.filter((a) => a !== '--coverage');
  const tests = await buildMirror();
  const named = args.filter((a) => !a.startsWith('-')).map((a) => mirrored(a.replace(/^\.\//, '')));
  const flags = args.filter((a) => a.startsWith('-'));
  const files = named.length > 0 ? named : tests;
  const tapArgs = [...(coverage ? [] : ['--disable-coverage']), '--node-arg=--enable-source-maps', ...flags, ...files];
  // Without coverage, tap's file-recording module hook is skipped in every process (ADR 0016). NODE_OPTIONS
  // reaches the processes tests start too, and its preloads run before tap's own.
  const preload = `--import=${pathToFileURL(join(ROOT, 'scripts/without-tap-loader.mjs'))}`;
  const nodeOptions = [process.env.NODE_OPTIONS, coverage ? undefined : preload].filter(Boolean).join(' ');
  const child = spawn(join(ROOT, 'node_modules/.bin/tap'), tapArgs, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

await main(process.argv.slice(2));
