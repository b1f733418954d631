// A throwaway redis-server per test file: real Redis semantics (Lua scripts, blocking pops) without
// depending on a shared instance whose state other tests could disturb.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, createConnection } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface RedisHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Sends a raw inline PING; resolves true on +PONG. Avoids pulling ioredis into the helper. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    sock.on('connect', () => sock.write('PING\r\n'));
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts redis-server on a free loopback port (optionally a given one, to restart on the same port). */
export async function startRedis(opts: { port?: number } = {}): Promise<RedisHandle> {
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  );
  let exited = false;
  const exitedP = new Promise<void>((r) => child.once('exit', () => { exited = true; r(); }));
  await waitFor(async () => {
    if (exited) throw new Error(`redis-server exited early on port ${port}`);
    return ping(port);
  }, `redis-server on port ${port}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (exited) return;
      child.kill('SIGKILL');
      await exitedP;
    },
  };
}

/** A queue prefix no other test shares, so parallel test files never see each other's keys. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}
