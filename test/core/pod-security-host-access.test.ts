import t from 'tap';
import { container, pod, runTable } from '../helpers/pod-policy-table.js';

const SHARED = 'pods in this virtual cluster run in a shared host namespace and';
const probe = (host: string) => ({ httpGet: { port: 8080, path: '/', host } });

runTable(t, [
  // hostNamespaces
  { when: 'the pod is within policy', pod: pod() },
  { when: 'the host namespaces are explicitly false', pod: pod({ hostNetwork: false, hostPID: false, hostIPC: false }) },
  { when: 'all three host namespaces are asked', pod: pod({ hostIPC: true, hostPID: true, hostNetwork: true }), deny: [
    ['hostNetwork', 'spec.hostNetwork', `spec.hostNetwork is true: ${SHARED} may not use the host's network; remove hostNetwork`],
    ['hostPID', 'spec.hostPID'], ['hostIPC', 'spec.hostIPC'],
  ] },
  { when: 'hostNetwork is the string "true"', pod: pod({ hostNetwork: 'true' }), deny: [['malformed', 'spec.hostNetwork', 'spec.hostNetwork is not a boolean']] },

  // hostPorts
  { when: 'a port has hostPort 0', pod: pod({ containers: [container('web', {}, { ports: [{ containerPort: 80, hostPort: 0 }] })] }) },
  { when: 'an init and an ephemeral container bind host ports', pod: pod({
    initContainers: [container('setup', {}, { ports: [{ containerPort: 1, hostPort: 10000 }] })],
    ephemeralContainers: [container('debug', {}, { ports: [{ containerPort: 2, hostPort: 9 }] })],
  }), deny: [
    ['hostPorts', 'spec.initContainers[0].ports[0].hostPort', /^spec\.initContainers\[0\]\.ports\[0\]\.hostPort is 10000 \(container "setup"\)/],
    ['hostPorts', 'spec.ephemeralContainers[0].ports[0].hostPort', /is 9 \(container "debug"\).*expose the port through a Service$/],
  ] },
  { when: 'hostPort is a string', pod: pod({ containers: [container('web', {}, { ports: [{ containerPort: 80, hostPort: '80' }] })] }), deny: [['malformed', 'spec.containers[0].ports[0].hostPort', 'spec.containers[0].ports[0].hostPort is not an integer']] },

  // hostProbesAndHostLifecycle
  { when: 'probes set an empty host', pod: pod({ containers: [container('app', {}, { livenessProbe: probe(''), readinessProbe: { tcpSocket: { port: 1 } } })] }) },
  { when: 'every probe and hook kind aims at a host', pod: pod({ containers: [container('app', {}, {
    livenessProbe: probe('10.0.0.1'), readinessProbe: { tcpSocket: { port: 1, host: 'localhost' } }, startupProbe: probe('::1'),
    lifecycle: { postStart: probe('metadata.google.internal'), preStop: { tcpSocket: { port: 2, host: '169.254.169.254' } } },
  })] }), deny: [
    ['hostProbes', 'spec.containers[0].livenessProbe.httpGet.host', `spec.containers[0].livenessProbe.httpGet.host is "10.0.0.1" (container "app"): ${SHARED} may not aim probes or lifecycle hooks at other hosts, which the kubelet would reach from the host's node; remove host so the kubelet calls the pod's own IP`],
    ['hostProbes', 'spec.containers[0].readinessProbe.tcpSocket.host'],
    ['hostProbes', 'spec.containers[0].startupProbe.httpGet.host'],
    ['hostProbes', 'spec.containers[0].lifecycle.postStart.httpGet.host'],
    ['hostProbes', 'spec.containers[0].lifecycle.preStop.tcpSocket.host', /is "169\.254\.169\.254"/],
  ] },
  { when: 'a sidecar init container probes another host', pod: pod({ initContainers: [container('proxy', {}, { restartPolicy: 'Always', startupProbe: probe('db') })] }), deny: [
    ['hostProbes', 'spec.initContainers[0].startupProbe.httpGet.host'],
  ] },

  // windowsHostProcess
  { when: 'hostProcess is false', pod: pod({ containers: [container('app', { windowsOptions: { hostProcess: false } })] }, { windowsOptions: { hostProcess: false } }) },
  { when: 'the pod and a container ask for HostProcess', pod: pod({ containers: [container('app', { windowsOptions: { hostProcess: true } })] }, { windowsOptions: { hostProcess: true } }), deny: [
    ['windowsHostProcess', 'spec.securityContext.windowsOptions.hostProcess', /^spec\.securityContext\.windowsOptions\.hostProcess is true: .*remove hostProcess or set it to false$/],
    ['windowsHostProcess', 'spec.containers[0].securityContext.windowsOptions.hostProcess', /\(container "app"\)/],
  ] },
]);
