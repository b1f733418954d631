// Bound service account tokens: POST serviceaccounts/{name}/token (TokenRequest, authentication.k8s.io/v1)
// issues a JWT signed with the cluster's service account key (ES256 for the ECDSA keys the simulator makes,
// RS256 for an RSA key an earlier version left in a cluster directory), bound to a pod (or secret, or node)
// when asked, and the authenticator accepts it back as system:serviceaccount:<ns>:<name> while it has not
// expired and what it is bound to still exists (k8s pkg/registry/core/serviceaccount/storage/token.go,
// pkg/serviceaccount/claims.go and jwt.go).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { badRequest, conflict, KubeError, notFound, type StatusCause } from './errors.js';
import type { ApiContext } from './api-context.js';
import { P256_KEY } from './tls.js';
import { nodes, pods, secrets, serviceAccounts } from './resources.js';
import type { Store } from './store.js';
import type { KubeObject, UserInfo, WriteOptions } from './types.js';
export type { Store };

type Obj = Record<string, any>;

/** --service-account-issuer, and the API's own audience (--api-audiences defaults to the issuer). */
export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const MIN_SECONDS = 600;
/** The kubelet's projected-volume default; such pod-bound tokens are extended to a year, with a warnafter. */
const WARN_ONLY_SECONDS = 3607;
const EXTENDED_SECONDS = 365 * 24 * 3600;
/** go-jose's DefaultLeeway: expiry and deletion are judged a minute late. */
const LEEWAY_S = 60;

export interface TokenSigner {
  readonly privateKeyPem: string;
  readonly keyId: string;
  sign(claims: Obj): string;
  /** The claims of a token this key signed, or undefined. */
  verify(token: string): Obj | undefined;
}

const b64url = (b: Buffer) => b.toString('base64url');

type SigningAlgorithm = 'RS256' | 'ES256';
// JWS carries an ECDSA signature as r || s (RFC 7518, section 3.4), not DER; RSA signatures ignore this.
const JWS_ECDSA = 'ieee-p1363' as const;

/** A new service account signing key (--service-account-key-file): ECDSA P-256, as SEC 1 PEM. */
export function newServiceAccountKeyPem(): string {
  return generateKeyPairSync('ec', P256_KEY).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
}

/**
 * Signs with the given key, or with one of its own made on the first signature: a cluster that never issues
 * a token never pays for a key, and until it does, no token can verify.
 */
export function createTokenSigner(privateKeyPem?: string): TokenSigner {
  let state: { pem: string; key: KeyObject; pub: KeyObject; keyId: string; alg: SigningAlgorithm; header: string } | undefined;
  const load = (pem: string) => {
    const key = createPrivateKey(pem);
    const pub = createPublicKey(key);
    // The key ID kube-apiserver publishes: the base64url SHA-256 of the public key's DER.
    const keyId = b64url(createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest());
    const alg: SigningAlgorithm = key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256';
    return { pem, key, pub, keyId, alg, header: b64url(Buffer.from(JSON.stringify({ alg, kid: keyId }))) };
  };
  const ready = () => (state ??= load(newServiceAccountKeyPem()));
  if (privateKeyPem) state = load(privateKeyPem);
  return {
    get privateKeyPem() { return ready().pem; },
    get keyId() { return ready().keyId; },
    sign(claims) {
      const { header, key } = ready();
      const body = `${header}.${b64url(Buffer.from(JSON.stringify(claims)))}`;
      return `${body}.${b64url(sign('sha256', Buffer.from(body), { key, dsaEncoding: JWS_ECDSA }))}`;
    },
    verify(token) {
      const parts = token.split('.');
      if (parts.length !== 3 || !state) return undefined;
      try {
        const head = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Obj;
        if (head.alg !== state.alg) return undefined;
        if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: state.pub, dsaEncoding: JWS_ECDSA }, Buffer.from(parts[2], 'base64url'))) return undefined;
        return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Obj;
      } catch {
        return undefined;
      }
    },
  };
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function invalidTokenRequest(name: string, causes: StatusCause[]): KubeError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  return new KubeError(422, 'Invalid', `TokenRequest.authentication.k8s.io ${JSON.stringify(name)} is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`,
    { name, group: 'authentication.k8s.io', kind: 'TokenRequest', causes });
}

