import t from 'tap';
import { pod, runTable } from '../helpers/pod-policy-table.js';

const SHARED = 'pods in this virtual cluster run in a shared host namespace and';
const CP = 'node-role.kubernetes.io/control-plane';
const affinity = (nodeAffinity: Record<string, unknown>) => ({ affinity: { nodeAffinity } });
const REQ = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution';
const PREF = 'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution';

runTable(t, [
  // tolerations
  { when: 'tolerations name their taints (the API server defaults among them)', pod: pod({ tolerations: [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
  ] }) },
  { when: 'a toleration has operator Exists and no key, with or without an effect', pod: pod({ tolerations: [{ operator: 'Exists' }, { key: '', operator: 'Exists', effect: 'NoExecute' }] }), deny: [
    ['tolerations', 'spec.tolerations[0].operator', `spec.tolerations[0].operator is "Exists" with no key: ${SHARED} may not tolerate every taint, which would let the pod onto nodes the host admin keeps apart (control-plane, cordoned or reserved nodes); name the taint's key`],
    ['tolerations', 'spec.tolerations[1].operator'],
  ] },
  { when: 'a toleration tolerates cordoned nodes', pod: pod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), deny: [
    ['tolerations', 'spec.tolerations[0].key', /may not run on nodes the host admin has cordoned; remove this toleration$/],
  ] },
  { when: 'tolerations is a map', pod: pod({ tolerations: { key: 'x' } }), deny: [['malformed', 'spec.tolerations', 'spec.tolerations is not a list']] },

  // control-plane nodes: tolerations, nodeSelector, node affinity
  { when: 'tolerations name control-plane, master and another node-role taint', pod: pod({ tolerations: [
    { key: CP, operator: 'Exists', effect: 'NoSchedule' }, { key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }, { key: 'node-role.kubernetes.io/infra', operator: 'Equal', value: '' },
  ] }), deny: [
    ['controlPlaneNodes', 'spec.tolerations[0].key', `spec.tolerations[0].key is "${CP}": ${SHARED} may not run on the host's control-plane (or other role-reserved) nodes, which the host admin keeps apart with this taint; remove this toleration`],
    ['controlPlaneNodes', 'spec.tolerations[1].key'],
    ['controlPlaneNodes', 'spec.tolerations[2].key'],
  ] },
  { when: 'nodeSelector picks ordinary node labels', pod: pod({ nodeSelector: { 'kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': 'a' } }) },
  { when: 'nodeSelector picks control-plane nodes', pod: pod({ nodeSelector: { [CP]: '', 'kubernetes.io/os': 'linux' } }), deny: [
    ['controlPlaneNodes', `spec.nodeSelector[${CP}]`, `spec.nodeSelector[${CP}] is set: ${SHARED} may not choose nodes by their role, which would place the pod on the host's control-plane (or other role-reserved) nodes; remove this nodeSelector key`],
  ] },
  { when: 'node affinity uses ordinary keys', pod: pod(affinity({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] } })) },
  { when: 'required and preferred node affinity terms name node-role keys', pod: pod(affinity({
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }, { key: CP, operator: 'Exists' }] },
      { matchFields: [{ key: 'node-role.kubernetes.io/master', operator: 'Exists' }] },
    ] },
    preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: CP, operator: 'DoesNotExist' }], matchFields: [{ key: 'node-role.kubernetes.io/x', operator: 'In', values: ['a'] }] } }],
  })), deny: [
    ['controlPlaneNodes', `${REQ}.nodeSelectorTerms[0].matchExpressions[1].key`, new RegExp(`is "${CP}": .*; remove this requirement$`)],
    ['controlPlaneNodes', `${REQ}.nodeSelectorTerms[1].matchFields[0].key`],
    ['controlPlaneNodes', `${PREF}[0].preference.matchExpressions[0].key`],
    ['controlPlaneNodes', `${PREF}[0].preference.matchFields[0].key`],
  ] },
  { when: 'nodeSelector values are numbers', pod: pod({ nodeSelector: { zone: 1 } }), deny: [['malformed', 'spec.nodeSelector[zone]', 'spec.nodeSelector[zone] is not a string']] },

  // runtimeClassName
  { when: 'runtimeClassName is set', pod: pod({ runtimeClassName: 'nvidia' }), deny: [
    ['runtimeClass', 'spec.runtimeClassName', `spec.runtimeClassName is "nvidia": ${SHARED} may not choose a host RuntimeClass, which decides the container runtime and can add tolerations and a nodeSelector on the host; remove runtimeClassName`],
  ] },

  // schedulerName
  { when: 'schedulerName is the default scheduler', pod: pod({ schedulerName: 'default-scheduler' }) },
  { when: 'schedulerName names another host scheduler', pod: pod({ schedulerName: 'gpu-scheduler' }), deny: [
    ['schedulerName', 'spec.schedulerName', `spec.schedulerName is "gpu-scheduler": ${SHARED} are placed by the host's default scheduler, not by a scheduler the pod chooses; remove schedulerName or set it to "default-scheduler"`],
  ] },
]);
