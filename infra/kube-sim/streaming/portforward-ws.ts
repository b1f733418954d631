// Port forward over WebSocket in the kubelet's legacy framing (portforward/websocket.go), as client-node and
// the Python client speak it: for the i-th requested port, channel 2i carries data and 2i+1 errors, and the
// first message on every channel is the port as two little-endian bytes. One connection per port per socket.
import { openPort } from '../container-runtime/port-server.js';
import type { Sandbox } from '../container-runtime/runtime.js';
import { decodeFrame, encodeFrame, type ChannelProtocol } from './channel-protocol.js';
import { refusedMessage } from './portforward-spdy.js';
import type { WebSocketConnection } from './websocket.js';

export function servePortForwardWebSocket(ws: WebSocketConnection, box: Sandbox, ports: number[]): void {
  const protocol = ws.protocol as ChannelProtocol;
  const send = (channel: number, data: Buffer) => {
    const f = encodeFrame(protocol, channel, data);
    ws.send(f.payload, f.binary);
  };
  let open = ports.length;
  const finished = () => {
    if (--open === 0) ws.close(1000);
  };
  const sessions = ports.map((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
    const session = openPort(box, port, { data: (d) => send(2 * i, d), end: finished });
    if (!session) {
      send(2 * i + 1, Buffer.from(refusedMessage(box, port)));
      finished();
    }
    return session;
  });
  ws.on('message', (message, binary) => {
    const frame = decodeFrame(protocol, message, binary);
    if (!frame || frame.channel % 2 !== 0) return;
    sessions[frame.channel / 2]?.write(frame.data);
  });
  ws.on('close', () => {
    for (const s of sessions) s?.end();
  });
}

/** The kubelet's `port` parameter: one or more comma-separated ports (the API server joins `ports` that way). */
export function parsePorts(values: string[]): number[] | string {
  const ports: number[] = [];
  for (const part of values.flatMap((v) => v.split(','))) {
    const p = Number(part.trim());
    if (!/^\d+$/.test(part.trim()) || p < 1 || p > 65535) return `unable to parse "${part}" as a port: invalid port`;
    ports.push(p);
  }
  return ports;
}
