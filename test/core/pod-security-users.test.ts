import t from 'tap';
import { container, pod, runTable } from '../helpers/pod-policy-table.js';

const RESTRICTED = "the host runs this virtual cluster's pods at the restricted Pod Security Standard, which";

runTable(t, [
  // runAsNonRoot
  { when: 'every container sets runAsNonRoot and the pod does not', pod: pod({ containers: [container('a', { runAsNonRoot: true }), container('b', { runAsNonRoot: true })] }, { runAsNonRoot: undefined }) },
  { when: 'neither the pod nor a container sets runAsNonRoot', at: ['restricted'], pod: pod({ containers: [container('a', { runAsNonRoot: true }), container('b')] }, { runAsNonRoot: undefined }), deny: [
    ['runAsNonRoot', 'spec.containers[1].securityContext.runAsNonRoot', `spec.containers[1].securityContext.runAsNonRoot is not set and neither is spec.securityContext.runAsNonRoot (container "b"): ${RESTRICTED} requires containers to run as a non-root user; set spec.securityContext.runAsNonRoot: true and run the image as a non-root user`],
  ] },
  { when: 'the pod and a container set runAsNonRoot false', at: ['restricted'], pod: pod({ containers: [container('a', { runAsNonRoot: false }), container('b')] }, { runAsNonRoot: false }), deny: [
    ['runAsNonRoot', 'spec.securityContext.runAsNonRoot', `spec.securityContext.runAsNonRoot is false: ${RESTRICTED} requires containers to run as a non-root user; set runAsNonRoot: true and run the image as a non-root user (containers without their own setting inherit it)`],
    ['runAsNonRoot', 'spec.containers[0].securityContext.runAsNonRoot', /is false \(container "a"\)/],
  ] },
  { when: 'the pod sets runAsNonRoot false at baseline', at: ['baseline'], pod: pod({}, { runAsNonRoot: false }) },
  { when: 'the pod sets runAsNonRoot false in a user namespace', at: ['restricted'], pod: pod({ hostUsers: false }, { runAsNonRoot: false }) },
  { when: 'runAsNonRoot is a string, so it reads as unset', at: ['restricted'], pod: pod({}, { runAsNonRoot: 'true' }), deny: [
    ['malformed', 'spec.securityContext.runAsNonRoot', 'spec.securityContext.runAsNonRoot is not a boolean'],
    ['runAsNonRoot', 'spec.containers[0].securityContext.runAsNonRoot'],
  ] },

  // runAsUser
  { when: 'runAsUser is non-zero', pod: pod({ containers: [container('a', { runAsUser: 1000 })] }, { runAsUser: 65534 }) },
  { when: 'the pod and a container run as UID 0', at: ['restricted'], pod: pod({ containers: [container('a', { runAsUser: 0 }), container('b', { runAsUser: 1 })] }, { runAsUser: 0 }), deny: [
    ['runAsUser', 'spec.securityContext.runAsUser', `spec.securityContext.runAsUser is 0: ${RESTRICTED} forbids running as root (UID 0); set a non-zero runAsUser or remove it`],
    ['runAsUser', 'spec.containers[0].securityContext.runAsUser', /is 0 \(container "a"\)/],
  ] },
  { when: 'a container runs as UID 0 at baseline', at: ['baseline'], pod: pod({ containers: [container('a', { runAsUser: 0 })] }) },
  { when: 'a container runs as UID 0 in a user namespace', at: ['restricted'], pod: pod({ hostUsers: false, containers: [container('a', { runAsUser: 0 })] }) },
  { when: 'runAsUser is a fraction', at: ['restricted'], pod: pod({ containers: [container('a', { runAsUser: 0.5 })] }), deny: [
    ['malformed', 'spec.containers[0].securityContext.runAsUser', 'spec.containers[0].securityContext.runAsUser is not an integer'],
  ] },
  { when: 'hostUsers is the string "false"', at: ['restricted'], pod: pod({ hostUsers: 'false', containers: [container('a', { runAsUser: 0 })] }), deny: [
    ['malformed', 'spec.hostUsers', 'spec.hostUsers is not a boolean'],
    ['runAsUser', 'spec.containers[0].securityContext.runAsUser'],
  ] },
]);
