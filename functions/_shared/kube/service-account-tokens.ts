// TokenRequest (POST serviceaccounts/<name>/token) against the virtual API server: the one call that turns
// a virtual pod's projected token source into a token. The token goes back to the caller only: it is never
// logged, and errors carry the API's Status, which holds no token.
import type { KubeSide } from './kube-side.js';

export interface TokenAsk {
  audiences: string[];
  expirationSeconds: number;
  /** The virtual pod the token is bound to: it stops working when that pod is gone. */
  boundPod: { name: string; uid: string };
}

export interface IssuedTokenStatus {
  token: string;
  expirationTimestamp: Date;
}

export async function requestServiceAccountToken(side: KubeSide, namespace: string, serviceAccount: string, ask: TokenAsk): Promise<IssuedTokenStatus> {
  const answer = await side.call('create', (core) => core.createNamespacedServiceAccountToken({
    namespace,
    name: serviceAccount,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: ask.audiences,
        expirationSeconds: ask.expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: ask.boundPod.name, uid: ask.boundPod.uid },
      },
    },
  }));
  const token = answer.status?.token;
  const expires = answer.status?.expirationTimestamp;
  if (!token || !expires) throw new Error(`TokenRequest for serviceaccount ${namespace}/${serviceAccount} answered without a token or expiry`);
  return { token, expirationTimestamp: new Date(expires) };
}
