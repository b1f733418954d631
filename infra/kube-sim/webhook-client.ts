// The API server's outbound HTTPS client, shared by admission webhooks and the audit webhook backend.
// Failures are worded the way Go's net/http and client-go word them (`Post "url": ...`), because webhook
// errors reach users verbatim inside Status messages and tests compare against real clusters' text.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';

export interface WebhookCredentials {
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  username?: string;
  password?: string;
}

export interface WebhookTarget extends WebhookCredentials {
  url: string;
  /** PEM trust roots; absent means the system roots, as kube-apiserver does without caBundle. */
  caPem?: string;
  insecureSkipTLSVerify?: boolean;
}

export interface WebhookResponse {
  status: number;
  contentType: string;
  body: string;
}

/** A transport-level failure, or a non-2xx answer, with Go's wording in `message`. */
export class WebhookCallError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'WebhookCallError';
  }
}

const altNameError = (message: string) => Object.assign(new Error(message), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });

// Go's x509 HostnameError: since Go 1.15 the Common Name is never used, and an IP host is checked
// against IP SANs only, which is worded differently from a DNS mismatch.
function goCheckServerIdentity(host: string, cert: PeerCertificate): Error | undefined {
  if (!cert.subjectaltname) return altNameError('x509: certificate relies on legacy Common Name field, use SANs instead');
  if (!checkServerIdentity(host, cert)) return undefined;
  const sans = cert.subjectaltname.split(', ');
  if (isIP(host)) {
    const ips = sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice('IP Address:'.length));
    if (ips.length === 0) return altNameError(`x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`);
    return altNameError(`x509: certificate is valid for ${ips.join(', ')}, not ${host}`);
  }
  const dns = sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice('DNS:'.length));
  return altNameError(`x509: certificate is valid for ${dns.join(', ')}, not ${host}`);
}

function goTransportMessage(err: NodeJS.ErrnoException & { host?: string }, url: URL): string {
  const hostPort = `${url.hostname.replace(/^\[|\]$/g, '')}:${url.port || '443'}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${url.hostname}: no such host`;
    case 'ECONNRESET':
      return 'EOF';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `tls: failed to verify certificate: x509: certificate has expired or is not yet valid`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: ${err.message}`;
    default:
      return err.message;
  }
}

// client-go's newUnstructuredResponseError: a Status body is taken as is; otherwise a generic message
// per code, quoting the body only when it was text/plain ("unknown" otherwise).
export function describeHttpFailure(status: number, contentType: string, body: string): string {
  try {
    const parsed = JSON.parse(body) as { kind?: string; message?: string };
    if (parsed && parsed.kind === 'Status' && parsed.message) return parsed.message;
  } catch {
    // not JSON: fall through to the generic wording
  }
  const serverMessage = contentType.startsWith('text/plain') && body.trim() ? body.trim() : 'unknown';
  switch (status) {
    case 400: return 'the server rejected our request for an unknown reason';
    case 401: return 'the server has asked for the client to provide credentials';
    case 403: // the server's own words say who may not do what
    case 406:
    case 415:
      return serverMessage;
    case 404: return 'the server could not find the requested resource';
    case 405: return 'the server does not allow this method on the requested resource';
    case 409: return 'the server reported a conflict';
    case 422: return 'the server rejected our request due to an error in our request';
    case 429: return 'the server has received too many requests and has asked us to try again later';
    case 503: return 'the server is currently unable to handle the request';
    case 504: return 'the server was unable to return a response in the time allotted, but may still be processing the request';
    default:
      if (status >= 500) return `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`;
      return `the server responded with the status code ${status} but did not return more information`;
  }
}

// Connections to webhooks are kept open and reused, as kube-apiserver's transports do: a TLS handshake per
// admission call would cost more CPU than the call itself. Node keys pooled sockets by the TLS options too
// (CA, client certificate), so targets never share a connection they should not. Idle sockets do not keep
// the process alive.
const httpsKeepAlive = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
const httpKeepAlive = new HttpAgent({ keepAlive: true, maxSockets: 64 });

/**
 * POST `body` as JSON. Resolves on a 2xx answer; rejects with WebhookCallError worded as
 * `Post "<url>": <reason>` for transport failures and timeouts, or with the client-go message on non-2xx.
 */
export function postJson(target: WebhookTarget, body: unknown, timeoutMs: number, userAgent = 'kube-apiserver-admission'): Promise<WebhookResponse> {
  const url = new URL(target.url);
  const payload = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    Accept: 'application/json, */*',
    'Content-Length': payload.length,
    'User-Agent': userAgent,
  };
  if (target.token) headers.Authorization = `Bearer ${target.token}`;
  else if (target.username !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${target.username}:${target.password ?? ''}`).toString('base64')}`;
  }
  const postPrefix = `Post ${JSON.stringify(target.url)}`;

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    // Admission URLs are validated to be https; a kubeconfig (the audit webhook's) may name plain http.
    const tlsOptions = {
      ca: target.caPem,
      cert: target.clientCertPem,
      key: target.clientKeyPem,
      rejectUnauthorized: !target.insecureSkipTLSVerify,
      checkServerIdentity: target.insecureSkipTLSVerify ? () => undefined : goCheckServerIdentity,
      servername: isIP(url.hostname.replace(/^\[|\]$/g, '')) ? undefined : url.hostname,
    };
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const req = send(url, {
      method: 'POST',
      headers,
      agent: url.protocol === 'http:' ? httpKeepAlive : httpsKeepAlive,
      ...(url.protocol === 'http:' ? {} : tlsOptions),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => finish(() => reject(new WebhookCallError(`${postPrefix}: ${goTransportMessage(err, url)}`))));
      res.on('end', () => finish(() => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = String(res.headers['content-type'] ?? '');
        if (status >= 200 && status < 300) resolve({ status, contentType, body: text });
        else reject(new WebhookCallError(describeHttpFailure(status, contentType, text), status));
      }));
    });
    const timer = setTimeout(() => finish(() => {
      req.destroy();
      reject(new WebhookCallError(`${postPrefix}: context deadline exceeded`));
    }), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(() => reject(new WebhookCallError(`${postPrefix}: ${goTransportMessage(err, url)}`))));
    req.end(payload);
  });
}
