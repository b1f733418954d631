import { scPath, securityContexts, type Check } from './check.js';
import { RESTRICTED, who } from './messages.js';

// Which user a restricted pod runs as: psa v0.36.2 check_runAsNonRoot.go and check_runAsUser.go (policy
// v1.23+), both passing any pod with spec.hostUsers: false from v1.35 (root in a user namespace is not
// root on the node). runAsGroup, fsGroup and supplementalGroups are not checked upstream either.

const runAsNonRoot: Check = {
  name: 'runAsNonRoot', origin: 'restricted', upstream: ['runAsNonRoot'],
  summary: 'securityContext.runAsNonRoot must be true on the pod or on every container, and false nowhere (hostUsers: false exempt).',
  run({ pod, read, report }) {
    if (pod.userNamespace) return;
    const atPod = read.bool(pod.securityContext, 'runAsNonRoot', 'spec.securityContext');
    const fix = 'set runAsNonRoot: true and run the image as a non-root user';
    if (atPod === false) {
      report('spec.securityContext.runAsNonRoot', `spec.securityContext.runAsNonRoot is false: ${RESTRICTED} requires containers to run as a non-root user; ${fix} (containers without their own setting inherit it)`);
    }
    for (const c of pod.containers) {
      const field = `${scPath(c.path)}.runAsNonRoot`;
      const own = read.bool(c.securityContext, 'runAsNonRoot', scPath(c.path));
      if (own === false) {
        report(field, `${field} is false (${who(c.name)}): ${RESTRICTED} requires containers to run as a non-root user; ${fix}`);
      } else if (own === undefined && atPod === undefined) {
        report(field, `${field} is not set and neither is spec.securityContext.runAsNonRoot (${who(c.name)}): ${RESTRICTED} requires containers to run as a non-root user; set spec.securityContext.runAsNonRoot: true and run the image as a non-root user`);
      }
    }
  },
};

const runAsUser: Check = {
  name: 'runAsUser', origin: 'restricted', upstream: ['runAsUser'],
  summary: 'securityContext.runAsUser (pod and containers) must not be 0 (hostUsers: false exempt).',
  run({ pod, read, report }) {
    if (pod.userNamespace) return;
    for (const s of securityContexts(pod)) {
      if (read.int(s.sc, 'runAsUser', s.path) === 0) {
        const field = `${s.path}.runAsUser`;
        report(field, `${field} is 0${s.by}: ${RESTRICTED} forbids running as root (UID 0); set a non-zero runAsUser or remove it`);
      }
    }
  },
};

export const userChecks: readonly Check[] = [runAsNonRoot, runAsUser];
