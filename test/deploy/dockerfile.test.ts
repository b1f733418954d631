// infra/docker/Dockerfile cannot be built here (no Docker daemon), so it is read for what matters (stages,
// a non-root user, nothing secret copied, the CLI as entrypoint), and its build step is run for real:
// `npm run build` must succeed and the emitted CLI must start.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';

interface Instruction { op: string; args: string }
interface Stage { from: string; name?: string; body: Instruction[] }

function stages(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const result: Stage[] = [];
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      result.push({ from: m[1], ...(m[2] ? { name: m[2] } : {}), body: [] });
    } else if (result.length > 0) {
      result[result.length - 1].body.push({ op: op.toUpperCase(), args });
    }
  }
  return result;
}

const dockerfile = readFileSync('infra/docker/Dockerfile', 'utf8');
const all = stages(dockerfile);
const runtime = all[all.length - 1];
const SECRET_LIKE = /(^|\/)\.env|\.pem\b|\.key\b|kubeconfig|\.podferry|id_rsa|\.npmrc/;

t.test('when the Dockerfile is read, then it builds in stages and runs the CLI as a non-root user', async (t) => {
  t.ok(all.length >= 2, 'multi-stage');
  t.ok(all.slice(0, -1).every((s) => s.name), 'every build stage is named');
  t.match(runtime.from, /node:20-slim|\$\{NODE_IMAGE\}|distroless/, 'a slim runtime base');
  t.match(dockerfile, /ARG NODE_IMAGE=node:20-slim/);
  const user = runtime.body.filter((i) => i.op === 'USER').at(-1)?.args;
  t.ok(user && /^[1-9]\d*(:\d+)?$/.test(user), `the runtime runs as a numeric non-root user (${user})`);
  const entrypoint = JSON.parse(runtime.body.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
  t.same(entrypoint, ['node', 'dist/functions/cli.js']);
  const cmd = JSON.parse(runtime.body.find((i) => i.op === 'CMD')!.args) as string[];
  t.same(cmd, ['webhook'], 'the command picks the function; the webhook by default');
  const deps = all.find((s) => s.body.some((i) => i.op === 'RUN' && i.args.includes('--omit=dev')));
  t.ok(deps, 'a stage installs production dependencies only');
  t.ok(runtime.body.some((i) => i.op === 'COPY' && i.args.includes(`--from=${deps?.name}`)), 'the runtime takes them from that stage');
});

t.test('when COPY instructions are read, then nothing secret enters the image and every source exists', async (t) => {
  for (const stage of all) {
    for (const copy of stage.body.filter((i) => i.op === 'COPY' || i.op === 'ADD')) {
      t.not(copy.op, 'ADD', 'COPY, not ADD (no remote fetches or archive unpacking)');
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const sources = parts.slice(0, -1);
      for (const source of sources) {
        t.notMatch(source, SECRET_LIKE, `${stage.name ?? 'runtime'}: ${source} is not secret-like`);
        t.not(source, '.', `${stage.name ?? 'runtime'}: the whole context is never copied`);
        if (!copy.args.includes('--from=')) {
          const glob = source.replace(/\*.*$/, '');
          t.ok(existsSync(glob || '.'), `${source} exists in the build context`);
        }
      }
    }
  }
  const ignore = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
  for (const entry of ['.env', '.podferry', 'node_modules', '.git', 'dist']) t.ok(ignore.includes(entry), `.dockerignore keeps ${entry} out of the context`);
});

t.test('when compose runs the image, then every command it gives is one the CLI or the compose-init script knows', async (t) => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, { image?: string; command?: string[]; entrypoint?: string[] }> };
  const cli = readFileSync('functions/cli.ts', 'utf8');
  for (const [name, s] of Object.entries(compose.services).filter(([, s]) => s.image === 'podferry:dev')) {
    if (s.entrypoint) t.match(dockerfile, /COPY infra\/docker\/\*\.ts/, `${name}: the image builds ${s.entrypoint[1]}`);
    else t.match(cli, `case '${s.command![0]}':`, `${name}: podferry ${s.command![0]} exists`);
  }
});

t.test('when the build script runs, then the emitted CLI starts and prints its usage', async (t) => {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'pipe' });
  const help = spawnSync(process.execPath, ['dist/functions/cli.js', '--help'], { encoding: 'utf8' });
  t.equal(help.status, 0, help.stderr);
  t.match(help.stdout, /usage: podferry <command>/);
  for (const command of ['webhook', 'worker', 'dashboard']) t.match(help.stdout, new RegExp(`^\\s+${command}\\s`, 'm'));
  const init = spawnSync(process.execPath, ['dist/infra/docker/compose-init.js', 'nope'], { encoding: 'utf8' });
  t.equal(init.status, 1);
  t.match(init.stderr, /expected credentials or register/, 'the compose one-shot script runs from dist/');
});
