// What answers on a simulated container's declared ports: a small HTTP/1.1 server that names the pod,
// container and port (keep-alive, request bodies read by Content-Length), or an echo of the bytes for a
// client that does not speak HTTP. A port no running container declares refuses the connection.
import type { Sandbox } from './runtime.js';

export interface PortSession {
  /** Bytes from the client. */
  write(data: Buffer): void;
  /** The client half-closed its side. */
  end(): void;
}

export interface PortPeer {
  data(data: Buffer): void;
  /** The server closed the connection. */
  end(): void;
}

type Obj = Record<string, any>;

/** The running container that declares a TCP port, if any. */
export function portOwner(box: Sandbox, port: number): { container: string; name?: string } | undefined {
  const spec = (box.pod.spec ?? {}) as Obj;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Obj[]) {
    const declared = ((c.ports ?? []) as Obj[]).find((p) => p.containerPort === port && (p.protocol ?? 'TCP') === 'TCP');
    if (declared && box.current(c.name)?.state === 'running') return { container: c.name, name: declared.name };
  }
  return undefined;
}

const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/(1\.[01])\r?$/;

export function openPort(box: Sandbox, port: number, peer: PortPeer): PortSession | undefined {
  const owner = portOwner(box, port);
  if (!owner) return undefined;
  let buffer = Buffer.alloc(0);
  let mode: 'unknown' | 'http' | 'echo' = 'unknown';
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    peer.end();
  };

  const respond = (method: string, target: string, version: string, keepAlive: boolean) => {
    const portName = owner.name ? ` (${owner.name})` : '';
    const body = `Hello from pod ${box.namespace}/${box.name}, container ${owner.container}, port ${port}/TCP${portName}: ${method} ${target}\n`;
    const head = [
      `HTTP/${version} 200 OK`, 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`,
      `Date: ${new Date().toUTCString()}`, 'Server: kube-sim', `Connection: ${keepAlive ? 'keep-alive' : 'close'}`,
    ];
    peer.data(Buffer.from(`${head.join('\r\n')}\r\n\r\n${method === 'HEAD' ? '' : body}`));
    if (!keepAlive) close();
  };

  /** Serves every complete request in the buffer. */
  const serveHttp = () => {
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers.get('content-length') ?? 0) || 0;
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.subarray(end + 4 + length);
      const [, method, target, version] = REQUEST_LINE.exec(lines[0]!)!;
      const connection = (headers.get('connection') ?? '').toLowerCase();
      respond(method!, target!, version!, version === '1.1' ? connection !== 'close' : connection === 'keep-alive');
      if (closed) return;
    }
  };

  return {
    write(data) {
      if (closed) return;
      if (mode === 'echo') {
        peer.data(data);
        return;
      }
      buffer = Buffer.concat([buffer, data]);
      if (mode === 'unknown') {
        const nl = buffer.indexOf('\n');
        if (nl < 0 && buffer.length < 1024) return;
        mode = nl >= 0 && REQUEST_LINE.test(buffer.subarray(0, nl).toString('latin1')) ? 'http' : 'echo';
        if (mode === 'echo') {
          peer.data(buffer);
          buffer = Buffer.alloc(0);
          return;
        }
      }
      serveHttp();
    },
    end() {
      if (mode === 'unknown' && buffer.length) peer.data(buffer);
      close();
    },
  };
}
