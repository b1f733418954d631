// scripts/without-tap-loader.mjs (ADR 0016): with it preloaded, tap's process-info module hook is not
// registered, and any other module hook still is. Each child starts with NODE_OPTIONS unset, so that what this
// test process inherited from `npm test` does not decide the answer.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { ROOT } from '../helpers/node-entry.js';

const processInfoImport = import.meta.resolve('@tapjs/processinfo/import');
const preload = pathToFileURL(join(ROOT, 'scripts/without-tap-loader.mjs')).href;
const fixture = (name: string) => join(ROOT, 'test/scripts/fixtures', name);

function probe(imports: string[]): { recorded: boolean; answer: string } {
  const out = execFileSync('env', ['-u', 'NODE_OPTIONS', process.execPath, ...imports.map((i) => `--import=${i}`), fixture('recorded.mjs')], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

t.test('without the preload, tap records every module a process loads (the probe can see the hook)', async (t) => {
  t.same(probe([processInfoImport]), { recorded: true, answer: 'from the file' });
});

t.test('with the preload first, tap does not register its hook and records nothing', async (t) => {
  t.same(probe([preload, processInfoImport]), { recorded: false, answer: 'from the file' });
});

t.test('with the preload first, a module hook registered from elsewhere still runs', async (t) => {
  t.same(probe([preload, pathToFileURL(fixture('rewrite-hook.mjs')).href, processInfoImport]), { recorded: false, answer: 'from the hook' });
});
