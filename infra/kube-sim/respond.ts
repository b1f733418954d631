// Writing responses: JSON with a length (so keep-alive connections stay cheap), Status bodies for errors,
// and the `Warning: 299` headers the API collected.
import type { ServerResponse } from 'node:http';
import { internalError, isKubeError, KubeError, type Status } from './errors.js';

export function sendJson(res: ServerResponse, code: number, body: unknown, pretty = false, headers?: Record<string, string | string[]>): void {
  const text = pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  sendText(res, code, text, 'application/json', headers);
}

export function sendText(res: ServerResponse, code: number, text: string, contentType: string, headers?: Record<string, string | string[]>): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (headers) for (const key in headers) res.setHeader(key, headers[key]);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Any thrown value as a KubeError: anything unexpected becomes a 500 InternalError Status, never a dropped connection. */
export function asKubeError(err: unknown): KubeError {
  if (isKubeError(err)) return err;
  return internalError((err as Error)?.message ?? String(err));
}

export function sendError(res: ServerResponse, err: KubeError): Status {
  sendJson(res, err.code, err.status, false, err.headers);
  return err.status;
}

/** Warning header values as the real server formats them: code 299, agent "-", quoted text. */
export function warningHeaders(warnings: string[] | undefined): string[] | undefined {
  if (!warnings || warnings.length === 0) return undefined;
  return warnings.map((w) => `299 - "${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\r\n]+/g, ' ')}"`);
}
