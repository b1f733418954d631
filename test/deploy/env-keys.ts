// The environment keys podferry's functions read, taken from their config readers (functions/**/config.ts,
// the only readers of process.env), so a deployment file cannot set a key nothing reads.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function configFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return configFiles(path);
    return e.name === 'config.ts' ? [path] : [];
  });
}

export function readEnvKeys(root = 'functions'): Set<string> {
  const keys = new Set<string>();
  for (const file of configFiles(root)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"]|env\.([A-Z][A-Z0-9_]+)/g)) keys.add(m[1] ?? m[2]);
  }
  return keys;
}
