// exec and attach over SPDY, the kubelet's side (remotecommand/httpstream.go): the client opens one stream per
// channel (streamType error, stdin, stdout, stderr, resize), the command starts once all it asked for exist,
// stdin ends with a FIN, and the Status goes on the error stream (JSON from v4, text before) before the close.
import { BytePipe } from '../container-runtime/byte-pipe.js';
import type { ContainerInstance } from '../container-runtime/instance.js';
import { outcomeStatus, outcomeText, runRemoteCommand, type CommandOptions } from './remote-command.js';
import type { SpdyConnection, SpdyStream } from './spdy/connection.js';

/** What the kubelet speaks over SPDY for exec and attach; v5 exists only on the API server's WebSocket side. */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

const CREATION_TIMEOUT_MS = 30_000;

export function serveSpdyCommand(conn: SpdyConnection, protocol: string, kind: 'exec' | 'attach', c: ContainerInstance, opts: CommandOptions): void {
  const resize = opts.tty && protocol !== 'v2.channel.k8s.io' && protocol !== 'channel.k8s.io';
  const wanted = new Set(['error', ...(opts.stdin ? ['stdin'] : []), ...(opts.stdout ? ['stdout'] : []), ...(opts.stderr ? ['stderr'] : []), ...(resize ? ['resize'] : [])]);
  const streams = new Map<string, SpdyStream>();
  const closed = new AbortController();
  const stdin = opts.stdin ? new BytePipe() : undefined;
  let started = false;
  const timer = setTimeout(() => conn.close(), CREATION_TIMEOUT_MS);
  timer.unref();
  conn.on('close', () => {
    clearTimeout(timer);
    stdin?.end();
    closed.abort();
  });
  conn.on('stream', (stream) => {
    const type = stream.header('streamtype') ?? '';
    // A tty session has no stderr stream on the kubelet's side; other unknown or repeated types are refused.
    if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type) || streams.has(type)) {
      stream.reply(true);
      return;
    }
    stream.reply();
    streams.set(type, stream);
    if (type === 'stdin') {
      stream.on('data', (d) => stdin?.write(d));
      stream.on('end', () => stdin?.end());
    }
    if (!started && [...wanted].every((w) => streams.has(w))) {
      started = true;
      clearTimeout(timer);
      void run();
    }
  });

  async function run(): Promise<void> {
    const write = (name: string) => (d: Buffer) => streams.get(name)?.write(d);
    const outcome = await runRemoteCommand(kind, c, opts, { stdin, stdout: write('stdout'), stderr: write('stderr'), closed: closed.signal });
    streams.get('stdout')?.end();
    streams.get('stderr')?.end();
    const error = streams.get('error')!;
    if (protocol === 'v4.channel.k8s.io') error.write(Buffer.from(JSON.stringify(outcomeStatus(outcome, opts.command, false))));
    else {
      const text = outcomeText(outcome, opts.command);
      if (text) error.write(Buffer.from(text));
    }
    error.end();
    conn.close();
  }
}
