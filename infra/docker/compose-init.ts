// The one-shot steps of docker-compose.yml, run from the podferry image:
//   node dist/infra/docker/compose-init.js credentials --dir D --webhook-host H [--webhook-port P] [--node-proxy-host N] [--owner U:G]
//        [--webhook-token-file F]   (the API server then presents that token instead of a client certificate)
//   node dist/infra/docker/compose-init.js register --dir D --virtual-admin F --host-admin F --virtual-server URL
//        --host-server URL --webhook-url URL --host-namespace NS --out DIR [--owner U:G]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureCredentials } from './compose-credentials.js';
import { register } from './compose-register.js';

/** Matches infra/virtual/audit-policy.yaml's `users: ["podferry"]`, so podferry's writes are not audited. */
const VIRTUAL_USER = 'podferry';
// dist/infra/docker/ in the image, infra/docker/ from source: the template sits two levels up either way.
const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), '../virtual/validating-webhook.template.yaml');

export function parseOwner(value: string | undefined): { uid: number; gid: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(value);
  if (!m) throw new Error(`--owner ${JSON.stringify(value)}: expected UID:GID`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

function required(values: Record<string, string | undefined>, keys: string[]): void {
  const missing = keys.filter((k) => !values[k]);
  if (missing.length) throw new Error(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: Object.fromEntries(
      ['dir', 'webhook-host', 'webhook-port', 'webhook-token-file', 'node-proxy-host', 'owner', 'virtual-admin', 'host-admin', 'virtual-server', 'host-server', 'webhook-url', 'host-namespace', 'out', 'template']
        .map((k) => [k, { type: 'string' as const }]),
    ),
  }) as { values: Record<string, string | undefined> };
  const owner = parseOwner(values.owner);
  if (command === 'credentials') {
    required(values, ['dir', 'webhook-host']);
    const webhookToken = values['webhook-token-file'] ? readFileSync(values['webhook-token-file'], 'utf8').trim() : undefined;
    const { created } = await ensureCredentials({
      dir: values.dir!,
      webhookHost: values['webhook-host']!,
      webhookPort: Number(values['webhook-port'] ?? 8443),
      ...(values['node-proxy-host'] ? { nodeProxyHost: values['node-proxy-host'] } : {}),
      virtualUser: VIRTUAL_USER,
      ...(webhookToken ? { webhookToken } : {}),
      ...(owner ? { owner } : {}),
    });
    process.stdout.write(created ? `wrote credentials to ${values.dir}\n` : `kept the credentials in ${values.dir}\n`);
    return;
  }
  if (command === 'register') {
    required(values, ['dir', 'virtual-admin', 'host-admin', 'virtual-server', 'host-server', 'webhook-url', 'host-namespace', 'out']);
    const out = await register({
      credentialsDir: values.dir!,
      virtualAdminKubeconfig: values['virtual-admin']!,
      hostAdminKubeconfig: values['host-admin']!,
      virtualServer: values['virtual-server']!,
      hostServer: values['host-server']!,
      virtualUser: VIRTUAL_USER,
      webhookUrl: values['webhook-url']!,
      hostNamespace: values['host-namespace']!,
      webhookTemplateFile: values.template ?? TEMPLATE,
      outDir: values.out!,
      ...(owner ? { owner } : {}),
    });
    process.stdout.write(`registered the webhook; wrote ${out.virtualKubeconfig} and ${out.hostKubeconfig}\n`);
    return;
  }
  throw new Error(`unknown command ${JSON.stringify(command)}: expected credentials or register`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`compose-init: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
