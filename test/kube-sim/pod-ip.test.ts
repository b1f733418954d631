import t from 'tap';
import { PodIpAllocator, cidrContains, ipToNumber, nodePodCidr, numberToIp, parseCidr } from '../../infra/kube-sim/pod-ip.js';

t.test('when a node index is given, then its /24 is that slice of the cluster CIDR', async (t) => {
  const cases: Array<[string, number, string]> = [
    ['10.244.0.0/16', 0, '10.244.0.0/24'],
    ['10.244.0.0/16', 3, '10.244.3.0/24'],
    ['10.244.0.0/16', 255, '10.244.255.0/24'],
    ['10.0.0.0/8', 300, '10.1.44.0/24'],
    ['192.168.7.0/24', 0, '192.168.7.0/24'],
  ];
  for (const [cidr, i, want] of cases) t.equal(nodePodCidr(cidr, i), want, `${cidr} #${i}`);
  t.throws(() => nodePodCidr('10.244.0.0/16', 256), /has no \/24 number 256/);
  t.throws(() => nodePodCidr('10.244.0.0/25', 0), /smaller than a \/24/);
});

t.test('when addresses are parsed, then bad ones are refused and good ones round-trip', async (t) => {
  t.equal(numberToIp(ipToNumber('172.18.0.255')), '172.18.0.255');
  t.equal(ipToNumber('255.255.255.255'), 2 ** 32 - 1);
  for (const bad of ['1.2.3', '1.2.3.256', 'a.b.c.d', '1.2.3.4.5']) t.throws(() => ipToNumber(bad), { message: /invalid IPv4/ });
  t.same(parseCidr('10.244.3.7/24'), { base: ipToNumber('10.244.3.0'), prefix: 24 }, 'host bits are masked');
  t.throws(() => parseCidr('10.0.0.0/33'));
  t.ok(cidrContains('10.244.1.0/24', '10.244.1.254'));
  t.notOk(cidrContains('10.244.1.0/24', '10.244.2.1'));
});

t.test('when a node leases addresses, then they are unique, skip network, gateway and broadcast, and run out at 253', async (t) => {
  const ips = new PodIpAllocator('10.244.1.0/24');
  const got = Array.from({ length: 253 }, () => ips.allocate());
  t.equal(got[0], '10.244.1.2');
  t.equal(got.at(-1), '10.244.1.254');
  t.equal(new Set(got).size, 253);
  t.throws(() => ips.allocate(), /exhausted/);
  ips.release('10.244.1.9');
  t.equal(ips.allocate(), '10.244.1.9');
  t.equal(ips.inUse, 253);
});

t.test('when an address is released, then it is not handed out again before the others', async (t) => {
  const ips = new PodIpAllocator('10.244.2.0/24');
  const a = ips.allocate();
  ips.release(a);
  t.not(ips.allocate(), a);
});
