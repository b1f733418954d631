// Who may call the webhook: the virtual API server, proven either by a client certificate that the TLS
// layer verified against CLIENT_CA_FILE, or by a bearer token from the configured list. Routes marked
// `config: { public: true }` (health, metrics) stay open for probes and scrapers.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthorized } from '../_shared/core/kube-status.js';
import { sendStatus } from './status.js';

export interface AuthOptions {
  tokens: readonly string[];
  /** True when the server asks for client certificates (mTLS). */
  clientCertificates: boolean;
  allowUnauthenticated: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    public?: boolean;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Compares digests so lengths never differ and timing reveals nothing; checks every configured token
 * without stopping early, so which token matched is not observable either.
 */
export function tokenMatches(presented: string, tokens: readonly Buffer[]): boolean {
  const p = digest(presented);
  let ok = false;
  for (const t of tokens) ok = timingSafeEqual(p, t) || ok;
  return ok;
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** How the caller proved who it is, or undefined when it did not. */
export function authenticate(request: FastifyRequest, opts: AuthOptions, tokenDigests: readonly Buffer[]): 'client-certificate' | 'token' | 'none' | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (opts.clientCertificates && socket.authorized === true) return 'client-certificate';
  const token = bearerToken(request.headers.authorization);
  if (token !== undefined && tokenDigests.length > 0 && tokenMatches(token, tokenDigests)) return 'token';
  if (opts.allowUnauthenticated) return 'none';
  return undefined;
}

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  const tokenDigests = opts.tokens.map(digest);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.public) return;
    if (authenticate(request, opts, tokenDigests) === undefined) {
      request.log.warn({ url: request.url.split('?')[0] }, 'rejected unauthenticated caller');
      return sendStatus(reply, unauthorized());
    }
  });
}
