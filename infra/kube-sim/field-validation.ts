// fieldValidation=Strict on create and update, checked where the real server checks it: while decoding the
// body in the HTTP handler, whose transformDecodeError prefixes the strict decoder's error with
// `Pod in version "v1" cannot be handled as a Pod: `, the message kubectl users see. Warn and Ignore, and
// patches, are left to the API (schema.ts through the API's own check).
import { badRequest } from './errors.js';
import { unknownFieldMessages, unknownFields } from './schema.js';
import type { KubeObject, ResourceType, WriteOptions } from './types.js';

export function checkStrictFields(resource: ResourceType, body: KubeObject, opts: WriteOptions): void {
  if (opts.fieldValidation !== 'Strict') return;
  const unknown = unknownFields(resource.kind, body);
  if (unknown.length === 0) return;
  throw badRequest(`${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: strict decoding error: ${unknownFieldMessages(unknown).join(', ')}`);
}
