// How a test starts one of the repository's TypeScript entry points in a child `node`: as the mirror's
// JavaScript when the test itself runs transpiled (`npm test`, ADR 0014), else through tsx. Always node itself,
// never a wrapper that forks, so the child's pid is the program's (a SIGKILL or an RSS reading must hit it).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The root this test runs from: the repository, or its transpiled mirror. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** node's arguments for `entry` (a path from the root, such as 'functions/cli.ts') and its own arguments. */
export function nodeEntryArgs(entry: string, args: string[] = []): string[] {
  const compiled = join(ROOT, entry.replace(/\.ts$/, '.js'));
  if (import.meta.url.endsWith('.js') && existsSync(compiled)) return [compiled, ...args];
  return ['--import', 'tsx', join(ROOT, entry), ...args];
}
