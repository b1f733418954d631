import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority } from '../../infra/kube-sim/tls.js';
import { renderKubeconfig } from '../../infra/kube-sim/kubeconfig.js';
import { commonName, kubeconfigCertUser, resolveOwnUsers } from '../../functions/webhook/own-users.js';

t.test('commonName reads CN from subjects as node prints them', async (t) => {
  t.equal(commonName('O=system:masters\nCN=podferry'), 'podferry');
  t.equal(commonName('CN=a, O=b'), 'a');
  t.equal(commonName('O=only'), undefined);
});

t.test('when the virtual kubeconfig uses a client certificate, then its CN is podferry\'s user', async (t) => {
  const ca = await createCertificateAuthority();
  const client = await ca.issueClientCert('podferry-syncer', ['podferry']);
  const dir = t.testdir({});
  const withCert = join(dir, 'cert.kubeconfig');
  writeFileSync(withCert, renderKubeconfig({ name: 'v', server: 'https://127.0.0.1:1', caPem: ca.certPem, user: 'syncer', clientCertPem: client.certPem, clientKeyPem: client.keyPem }));
  const withToken = join(dir, 'token.kubeconfig');
  writeFileSync(withToken, renderKubeconfig({ name: 'v', server: 'https://127.0.0.1:1', caPem: ca.certPem, user: 'syncer', token: 'abc' }));

  t.equal(kubeconfigCertUser(renderKubeconfig({ name: 'v', server: 'https://x', caPem: ca.certPem, user: 'u', clientCertPem: client.certPem, clientKeyPem: client.keyPem })), 'podferry-syncer');
  t.same(resolveOwnUsers({ virtual: { kubeconfig: withCert } }), { users: ['podferry-syncer'] });
  t.same(resolveOwnUsers({ virtual: { kubeconfig: withCert, user: 'explicit' } }), { users: ['explicit'] }, 'the configured user wins');
  const token = resolveOwnUsers({ virtual: { kubeconfig: withToken } });
  t.same(token.users, []);
  t.match(token.note, /PODFERRY_VIRTUAL_USER/);
  t.match(resolveOwnUsers({ virtual: { kubeconfig: join(dir, 'missing') } }).note, /could not read/);
});
