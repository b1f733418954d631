// What going through the virtual cluster costs `kubectl logs` and `kubectl exec -- echo`: the whole local
// stack on loopback, one Running pod, and the same two commands run N times each against the virtual
// cluster (virtual API server -> node proxy -> host API) and directly against the host pod with npm start's
// host kubeconfig, interleaved so both sides see the same machine. Wall time of the kubectl process,
// discovery cache warm, so the figure is kubectl's start-up plus the request itself on both sides; and the
// same two requests from client-node's Log and Exec in this process, which leaves kubectl's start-up out.
//   node --import tsx bench/into-the-pod.ts [--runs 20] [--json]
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, Log, type V1Status } from '@kubernetes/client-node';
import pino from 'pino';
import { startLocalStack } from '../functions/start/local-stack.js';
import { percentiles } from './stats.js';

const { values: a } = parseArgs({ options: { runs: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } } });
const runs = Number(a.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`into-the-pod: --runs needs a whole number of at least 1, got ${a.runs}\n`);
  process.exit(2);
}

function kubectl(kubeconfig: string, cacheDir: string, args: string[]): Promise<{ code: number | null; ms: number; stdout: string; stderr: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ms: Number(process.hrtime.bigint() - started) / 1e6, stdout, stderr }));
  });
}

const dir = await mkdtemp(join(tmpdir(), 'podferry-into-the-pod-'));
const stack = await startLocalStack({ stateDir: join(dir, 'state'), ephemeralPorts: true, log: pino({ level: 'silent' }), kubeletStepMs: 20 });
try {
  const kc = new KubeConfig();
  kc.loadFromString(stack.virtual.kubeconfig);
  const virtualCore = kc.makeApiClient(CoreV1Api);
  await virtualCore.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'bench' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } });
  const deadline = Date.now() + 60_000;
  while ((await virtualCore.readNamespacedPod({ namespace: 'default', name: 'bench' })).status?.phase !== 'Running') {
    if (Date.now() > deadline) throw new Error('the pod did not reach Running in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const virtualKubeconfig = join(dir, 'virtual.kubeconfig');
  await writeFile(virtualKubeconfig, stack.virtual.kubeconfig);
  const hostPod = `bench-x-default-x-${stack.endpoints.cluster}`;
  const sides = {
    virtual: { kubeconfig: virtualKubeconfig, cache: join(dir, 'cache-virtual'), pod: 'bench', ns: 'default' },
    host: { kubeconfig: stack.endpoints.host.kubeconfig, cache: join(dir, 'cache-host'), pod: hostPod, ns: stack.endpoints.hostNamespace },
  };
  const commands = {
    'kubectl logs': (s: typeof sides.virtual) => ['-n', s.ns, 'logs', s.pod],
    'kubectl exec echo': (s: typeof sides.virtual) => ['-n', s.ns, 'exec', s.pod, '--', 'echo', 'hello'],
  };
  const samples: Record<string, number[]> = {};
  const clients = {
    virtual: kc,
    host: (() => {
      const h = new KubeConfig();
      h.loadFromString(stack.host.kubeconfig);
      return h;
    })(),
  };
  const sink = () => new Writable({ write(_c, _e, cb) { cb(); } });
  const timed = async (run: () => Promise<unknown>) => {
    const started = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const clientCalls = {
    'client-node Log': (side: keyof typeof sides) => timed(async () => {
      const out = sink();
      const done = new Promise((resolve) => out.on('finish', resolve));
      await new Log(clients[side]).log(sides[side].ns, sides[side].pod, 'app', out, {});
      await done;
    }),
    'client-node Exec echo': (side: keyof typeof sides) => timed(() => new Promise<V1Status>((resolve, reject) => {
      new Exec(clients[side]).exec(sides[side].ns, sides[side].pod, 'app', ['echo', 'hello'], sink(), sink(), null, false, resolve).catch(reject);
    })),
  };
  for (const [name, call] of Object.entries(clientCalls)) {
    for (const side of ['virtual', 'host'] as const) {
      await call(side);
      samples[`${name} ${side}`] = [];
    }
    for (let i = 0; i < runs; i++) for (const side of ['virtual', 'host'] as const) samples[`${name} ${side}`].push(await call(side));
  }
  for (const [name, args] of Object.entries(commands)) {
    for (const [side, s] of Object.entries(sides)) {
      const warm = await kubectl(s.kubeconfig, s.cache, args(s)); // fills the discovery cache
      if (warm.code !== 0) throw new Error(`kubectl ${args(s).join(' ')} on the ${side} side failed: ${warm.stderr.trim()}`);
      samples[`${name} ${side}`] = [];
    }
    for (let i = 0; i < runs; i++) {
      for (const [side, s] of Object.entries(sides)) {
        const r = await kubectl(s.kubeconfig, s.cache, args(s));
        if (r.code !== 0) throw new Error(`kubectl ${args(s).join(' ')} on the ${side} side failed: ${r.stderr.trim()}`);
        samples[`${name} ${side}`].push(r.ms);
      }
    }
  }
  const result = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, { runs: v.length, ...percentiles(v) }]));
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ runs, cpus: (await import('node:os')).cpus().length, load: (await import('node:os')).loadavg()[0], result })}\n`);
  } else {
    process.stdout.write(`wall time, ms (median / p95 of ${runs} runs each, virtual and host interleaved)\n`);
    for (const name of [...Object.keys(commands), ...Object.keys(clientCalls)]) {
      const v = result[`${name} virtual`];
      const h = result[`${name} host`];
      process.stdout.write(`  ${name.padEnd(22)} virtual ${v.p50.toFixed(1).padStart(7)} / ${v.p95.toFixed(1).padStart(7)}   host ${h.p50.toFixed(1).padStart(7)} / ${h.p95.toFixed(1).padStart(7)}   median difference ${(v.p50 - h.p50).toFixed(1)}\n`);
    }
  }
} finally {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
}
