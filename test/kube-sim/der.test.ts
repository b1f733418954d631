// The DER encodings the simulator's certificates are built from, against encodings worked by hand from X.690
// and RFC 5280 (an OID's base-128 arcs, a long length, a negative-looking integer, both time forms, IP bytes).
import t from 'tap';
import { bitString, boolean, ipAddressBytes, objectIdentifier, sequence, time, tlv, unsignedInteger } from '../../infra/kube-sim/der.js';

const hex = (b: Buffer) => b.toString('hex');

t.test('each encoding matches its worked example', async (t) => {
  const table: Array<[string, Buffer, string]> = [
    ['an OID with multi-byte arcs (rsadsi)', objectIdentifier('1.2.840.113549'), '06062a864886f70d'],
    ['subjectAltName', objectIdentifier('2.5.29.17'), '0603551d11'],
    ['ecdsa-with-SHA256', objectIdentifier('1.2.840.10045.4.3.2'), '06082a8648ce3d040302'],
    ['an integer whose top bit is set gains a zero byte', unsignedInteger(Buffer.from([0x80])), '02020080'],
    ['leading zero bytes are dropped', unsignedInteger(Buffer.from([0, 0, 0x7f])), '02017f'],
    ['zero stays one byte', unsignedInteger(Buffer.from([0, 0])), '020100'],
    ['TRUE', boolean(true), '0101ff'],
    ['keyUsage bits with one unused bit', bitString(Buffer.from([0x86]), 1), '03020186'],
    ['an empty SEQUENCE', sequence(), '3000'],
    ['a length of 200 takes one length byte after 0x81', tlv(0x04, Buffer.alloc(200)).subarray(0, 3), '0481c8'],
    ['a length of 300 takes two after 0x82', tlv(0x04, Buffer.alloc(300)).subarray(0, 4), '0482012c'],
    ['UTCTime before 2050', time(new Date('2026-12-02T11:56:47.742Z')), `170d${Buffer.from('261202115647Z').toString('hex')}`],
    ['GeneralizedTime from 2050', time(new Date('2050-01-01T00:00:00Z')), `180f${Buffer.from('20500101000000Z').toString('hex')}`],
  ];
  for (const [what, got, want] of table) t.equal(hex(got), want, what);
});

t.test('IP addresses become the 4 or 16 bytes of iPAddress', async (t) => {
  const table: Array<[string, string]> = [
    ['127.0.0.1', '7f000001'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['2001:db8:0:0:1:0:0:1', '20010db8000000000001000000000001'],
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001'],
  ];
  for (const [ip, want] of table) t.equal(hex(ipAddressBytes(ip)), want, ip);
  t.throws(() => ipAddressBytes('localhost'), /not an IP address/);
  t.throws(() => objectIdentifier('2'), /not an object identifier/);
});
