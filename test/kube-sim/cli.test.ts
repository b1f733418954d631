import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { CliError, parseCliArgs } from '../../infra/kube-sim/cli-args.js';
import { nodeEntryArgs, ROOT } from '../helpers/node-entry.js';

const CLI = 'infra/kube-sim/cli.ts';
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

function messageOf(argv: string[]): string {
  try {
    parseCliArgs(argv);
  } catch (err) {
    if (err instanceof CliError) return err.message;
    throw err;
  }
  return 'no error';
}

t.test('when flags are parsed, then they become ClusterOptions', async (t) => {
  t.same(parseCliArgs(['--mode', 'host', '--kubeconfig-out', 'k', '--port', '0', '--nodes', '2', '--latency-ms', '5', '--error-rate', '0.1']), {
    kubeconfigOut: 'k',
    cluster: { mode: 'host', port: 0, nodes: 2, faults: { latencyMs: 5, errorRate: 0.1 } },
  });
  t.same(parseCliArgs(['--mode=virtual', '--kubeconfig-out=k', '--audit-policy', 'p.yaml', '--audit-webhook-kubeconfig', 'w.yaml']).cluster, {
    mode: 'virtual', audit: { policy: 'p.yaml', webhookKubeconfig: 'w.yaml' },
  });
});

t.test('when a flag is wrong, then the message says what to do instead', async (t) => {
  t.match(messageOf(['--kubeconfig-out', 'k']), '--mode must be "virtual" or "host" (it is required)');
  t.match(messageOf(['--mode', 'cloud', '--kubeconfig-out', 'k']), 'got "cloud"');
  t.match(messageOf(['--mode', 'host']), '--kubeconfig-out FILE is required');
  t.match(messageOf(['--mode', 'host', '--kubeconfig-out', 'k', '--port', 'eighty']), '--port needs a non-negative number');
  t.match(messageOf(['--mode', 'host', '--kubeconfig-out', 'k', '--error-rate', '2']), 'between 0 and 1');
  t.match(messageOf(['--mode', 'host', '--kubeconfig-out', 'k', '--colour']), "Unknown option '--colour'");
  t.match(messageOf(['--mode', 'host', '--kubeconfig-out', 'k', '--audit-policy', 'p']), 'go together');
});

t.test('when the CLI gets a bad flag, then it exits 2 with a message and no stack trace', async (t) => {
  const r = spawnSync(process.execPath, nodeEntryArgs(CLI, ['--mode', 'nope']), { encoding: 'utf8', cwd: ROOT });
  t.equal(r.status, 2);
  t.match(r.stderr, 'kube-sim: --mode must be "virtual" or "host"');
  t.notMatch(r.stderr, /\n\s+at /);
});

t.test('when the CLI runs, then it writes a kubeconfig kubectl can use and exits 0 on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-cli-'));
  const kubeconfig = join(dir, 'virtual.kubeconfig');
  const child = spawn(process.execPath, nodeEntryArgs(CLI, ['--mode', 'virtual', '--kubeconfig-out', kubeconfig, '--port', '0']), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${out}`)), 90_000);
    child.stdout.on('data', () => {
      if (out.includes('kubeconfig:')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`CLI exited ${code}: ${out}`)));
  });
  t.match(out, /listening on https:\/\/127\.0\.0\.1:\d+/);
  t.match(readFileSync(kubeconfig, 'utf8'), 'certificate-authority-data');
  if (hasKubectl) {
    const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'ns'], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^NAME\s+STATUS\s+AGE/);
    t.match(r.stdout, /\ndefault\s+Active\s+/);
  } else {
    t.comment('kubectl not on PATH: skipped the kubectl get ns step');
  }
  child.removeAllListeners('exit');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.equal(await exited, 0);
});
