// Port forward over SPDY, the kubelet's side (pkg/kubelet/cri/streaming/portforward/httpstream.go): streams
// carry streamType (error|data), port and requestID headers; an error/data pair with the same requestID is one
// forwarded connection. A port nothing listens on gets the runtime's error on the error stream.
import { randomUUID } from 'node:crypto';
import { openPort } from '../container-runtime/port-server.js';
import type { Sandbox } from '../container-runtime/runtime.js';
import type { SpdyConnection, SpdyStream } from './spdy/connection.js';

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

/** The kubelet's words when the port is closed inside the pod (containerd's netns dial). */
export function refusedMessage(box: Sandbox, port: number): string {
  const sandbox = box.uid.replace(/-/g, '').padEnd(64, '0').slice(0, 64);
  return `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace "/var/run/netns/cni-${randomUUID()}": `
    + `failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `;
}

export function servePortForwardSpdy(conn: SpdyConnection, box: Sandbox): void {
  const pairs = new Map<string, Pair>();
  conn.on('stream', (stream) => {
    const type = stream.header('streamtype');
    const port = Number(stream.header('port'));
    if (!stream.header('port') || !Number.isInteger(port) || port < 1 || port > 65535 || (type !== 'error' && type !== 'data')) {
      stream.reply(true);
      return;
    }
    // Old clients send no requestID: the error stream's id then pairs with the data stream two below it.
    const requestId = stream.header('requestid') ?? String(type === 'error' ? stream.id : stream.id + 2);
    const pair = pairs.get(requestId) ?? {};
    if (pair[type]) {
      stream.reply(true);
      return;
    }
    pair[type] = stream;
    pairs.set(requestId, pair);
    stream.reply();
    if (pair.error && pair.data) {
      pairs.delete(requestId);
      forward(box, port, pair.error, pair.data);
    }
  });
}

function forward(box: Sandbox, port: number, errorStream: SpdyStream, dataStream: SpdyStream): void {
  const done = () => {
    dataStream.end();
    errorStream.end();
  };
  const session = openPort(box, port, { data: (d) => dataStream.write(d), end: done });
  if (!session) {
    errorStream.write(Buffer.from(refusedMessage(box, port)));
    done();
    return;
  }
  dataStream.on('data', (d) => session.write(d));
  dataStream.on('end', () => session.end());
}
