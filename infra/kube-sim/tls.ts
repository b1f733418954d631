// The cluster's PKI, made fresh at every start: one CA, a serving certificate for the loopback names and
// client certificates whose CN/O carry the user and groups, as kube-apiserver's x509 authenticator reads them.
// Keys are ECDSA P-256, as k3s and kubeadm's --encryption-algorithm=ECDSA-P256 make them: an RSA-2048 key cost
// about 0.18 s of CPU to generate, and a simulated cluster with its webhook needs a dozen (ADR 0015). The
// certificates are assembled from der.ts and signed by node:crypto, so no X.509 library is needed.
import { createHash, createPublicKey, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import {
  bitString, boolean, explicit, implicit, ipAddressBytes, objectIdentifier, octetString, sequence, set, smallInteger,
  time, unsignedInteger, utf8String,
} from './der.js';

const generateKeyPairAsync = promisify(generateKeyPair);
/** Every key the simulator makes, for certificates and for service account tokens alike. */
export const P256_KEY = { namedCurve: 'prime256v1' } as const;

export interface CertPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends CertPair {
  /** A serving certificate for DNS names and IP addresses (127.0.0.1, ::1, localhost by default). */
  issueServerCert(hosts?: string[]): Promise<CertPair>;
  /** A client certificate: CN = username, one O per group. */
  issueClientCert(username: string, groups: string[]): Promise<CertPair>;
}

const DEFAULT_HOSTS = ['127.0.0.1', '::1', 'localhost'];
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

// The AlgorithmIdentifier of ecdsa-with-SHA256 has no parameters (RFC 5758, section 3.2).
const SIGNATURE_ALGORITHM = sequence(objectIdentifier(OID.ecdsaWithSha256));

interface Key {
  keyPem: string;
  privateKey: KeyObject;
  spki: Buffer;
  /** RFC 5280's method (1): the SHA-1 of the subjectPublicKey bits. */
  keyId: Buffer;
}

async function newKey(): Promise<Key> {
  const { privateKey } = await generateKeyPairAsync('ec', P256_KEY);
  const publicKey = createPublicKey(privateKey);
  const { x, y } = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(x!, 'base64url'), Buffer.from(y!, 'base64url')]);
  return {
    keyPem: privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
    privateKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    keyId: createHash('sha1').update(point).digest(),
  };
}

type NameAttribute = { oid: string; value: string };

const name = (attributes: NameAttribute[]) =>
  sequence(...attributes.map((a) => set(sequence(objectIdentifier(a.oid), utf8String(a.value)))));

const extension = (oid: string, value: Buffer, critical = false) =>
  sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value));

// keyUsage bits, numbered from the most significant bit of the first byte (RFC 5280, section 4.2.1.3).
const KEY_USAGE_CA = bitString(Buffer.from([0x86]), 1); // digitalSignature, keyCertSign, cRLSign
const KEY_USAGE_LEAF = bitString(Buffer.from([0x80]), 7); // digitalSignature: ECDSA keys do not encipher

function certificate(subject: Buffer, issuer: Buffer, key: Key, signer: KeyObject, extensions: Buffer[]): string {
  // A positive serial: the high bit cleared so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const now = Date.now();
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    SIGNATURE_ALGORITHM,
    issuer,
    sequence(time(new Date(now - 60_000)), time(new Date(now + ONE_YEAR_MS))), // tolerate small clock skew between processes
    subject,
    key.spki,
    explicit(3, sequence(...extensions)),
  );
  const der = sequence(tbs, SIGNATURE_ALGORITHM, bitString(sign('sha256', tbs, signer)));
  const base64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`;
}

export async function createCertificateAuthority(commonName = 'kube-sim-ca'): Promise<CertificateAuthority> {
  const ca = await newKey();
  const caName = name([{ oid: OID.commonName, value: commonName }]);
  const caPem = certificate(caName, caName, ca, ca.privateKey, [
    extension(OID.basicConstraints, sequence(boolean(true)), true),
    extension(OID.keyUsage, KEY_USAGE_CA, true),
    extension(OID.subjectKeyIdentifier, octetString(ca.keyId)),
  ]);

  async function issue(subject: NameAttribute[], usage: string, more: Buffer[] = []): Promise<CertPair> {
    const leaf = await newKey();
    const certPem = certificate(name(subject), caName, leaf, ca.privateKey, [
      extension(OID.basicConstraints, sequence()),
      extension(OID.keyUsage, KEY_USAGE_LEAF, true),
      extension(OID.extKeyUsage, sequence(objectIdentifier(usage))),
      extension(OID.authorityKeyIdentifier, sequence(implicit(0, ca.keyId))),
      ...more,
    ]);
    return { certPem, keyPem: leaf.keyPem };
  }

  return {
    certPem: caPem,
    keyPem: ca.keyPem,
    issueServerCert(hosts = DEFAULT_HOSTS) {
      // GeneralName: [2] dNSName (IA5String), [7] iPAddress (OCTET STRING), both implicit.
      const altNames = hosts.map((h) => (isIP(h) ? implicit(7, ipAddressBytes(h)) : implicit(2, Buffer.from(h, 'ascii'))));
      return issue([{ oid: OID.commonName, value: 'kube-apiserver' }], OID.serverAuth, [extension(OID.subjectAltName, sequence(...altNames))]);
    },
    issueClientCert(username, groups) {
      const subject: NameAttribute[] = groups.map((g) => ({ oid: OID.organization, value: g }));
      subject.push({ oid: OID.commonName, value: username });
      return issue(subject, OID.clientAuth);
    },
  };
}
