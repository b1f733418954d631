// package.json says `engines.node: ">=20"`; that is only true if every installed package agrees. npm ci
// prints EBADENGINE for each that does not, which is easy to miss: this test reads every installed
// package.json and names the ones whose own engines range excludes the lowest Node that ours admits.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import semver from 'semver';

const root = join(import.meta.dirname, '..', '..');
const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };

function* installedPackages(dir: string): Generator<{ name: string; version: string; node?: string }> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      yield* installedPackages(path);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string; engines?: { node?: unknown } };
      yield { name: pkg.name ?? entry.name, version: pkg.version ?? '?', node: typeof pkg.engines?.node === 'string' ? pkg.engines.node : undefined };
    }
    if (existsSync(join(path, 'node_modules'))) yield* installedPackages(join(path, 'node_modules'));
  }
}

t.test('every installed package runs on the lowest Node that package.json admits', async (t) => {
  const floor = semver.minVersion(ours.engines.node);
  t.ok(floor, `engines.node "${ours.engines.node}" has a lowest version`);
  // The newest release of that major line is what a user of it runs.
  const target = `${floor!.major}.99.0`;
  const packages = [...installedPackages(join(root, 'node_modules'))];
  t.ok(packages.length > 100, `read ${packages.length} installed packages`);
  const refusing = packages.filter((p) => p.node && !semver.satisfies(target, p.node, { includePrerelease: true }));
  t.same(refusing.map((p) => `${p.name}@${p.version} wants node ${p.node}`), [], `no package refuses Node ${floor!.major}`);
});
