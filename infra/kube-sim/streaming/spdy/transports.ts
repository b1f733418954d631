// The byte pipes SPDY runs over: the upgraded socket itself (kubectl's SPDY fallback, older clients), or a
// WebSocket whose binary messages concatenate into the SPDY byte stream (kubectl 1.31+ port-forward, as
// client-go's tunneling connection does: message boundaries mean nothing, a close with 1000 is EOF).
import type { Duplex } from 'node:stream';
import type { WebSocketConnection } from '../websocket.js';
import type { ByteTransport } from './connection.js';

export function socketTransport(socket: Duplex, head: Buffer): ByteTransport {
  return {
    write: (d) => {
      if (!socket.destroyed) socket.write(d);
    },
    end: () => socket.end(),
    onData: (l) => {
      if (head.length) queueMicrotask(() => l(head));
      socket.on('data', l);
    },
    onClose: (l) => socket.on('close', l),
  };
}

export function webSocketTransport(ws: WebSocketConnection): ByteTransport {
  return {
    write: (d) => ws.send(d, true),
    end: () => ws.close(1000),
    onData: (l) => ws.on('message', (data, binary) => {
      // A text message is a protocol error for the tunnel (client-go: "invalid message type received").
      if (binary) l(data);
      else ws.close(1002, 'invalid message type');
    }),
    onClose: (l) => ws.on('close', () => l()),
  };
}

/** Answers a SPDY/3.1 upgrade with 101 and the negotiated X-Stream-Protocol-Version (apimachinery spdy/upgrade.go). */
export function acceptSpdy(socket: Duplex, protocol: string): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
}
