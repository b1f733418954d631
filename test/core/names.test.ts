import t from 'tap';
import { hostObjectName, hostPodName, isDns1123Label, isDns1123Subdomain, podHostname, safeConcatName } from '../../functions/_shared/core/names.js';

// Expected values were computed independently (Python hashlib over the same rule) and, for the long
// deployment name, match vCluster's documentation (vcluster-docs PR #2786).
const a48 = 'a'.repeat(48);
const a49 = 'a'.repeat(49);
const b70 = 'b'.repeat(70);
const dotAt52 = `${'c'.repeat(51)}.d${'e'.repeat(20)}`;

const cases: Array<{ when: string; name: string; ns: string; vc: string; want: string }> = [
  { when: 'the name is short', name: 'nginx-7d9c', ns: 'default', vc: 'my-vcluster', want: 'nginx-7d9c-x-default-x-my-vcluster' },
  { when: 'the joined name is exactly 63 characters', name: a48, ns: 'default', vc: 'vc', want: `${a48}-x-default-x-vc` },
  { when: 'the joined name is 64 characters', name: a49, ns: 'default', vc: 'vc', want: `${a49}-x--986990a879` },
  { when: 'the name alone is 70 characters', name: b70, ns: 'default', vc: 'vc', want: `${'b'.repeat(52)}-74016181a3` },
  { when: 'the documented long deployment pod', name: 'my-very-long-deployment-name-5f7c9b8d6-abcde', ns: 'production-namespace', vc: 'my-vcluster', want: 'my-very-long-deployment-name-5f7c9b8d6-abcde-x-produ-e657b06b87' },
  { when: 'character 52 is a dot', name: dotAt52, ns: 'ns', vc: 'vc', want: `${'c'.repeat(51)}-7dbe675d58` },
  { when: 'the name has dots but is short', name: 'web.v1', ns: 'default', vc: 'vc', want: 'web.v1-x-default-x-vc' },
];

for (const c of cases) {
  t.test(`when ${c.when}, then the host name is vCluster's`, async (t) => {
    t.equal(hostPodName(c.name, c.ns, c.vc), c.want);
    t.equal(hostObjectName(c.name, c.ns, c.vc), c.want);
    t.ok(c.want.length <= 63);
  });
}

t.test('when character 52 is a dot, then the result is 62 characters and holds no ".-"', async (t) => {
  const name = hostPodName(dotAt52, 'ns', 'vc');
  t.equal(name.length, 62);
  t.notOk(name.includes('.-'));
});

t.test('when every input is a DNS-1123 label, then the host name is one too, at any length', async (t) => {
  for (let n = 1; n <= 90; n++) {
    const name = hostPodName('a1'.repeat(n).slice(0, n), 'team-a', 'my-vcluster');
    t.ok(isDns1123Label(name), `${n}: ${name}`);
  }
});

t.test('when a name has dots, then the host name stays a DNS-1123 subdomain', async (t) => {
  t.ok(isDns1123Subdomain(hostPodName('web.v1', 'default', 'vc')));
  t.ok(isDns1123Subdomain(hostPodName(dotAt52, 'ns', 'vc')));
});

t.test('when the name is empty, then the host name is empty (nothing to name)', async (t) => {
  t.equal(hostObjectName('', 'default', 'vc'), '');
});

t.test('when safeConcatName joins label-key parts, then it matches vCluster test vectors', async (t) => {
  t.equal(safeConcatName('vcluster.loft.sh/label', 'suffix', 'x', 'a4d451ec23'), 'vcluster.loft.sh/label-suffix-x-a4d451ec23');
});

const labels: Array<[string, boolean]> = [
  ['abc', true], ['a', true], ['a-b-c', true], ['0abc', true], ['a'.repeat(63), true],
  ['a'.repeat(64), false], ['', false], ['ABC', false], ['aBc', false], ['a.b', false], ['-a', false], ['a-', false], ['a_b', false],
];
for (const [input, want] of labels) {
  t.test(`when checking "${input.length > 20 ? `${input.length} chars` : input}", then isDns1123Label is ${want}`, async (t) => {
    t.equal(isDns1123Label(input), want);
  });
}

const hostnames: Array<[string, string]> = [
  ['web-0', 'web-0'],
  ['web.v1', 'web-v1'],
  [`${'h'.repeat(62)}.tail`, 'h'.repeat(62)],
  ['h'.repeat(70), 'h'.repeat(63)],
];
for (const [input, want] of hostnames) {
  t.test(`when the virtual pod is "${input.slice(0, 20)}" (${input.length}), then the container hostname is valid`, async (t) => {
    t.equal(podHostname(input), want);
    t.ok(isDns1123Label(podHostname(input)));
  });
}
