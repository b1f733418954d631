// The kubelet API paths the virtual API server calls on a node (kubelet server.go routes), and how each
// becomes a request on the host API's pod subresource. Pure: path and query in, path and query out.
//
//   /containerLogs/{ns}/{pod}/{container}         -> GET  pods/{host}/log?container=..&follow=..&...
//   /exec/{ns}/{pod}[/{uid}]/{container}?command=  -> pods/{host}/exec?container=..&command=..&stdin=true..
//   /attach/{ns}/{pod}[/{uid}]/{container}         -> pods/{host}/attach?container=..&stdin=true..
//   /portForward/{ns}/{pod}[/{uid}]?port=80,8080   -> pods/{host}/portforward[?ports=80&ports=8080]

export type KubeletStreamKind = 'containerLogs' | 'exec' | 'attach' | 'portForward';

export type KubeletTarget = {
  kind: KubeletStreamKind;
  namespace: string;
  pod: string;
  /** The pod uid some callers put in the path: it must match the virtual pod's. */
  uid?: string;
  /** Absent only for portForward. */
  container?: string;
};

const SUBRESOURCE: Record<KubeletStreamKind, string> = { containerLogs: 'log', exec: 'exec', attach: 'attach', portForward: 'portforward' };

/** Whether the kind needs a protocol upgrade (everything but logs), as kube-apiserver's upgradeRequired. */
export const isUpgradeKind = (kind: KubeletStreamKind): boolean => kind !== 'containerLogs';

function decode(segment: string): string | undefined {
  try {
    const s = decodeURIComponent(segment);
    return s === '' || s.includes('/') ? undefined : s;
  } catch {
    return undefined;
  }
}

/** The target of a kubelet streaming path; undefined for any other path (or a malformed one). */
export function parseKubeletPath(pathname: string): KubeletTarget | undefined {
  const raw = pathname.split('/').slice(1);
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop(); // one trailing slash, as the kubelet's router allows
  const parts = raw.map(decode);
  if (parts.some((p) => p === undefined)) return undefined;
  const [kind, namespace, pod, ...rest] = parts as string[];
  if (!namespace || !pod) return undefined;
  switch (kind) {
    case 'containerLogs':
      return rest.length === 1 ? { kind, namespace, pod, container: rest[0] } : undefined;
    case 'exec':
    case 'attach':
      if (rest.length === 1) return { kind, namespace, pod, container: rest[0] };
      if (rest.length === 2) return { kind, namespace, pod, uid: rest[0], container: rest[1] };
      return undefined;
    case 'portForward':
      if (rest.length === 0) return { kind, namespace, pod };
      if (rest.length === 1) return { kind, namespace, pod, uid: rest[0] };
      return undefined;
    default:
      return undefined;
  }
}

/** PodLogOptions query names, passed through as they came (the kubelet and the API server share them). */
const LOG_OPTIONS = ['follow', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'tailLines', 'limitBytes', 'stream'];

/** kube-apiserver's bool parsing of a query value: absent, "0" and "false" are false; anything else is true. */
function apiBool(values: string[]): boolean {
  if (values.length === 0) return false;
  const v = values[0].toLowerCase();
  return v !== '0' && v !== 'false';
}

/**
 * The streaming flag under both spellings: the kubelet's `input|output|error|tty=1` (what kube-apiserver
 * sends a kubelet) and the API server's `stdin|stdout|stderr|tty=true` (what a client sends an API server).
 */
function streamFlag(query: URLSearchParams, kubeletName: string, apiName: string): boolean {
  return query.getAll(kubeletName).includes('1') || apiBool(query.getAll(apiName));
}

/** The host API path and query for a target; `hostPod` is the translated name, `hostNamespace` its namespace. */
export function hostSubresourcePath(target: KubeletTarget, query: URLSearchParams, hostNamespace: string, hostPod: string): string {
  const out = new URLSearchParams();
  if (target.container !== undefined) out.append('container', target.container);
  switch (target.kind) {
    case 'containerLogs':
      for (const key of LOG_OPTIONS) for (const v of query.getAll(key)) out.append(key, v);
      // The kubelet's legacy `tail` (a number, or "all" for no limit) when tailLines is not given.
      if (!query.has('tailLines') && /^\d+$/.test(query.get('tail') ?? '')) out.append('tailLines', query.get('tail')!);
      break;
    case 'exec':
      for (const c of query.getAll('command')) out.append('command', c);
    // falls through: exec takes attach's stream flags too
    case 'attach':
      if (streamFlag(query, 'input', 'stdin')) out.append('stdin', 'true');
      if (streamFlag(query, 'output', 'stdout')) out.append('stdout', 'true');
      if (streamFlag(query, 'error', 'stderr')) out.append('stderr', 'true');
      if (streamFlag(query, 'tty', 'tty')) out.append('tty', 'true');
      break;
    case 'portForward':
      for (const v of [...query.getAll('port'), ...query.getAll('ports')]) {
        for (const p of v.split(',')) if (p.trim() !== '') out.append('ports', p.trim());
      }
      break;
  }
  const search = out.toString();
  const ns = encodeURIComponent(hostNamespace);
  return `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(hostPod)}/${SUBRESOURCE[target.kind]}${search ? `?${search}` : ''}`;
}
