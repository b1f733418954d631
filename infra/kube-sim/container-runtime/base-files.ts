// What every simulated image holds before volumes are mounted: the usual top-level directories and the files
// the kubelet writes into each container (/etc/hosts, /etc/hostname, /etc/resolv.conf, the termination log).
import { SimFs } from './filesystem.js';

export interface BaseFileInputs {
  hostname: string;
  podIP: string;
  namespace: string;
  /** Pod hostAliases, written to /etc/hosts after the pod's own entry. */
  hostAliases?: Array<{ ip: string; hostnames?: string[] }>;
  now: () => Date;
}

const DIRS = ['/bin', '/dev', '/etc', '/home', '/proc', '/root', '/run', '/sys', '/tmp', '/usr/bin', '/usr/local/bin', '/var/log', '/var/run'];

/** The kubelet-managed hosts file (pkg/kubelet/kubelet_pods.go managedHostsFileContent). */
export function hostsFile(podIP: string, hostname: string, aliases: BaseFileInputs['hostAliases'] = []): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    `${podIP}\t${hostname}`,
  ];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function baseFilesystem(inputs: BaseFileInputs): SimFs {
  const fs = new SimFs(inputs.now);
  for (const d of DIRS) fs.mkdirp(d);
  fs.root.children!.get('tmp')!.mode = 0o1777;
  fs.root.children!.get('root')!.mode = 0o700;
  fs.writeFile('/etc/hostname', Buffer.from(`${inputs.hostname}\n`));
  fs.writeFile('/etc/hosts', Buffer.from(hostsFile(inputs.podIP, inputs.hostname, inputs.hostAliases)));
  fs.writeFile('/etc/resolv.conf', Buffer.from(`search ${inputs.namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`));
  fs.writeFile('/dev/termination-log', Buffer.alloc(0), { mode: 0o666 });
  fs.writeFile('/dev/null', Buffer.alloc(0), { mode: 0o666 });
  return fs;
}
