import { createHash } from 'node:crypto';

// Host object naming, byte-compatible with vCluster's SafeConcatName
// (pkg/util/translate/translate.go): a Go vCluster, or its tooling, must find the same names.

export const MAX_HOST_NAME_LENGTH = 63;
const KEEP_BEFORE_HASH = 52;
const HASH_CHARS = 10;

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/**
 * Joins the parts with '-'. Past 63 characters: the first 52 characters, '-', the first 10 hex chars of
 * SHA-256 over the full joined string, then every '.-' becomes '-' (so 62 characters when character 52
 * was a dot). Names are ASCII (the API server validates them), so characters and bytes coincide.
 */
export function safeConcatName(...parts: string[]): string {
  const full = parts.join('-');
  if (full.length <= MAX_HOST_NAME_LENGTH) return full;
  return `${full.slice(0, KEEP_BEFORE_HASH)}-${sha256Hex(full).slice(0, HASH_CHARS)}`.replaceAll('.-', '-');
}

/**
 * `<name>-x-<namespace>-x-<vcluster>`, shortened by safeConcatName. A valid DNS-1123 label whenever the
 * inputs are labels; a virtual name with dots (a DNS-1123 subdomain, legal for pods, configmaps, secrets)
 * keeps its dots, exactly as vCluster does, and stays a valid subdomain of at most 63 characters.
 */
export function hostObjectName(name: string, namespace: string, vcluster: string): string {
  if (name === '') return '';
  return safeConcatName(name, 'x', namespace, 'x', vcluster);
}

export function hostPodName(name: string, namespace: string, vcluster: string): string {
  return hostObjectName(name, namespace, vcluster);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDns1123Label(s: string): boolean {
  return s.length > 0 && s.length <= 63 && DNS1123_LABEL.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

/**
 * The container hostname when the virtual pod sets none: the virtual pod name cut to 63 characters,
 * dots turned into dashes (a hostname cannot hold a dot), one trailing dash trimmed (vCluster bug #583).
 */
export function podHostname(virtualName: string): string {
  const cut = virtualName.slice(0, MAX_HOST_NAME_LENGTH).replaceAll('.', '-');
  return cut.endsWith('-') ? cut.slice(0, -1) : cut;
}
