// A redis-server child process for `npm start` and the tests: on a free loopback port, with AOF in a
// directory of ours when asked (so a local stack loses nothing on a crash), killed on stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { freePort } from './free-port.js';

export interface RedisProcess {
  url: string;
  port: number;
  /** Stops the server: SIGTERM (it writes its AOF) unless `kill` asks for SIGKILL. */
  stop(opts?: { kill?: boolean }): Promise<void>;
}

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

export async function startRedisServer(opts: { port?: number; dataDir?: string } = {}): Promise<RedisProcess> {
  const port = opts.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'noeviction'];
  if (opts.dataDir) {
    await mkdir(opts.dataDir, { recursive: true });
    args.push('--dir', opts.dataDir, '--appendonly', 'yes', '--appendfsync', 'everysec');
  } else {
    args.push('--appendonly', 'no');
  }
  let child: ChildProcess;
  try {
    child = spawn('redis-server', args, { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`could not start redis-server (${(err as Error).message}); install Redis 6.2+ or set REDIS_URL`);
  }
  let exited = false;
  const exitedP = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`could not start redis-server (${err.message}); install Redis 6.2+ or set REDIS_URL`))));
  const ready = (async () => {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (exited) throw new Error(`redis-server exited at start on port ${port}`);
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`redis-server did not answer on port ${port} within 10 s`);
  })();
  await Promise.race([ready, spawnError]);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop(stopOpts = {}) {
      if (exited) return;
      child.kill(stopOpts.kill ? 'SIGKILL' : 'SIGTERM');
      await exitedP;
    },
  };
}
