// The real kubectl against a simulator, as the conformance tests drive it: its own kubeconfig and a cache
// dir of the test's (never ~/.kube), and asynchronous, because the server lives in the test's process and a
// blocking spawn would deadlock it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

export interface KubectlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  dir: string;
  kubeconfig: string;
  /** The flags every call gets, for tests that spawn kubectl themselves (get -w). */
  baseArgs: string[];
  run(...args: string[]): Promise<KubectlRun>;
}

export function kubectlIn(label: string): Kubectl {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  const kubeconfig = join(dir, 'kubeconfig');
  const baseArgs = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')];
  return {
    dir,
    kubeconfig,
    baseArgs,
    run: (...args) =>
      new Promise((resolve, reject) => {
        const child = spawn('kubectl', [...baseArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      }),
  };
}
