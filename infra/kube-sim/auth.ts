// Who is calling: a client certificate verified against the cluster CA (CN = user, O = groups, as the x509
// authenticator reads them) or a bearer token from the static token table. Anonymous callers may reach only
// the public-info paths, as the system:public-info-viewer role allows on a real cluster.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from './types.js';

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/livez', '/version', '/version/']);

export const ANONYMOUS: UserInfo = Object.freeze({ username: 'system:anonymous', groups: ['system:unauthenticated'] }) as UserInfo;

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.has(path) || path.startsWith('/healthz/') || path.startsWith('/readyz/') || path.startsWith('/livez/');
}

// The certificate is fixed for the life of a TLS connection, so the user is worked out once per socket.
const certUsers = new WeakMap<object, UserInfo | null>();

function userFromCertificate(socket: TLSSocket): UserInfo | null {
  const cached = certUsers.get(socket);
  if (cached !== undefined) return cached;
  let user: UserInfo | null = null;
  if (socket.authorized) {
    const subject = socket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    const username = Array.isArray(cn) ? cn[0] : cn;
    if (username) {
      const o = subject?.O;
      const groups = o === undefined ? [] : Array.isArray(o) ? [...o] : [o];
      user = { username, groups: [...groups, 'system:authenticated'] };
    }
  }
  certUsers.set(socket, user);
  return user;
}

export interface Authenticator {
  /** The caller, or undefined when no valid credential was presented. */
  authenticate(req: IncomingMessage): UserInfo | undefined;
}

/** `verifyToken` checks bearer tokens the static table does not list (service account JWTs). */
export function createAuthenticator(tokens: ReadonlyMap<string, UserInfo>, verifyToken?: (token: string) => UserInfo | undefined): Authenticator {
  return {
    // Certificate first, then the token: kube-apiserver's union authenticator accepts whichever succeeds.
    authenticate(req) {
      const socket = req.socket as TLSSocket;
      if (socket.encrypted) {
        const fromCert = userFromCertificate(socket);
        if (fromCert) return fromCert;
      }
      const header = req.headers.authorization;
      if (header !== undefined && header.length > 7 && header.slice(0, 7).toLowerCase() === 'bearer ') {
        const token = header.slice(7).trim();
        return tokens.get(token) ?? verifyToken?.(token);
      }
      return undefined;
    },
  };
}
