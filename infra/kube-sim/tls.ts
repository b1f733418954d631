// The cluster's PKI, made fresh at every start: one CA, a serving certificate for the loopback names and
// client certificates whose CN/O carry the user and groups, as kube-apiserver's x509 authenticator reads them.
// node-forge builds the X.509 structures; keys and signatures come from node:crypto, because forge's pure-JS
// RSA is slow (a signature cost about 0.1 s of CPU, several per cluster start).
import { constants, generateKeyPair, privateEncrypt, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateKeyPairAsync = promisify(generateKeyPair);

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

// DER of DigestInfo's AlgorithmIdentifier for SHA-256 and the digest's OCTET STRING header (RFC 8017, 9.2).
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** What forge's cert.sign calls: RSASSA-PKCS1-v1_5 over the digest forge computed, done by OpenSSL. */
function nativeSigner(keyPem: string): forge.pki.rsa.PrivateKey {
  const signer = {
    sign(md: forge.md.MessageDigest): string {
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      return privateEncrypt({ key: keyPem, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest])).toString('binary');
    },
  };
  return signer as unknown as forge.pki.rsa.PrivateKey;
}

async function newKey(): Promise<{ keyPem: string; publicKey: forge.pki.rsa.PublicKey }> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { keyPem: privateKey, publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey };
}

function baseCert(publicKey: forge.pki.rsa.PublicKey, subject: forge.pki.CertificateField[]): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: the high bit cleared so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000); // tolerate small clock skew between processes
  cert.validity.notAfter = new Date(now + ONE_YEAR_MS);
  cert.setSubject(subject);
  return cert;
}

function isIp(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}

export async function createCertificateAuthority(commonName = 'kube-sim-ca'): Promise<CertificateAuthority> {
  const ca = await newKey();
  const caSubject = [{ name: 'commonName', value: commonName }];
  const caCert = baseCert(ca.publicKey, caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(nativeSigner(ca.keyPem), forge.md.sha256.create());
  const caPem = forge.pki.certificateToPem(caCert);

  async function issue(subject: forge.pki.CertificateField[], extensions: unknown[]): Promise<CertPair> {
    const leaf = await newKey();
    const cert = baseCert(leaf.publicKey, subject);
    cert.setIssuer(caSubject);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
      ...extensions,
    ]);
    cert.sign(nativeSigner(ca.keyPem), forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem: leaf.keyPem };
  }

  return {
    certPem: caPem,
    keyPem: ca.keyPem,
    issueServerCert(hosts = DEFAULT_HOSTS) {
      const altNames = hosts.map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h }));
      return issue([{ name: 'commonName', value: 'kube-apiserver' }], [
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ]);
    },
    issueClientCert(username, groups) {
      const subject: forge.pki.CertificateField[] = groups.map((g) => ({ name: 'organizationName', value: g }));
      subject.push({ name: 'commonName', value: username });
      return issue(subject, [{ name: 'extKeyUsage', clientAuth: true }]);
    },
  };
}
