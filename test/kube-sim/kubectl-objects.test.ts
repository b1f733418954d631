// kubectl's typed generators (create namespace|configmap|secret|serviceaccount) send protobuf bodies; apply
// uses OpenAPI-driven strategic merge patches. Both against startCluster. Skips without kubectl.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startCluster, type StartedCluster } from '../../infra/kube-sim/server.js';
import { hasKubectl, kubectlIn } from '../helpers/kubectl.js';

if (!hasKubectl) t.plan(0, 'no kubectl on PATH');

let cluster: StartedCluster;
const { dir, kubeconfig, run: kubectl } = kubectlIn('kubectl-objects');


const json = async (...args: string[]) => JSON.parse((await kubectl(...args, '-o', 'json')).stdout);

if (hasKubectl) {
  t.before(async () => {
    cluster = await startCluster({ mode: 'virtual' });
    await cluster.writeKubeconfig(kubeconfig);
  });
  t.teardown(() => cluster.close());

  t.test('when kubectl creates objects with its generators, then the protobuf bodies are read as kubectl meant them', async (t) => {
    t.equal((await kubectl('create', 'namespace', 'team')).stdout.trim(), 'namespace/team created');
    t.equal((await kubectl('-n', 'team', 'create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=level=3')).stdout.trim(), 'configmap/settings created');
    t.equal((await kubectl('-n', 'team', 'create', 'secret', 'generic', 'creds', '--from-literal=password=hunter2')).stdout.trim(), 'secret/creds created');
    t.equal((await kubectl('-n', 'team', 'create', 'serviceaccount', 'robot')).stdout.trim(), 'serviceaccount/robot created');
    const ns = await json('get', 'namespace', 'team');
    t.match(ns, { metadata: { name: 'team', labels: { 'kubernetes.io/metadata.name': 'team' } }, status: { phase: 'Active' } });
    t.notOk('generateName' in ns.metadata, 'empty protobuf strings are not carried over');
    t.same((await json('-n', 'team', 'get', 'configmap', 'settings')).data, { mode: 'fast', level: '3' });
    t.same((await json('-n', 'team', 'get', 'secret', 'creds')).data, { password: Buffer.from('hunter2').toString('base64') });
    t.equal((await json('-n', 'team', 'get', 'serviceaccount', 'robot')).metadata.namespace, 'team');
    const listed = await kubectl('-n', 'team', 'get', 'configmaps');
    t.match(listed.stdout, /^NAME\s+DATA\s+AGE\n/);
    t.match(listed.stdout, /\nsettings\s+2\s+/);
  });

  t.test('when kubectl applies a manifest twice with a change, then it creates, then patches', async (t) => {
    const manifest = (tier: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  namespace: team
  labels:
    tier: ${tier}
data:
  key: ${tier}
`;
    writeFileSync(join(dir, 'cm.yaml'), manifest('one'));
    const first = await kubectl('apply', '-f', join(dir, 'cm.yaml'));
    t.equal(first.stdout.trim(), 'configmap/applied created', first.stderr);
    writeFileSync(join(dir, 'cm.yaml'), manifest('two'));
    const second = await kubectl('apply', '-f', join(dir, 'cm.yaml'));
    t.equal(second.stdout.trim(), 'configmap/applied configured', second.stderr);
    t.equal(second.stderr, '', 'no fallback warnings');
    const cm = await json('-n', 'team', 'get', 'configmap', 'applied');
    t.same(cm.data, { key: 'two' });
    t.match(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '"two"');
    const unchanged = await kubectl('apply', '-f', join(dir, 'cm.yaml'));
    t.equal(unchanged.stdout.trim(), 'configmap/applied unchanged');
  });

  t.test('when kubectl asks who it is and what it may do, then the admin identity answers and everything is allowed', async (t) => {
    const whoami = await kubectl('auth', 'whoami');
    t.equal(whoami.code, 0, whoami.stderr);
    t.match(whoami.stdout, /Username\s+kubernetes-admin\n/);
    t.match(whoami.stdout, /Groups\s+\[system:masters system:authenticated\]/);
    const canI = await kubectl('auth', 'can-i', 'delete', 'pods', '-n', 'team');
    t.equal(canI.stdout.trim(), 'yes');
  });

  t.test('when kubectl deletes the namespace, then it and its content go', async (t) => {
    const deleted = await kubectl('delete', 'namespace', 'team', '--timeout=20s');
    t.equal(deleted.code, 0, deleted.stderr);
    const gone = await kubectl('get', 'namespace', 'team');
    t.match(gone.stderr, 'namespaces "team" not found');
  });
}