/** The handler of POST serviceaccounts/{name}/token. */
export function tokenRequestHandler(signer: TokenSigner) {
  return async (ctx: ApiContext, namespace: string, saName: string, body: KubeObject, _wo: WriteOptions): Promise<KubeObject> => {
    const spec: Obj = { ...((body.spec ?? {}) as Obj) };
    spec.expirationSeconds ??= 3600;
    const requestName = body.metadata?.name ?? '';
    const exp = Number(spec.expirationSeconds);
    if (exp < MIN_SECONDS) throw invalidTokenRequest(requestName, [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration less than 10 minutes` }]);
    if (exp > 2 ** 32) throw invalidTokenRequest(requestName, [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration larger than 2^32 seconds` }]);
    const sa = ctx.store.get(serviceAccounts, namespace, saName);
    if (!sa) throw notFound('serviceaccounts', '', saName);

    const bound: Obj = {};
    const ref = spec.boundObjectRef as Obj | undefined;
    if (ref) {
      const [group] = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/') : [''];
      let uid: string | undefined;
      if (group === '' && ref.kind === 'Pod') {
        const pod = ctx.store.get(pods, namespace, ref.name);
        if (!pod) throw notFound('pods', '', ref.name);
        if ((pod.spec as Obj).serviceAccountName !== saName) throw badRequest(`cannot bind token for serviceaccount ${JSON.stringify(saName)} to pod running with different serviceaccount name.`);
        uid = pod.metadata.uid;
        bound.pod = { name: pod.metadata.name, uid };
        const nodeName = (pod.spec as Obj).nodeName as string | undefined;
        if (nodeName) bound.node = { name: nodeName, ...(ctx.store.get(nodes, '', nodeName) ? { uid: ctx.store.get(nodes, '', nodeName)!.metadata.uid } : {}) };
      } else if (group === '' && ref.kind === 'Secret') {
        const secret = ctx.store.get(secrets, namespace, ref.name);
        if (!secret) throw notFound('secrets', '', ref.name);
        uid = secret.metadata.uid;
        bound.secret = { name: secret.metadata.name, uid };
      } else if (group === '' && ref.kind === 'Node') {
        const node = ctx.store.get(nodes, '', ref.name);
        if (!node) throw notFound('nodes', '', ref.name);
        uid = node.metadata.uid;
        bound.node = { name: node.metadata.name, uid };
      } else {
        throw badRequest(`cannot bind token to object of type ${ref.apiVersion ? `${ref.apiVersion}, ` : ''}Kind=${ref.kind ?? ''}`);
      }
      if (ref.uid && ref.uid !== uid) throw conflict(String(ref.kind), '', ref.name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (!Array.isArray(spec.audiences) || spec.audiences.length === 0) spec.audiences = [ISSUER];

    const now = ctx.now();
    const kubeAudiences = (spec.audiences as string[]).every((a) => a === ISSUER);
    const extended = !!bound.pod && exp === WARN_ONLY_SECONDS && kubeAudiences;
    const kubernetes: Obj = { namespace, serviceaccount: { name: saName, uid: sa.metadata.uid }, ...bound };
    if (extended) kubernetes.warnafter = seconds(now) + exp;
    const token = signer.sign({
      aud: spec.audiences, exp: seconds(now) + (extended ? EXTENDED_SECONDS : exp), iat: seconds(now), iss: ISSUER,
      jti: randomUUID(), 'kubernetes.io': kubernetes, nbf: seconds(now), sub: `system:serviceaccount:${namespace}:${saName}`,
    });
    const metadata: Obj = { creationTimestamp: null };
    if (requestName) metadata.name = requestName;
    return {
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata,
      spec: { boundObjectRef: null, ...spec },
      status: { token, expirationTimestamp: stamp(new Date(now.getTime() + exp * 1000)) },
    } as KubeObject;
  };
}

/**
 * The service account token authenticator: the signature, the issuer, an API audience, the validity window
 * and the bound objects (still there, same uid, not deleted more than the leeway ago). Undefined = not ours.
 */
export function serviceAccountAuthenticator(signer: TokenSigner, store: Store, now: () => Date = () => new Date()) {
  return (token: string): UserInfo | undefined => {
    const claims = signer.verify(token);
    if (!claims || claims.iss !== ISSUER) return undefined;
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(ISSUER)) return undefined;
    const t = seconds(now());
    if (typeof claims.exp !== 'number' || t > claims.exp + LEEWAY_S) return undefined;
    if (typeof claims.nbf === 'number' && t < claims.nbf - LEEWAY_S) return undefined;
    const k = (claims['kubernetes.io'] ?? {}) as Obj;
    const ns = k.namespace as string;
    const deletedTooLongAgo = (o: KubeObject) => !!o.metadata.deletionTimestamp && Date.parse(o.metadata.deletionTimestamp) / 1000 < t - LEEWAY_S;
    const sa = store.get(serviceAccounts, ns, k.serviceaccount?.name);
    if (!sa || sa.metadata.uid !== k.serviceaccount?.uid || deletedTooLongAgo(sa)) return undefined;
    for (const [field, resource, scope] of [['pod', pods, ns], ['secret', secrets, ns]] as const) {
      if (!k[field]) continue;
      const obj = store.get(resource, scope, k[field].name);
      if (!obj || obj.metadata.uid !== k[field].uid || deletedTooLongAgo(obj)) return undefined;
    }
    const extra: Record<string, string[]> = {};
    if (claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
    if (k.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
    }
    if (k.node) {
      extra['authentication.kubernetes.io/node-name'] = [k.node.name];
      if (k.node.uid) extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
    }
    return {
      username: `system:serviceaccount:${ns}:${sa.metadata.name}`, uid: sa.metadata.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], extra,
    };
  };
}
