// Request bodies: read under a size limit, decoded by Content-Type. Errors are the Status the real server
// gives: 413 over the limit, 415 for an unknown patch type, 400 for bytes that do not parse.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, KubeError, requestEntityTooLarge, unsupportedMediaType } from './errors.js';
import { decodeProtobufObject } from './protobuf.js';
import type { PatchType } from './types.js';

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(requestEntityTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(requestEntityTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}

function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = PATCH_TYPES[mediaType(contentType)];
  if (!type) throw unsupportedMediaType(contentType ?? '');
  return type;
}

/** The decoded object of a POST/PUT body; `expectedKind` only shapes the error message, as the real decoder does. */
export function decodeObject(buf: Buffer, contentType: string | undefined, expectedKind: string): unknown {
  const type = mediaType(contentType);
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(buf, type);
  const text = buf.toString('utf8');
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml') {
    try {
      return parseYaml(text);
    } catch (err) {
      throw badRequest(`the object provided is unrecognized (must be of type ${expectedKind}): couldn't get version/kind; yaml parse error: ${(err as Error).message}`);
    }
  }
  if (type !== '' && type !== 'application/json' && type !== '*/*') {
    throw new KubeError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got ${contentType})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the object provided is unrecognized (must be of type ${expectedKind}): couldn't get version/kind; json parse error: ${(err as Error).message} (${summarize(text)})`);
  }
}

/** Decodes a PATCH body; a body that is not JSON (or YAML for apply) is a 400 as the patch handler reports it. */
export function decodePatch(buf: Buffer, type: PatchType): unknown {
  const text = buf.toString('utf8');
  try {
    return type === 'apply' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

/** The first bytes of a body, as the real server's summarizeData quotes them in decode errors. */
function summarize(text: string): string {
  return text.length > 30 ? `${text.slice(0, 30)}...` : text;
}
