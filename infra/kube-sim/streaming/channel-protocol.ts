// The *channel.k8s.io WebSocket subprotocols (apimachinery wsstream/conn.go; kubelet and API server): which
// ones the simulator speaks, their framing (a channel byte then data; the base64 variants send text frames
// with an ASCII digit then base64), and v5's CLOSE signal [255, channel] that half-closes one stream.

export type ChannelProtocol = 'v5.channel.k8s.io' | 'v4.channel.k8s.io' | 'channel.k8s.io' | 'base64.channel.k8s.io' | 'v4.base64.channel.k8s.io' | '';

/**
 * Remote command over WebSocket: the kubelet accepts "", channel, base64, v4 and v4.base64; kube-apiserver's
 * stream translator adds v5 (there is no v5 base64, and no v2/v3 over WebSocket).
 */
export const REMOTE_COMMAND_PROTOCOLS: readonly ChannelProtocol[] = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** Port forward over WebSocket (the kubelet's legacy framing): "", v4 and v4.base64. */
export const PORT_FORWARD_PROTOCOLS: readonly ChannelProtocol[] = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The first protocol in the client's list the server speaks ('' when the client named none), else undefined. */
export function negotiate(offered: string[], supported: readonly ChannelProtocol[]): ChannelProtocol | undefined {
  if (offered.length === 0) return '';
  return offered.find((p): p is ChannelProtocol => (supported as readonly string[]).includes(p));
}

export const isBase64 = (p: ChannelProtocol) => p.includes('base64');
export const hasStatusJson = (p: ChannelProtocol) => p.startsWith('v4.') || p.startsWith('v5.');
export const hasCloseSignal = (p: ChannelProtocol) => p === 'v5.channel.k8s.io';

/** One outgoing message: [channel][data], or for base64 protocols the text "<digit><base64>". */
export function encodeFrame(protocol: ChannelProtocol, channel: number, data: Buffer): { payload: Buffer | string; binary: boolean } {
  if (isBase64(protocol)) return { payload: `${String.fromCharCode(48 + channel)}${data.toString('base64')}`, binary: false };
  return { payload: Buffer.concat([Buffer.from([channel]), data]), binary: true };
}

/**
 * One incoming message as (channel, data). Text frames are accepted on binary protocols too (Python's client
 * sends them). Undefined for an empty message, which the Go server skips.
 */
export function decodeFrame(protocol: ChannelProtocol, message: Buffer, binary: boolean): { channel: number; data: Buffer } | undefined {
  if (message.length === 0) return undefined;
  if (isBase64(protocol) && !binary) {
    const channel = message[0]! - 48;
    return { channel, data: Buffer.from(message.subarray(1).toString('ascii'), 'base64') };
  }
  return { channel: message[0]!, data: message.subarray(1) };
}
