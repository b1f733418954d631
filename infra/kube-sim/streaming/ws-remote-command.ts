// exec and attach over WebSocket: the channel framing of the negotiated protocol around a remote command,
// the empty first message on the lowest writable channel, stdin half-close by v5's CLOSE signal, and the
// Status on the error channel followed by a normal close.
import { BytePipe } from '../container-runtime/byte-pipe.js';
import type { ContainerInstance } from '../container-runtime/instance.js';
import { CHANNEL, decodeFrame, encodeFrame, hasCloseSignal, hasStatusJson, type ChannelProtocol } from './channel-protocol.js';
import { outcomeStatus, outcomeText, runRemoteCommand, type CommandOptions, type Outcome } from './remote-command.js';
import type { WebSocketConnection } from './websocket.js';

/**
 * How long the simulated API server and kubelet take to reach the container after the upgrade (a real one
 * dials the kubelet, which asks the runtime to exec). It matters: kubectl 1.32 starts reading the socket
 * before it has registered its streams, so output that arrived sooner would be dropped as "Unknown stream id".
 */
export const DIAL_DELAY_MS = 50;

export async function serveWebSocketCommand(ws: WebSocketConnection, kind: 'exec' | 'attach', c: ContainerInstance | string, opts: CommandOptions): Promise<void> {
  const protocol = ws.protocol as ChannelProtocol;
  const send = (channel: number, data: Buffer) => {
    const f = encodeFrame(protocol, channel, data);
    ws.send(f.payload, f.binary);
  };
  send(opts.stdout ? CHANNEL.stdout : opts.stderr ? CHANNEL.stderr : CHANNEL.error, Buffer.alloc(0));

  const closed = new AbortController();
  const stdin = opts.stdin ? new BytePipe() : undefined;
  ws.on('message', (message, binary) => {
    const frame = decodeFrame(protocol, message, binary);
    if (!frame) return;
    if (frame.channel === CHANNEL.close && hasCloseSignal(protocol)) {
      if (frame.data.length !== 1) ws.close(1002, 'invalid close signal');
      else if (frame.data[0] === CHANNEL.stdin) stdin?.end();
      return;
    }
    if (frame.channel === CHANNEL.stdin) stdin?.write(frame.data);
    // Resize messages (channel 4) are accepted; the simulated terminal has no size to change.
  });
  ws.on('close', () => {
    stdin?.end();
    closed.abort();
  });

  await new Promise((r) => setTimeout(r, DIAL_DELAY_MS));
  let outcome: Outcome;
  if (!ws.isOpen) return;
  if (typeof c === 'string') outcome = { kind: 'error', message: c, dial: true };
  else outcome = await runRemoteCommand(kind, c, opts, { stdin, stdout: (d) => send(CHANNEL.stdout, d), stderr: (d) => send(CHANNEL.stderr, d), closed: closed.signal });
  if (!ws.isOpen) return;
  if (hasStatusJson(protocol)) {
    send(CHANNEL.error, Buffer.from(JSON.stringify(outcomeStatus(outcome, opts.command, protocol === 'v5.channel.k8s.io'))));
  } else {
    const text = outcomeText(outcome, opts.command);
    if (text) send(CHANNEL.error, Buffer.from(text));
  }
  ws.close(1000);
}
