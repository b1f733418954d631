// Names from webhook bodies become Redis keys and job ids. The API server only ever sends DNS-1123
// names, but a body that does not (a buggy or hostile caller) must be skipped, not fail the whole batch.

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isPodName(name: string): boolean {
  return name.length <= 253 && SUBDOMAIN.test(name);
}

export function isNamespaceName(name: string): boolean {
  return name.length <= 63 && LABEL.test(name);
}

/** ConfigMap and Secret names follow the same rule as pod names (DNS-1123 subdomains). */
export function isObjectName(name: string): boolean {
  return isPodName(name);
}
