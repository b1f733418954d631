// HTTP Basic credentials for the dashboard. Basic, not a login form: a browser prompts for it by itself,
// curl and Playwright speak it natively, and there is no session or cookie to protect against CSRF.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicCredentials {
  user: string;
  password: string;
}

/** The credentials in an `Authorization: Basic ...` header, or undefined when absent or malformed. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * A checker for one user. Digests make the lengths equal, so timingSafeEqual never throws and the time
 * taken says nothing about how much of either value was right; both halves are always compared, so
 * it does not reveal whether the user name alone was right either.
 */
export function credentialsChecker(expected: BasicCredentials): (presented: BasicCredentials | undefined) => boolean {
  const user = digest(expected.user);
  const password = digest(expected.password);
  return (presented) => {
    const p = presented ?? { user: '', password: '' };
    const userOk = timingSafeEqual(digest(p.user), user);
    const passwordOk = timingSafeEqual(digest(p.password), password);
    return presented !== undefined && userOk && passwordOk;
  };
}

/** What a 401 carries so a browser shows its sign-in prompt. */
export const BASIC_CHALLENGE = 'Basic realm="podferry dashboard", charset="UTF-8"';
