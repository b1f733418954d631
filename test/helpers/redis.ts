// A throwaway redis-server per test file: real Redis semantics (Lua scripts, blocking pops) without
// depending on a shared instance whose state other tests could disturb.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, createConnection, type Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Test } from 'tap';
import { freePort } from '../../functions/start/free-port.js';

export interface RedisHandle {
  url: string;
  port: number;
  /** Kills redis-server and releases the port (teardown). */
  stop(): Promise<void>;
  /**
   * An outage: kills redis-server but keeps the port, answering every connection with a reset, so no
   * other test's Redis can take the port and clients see a dead server until `comeBack()`.
   */
  goDown(): Promise<void>;
  /** Ends the outage: a fresh, empty redis-server on the same port. */
  comeBack(): Promise<void>;
}

/**
 * The process id of the redis-server answering on `port` (raw INFO, no client library), or undefined.
 * Checking the pid, not just PONG, matters: two test files can be handed the same free port, and the one
 * whose server lost the bind race would otherwise adopt the other's server.
 */
function serverPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const done = (pid: number | undefined) => {
      sock.destroy();
      resolve(pid);
    };
    sock.setTimeout(500, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('data', (d) => {
      buf += d.toString();
      const m = /process_id:(\d+)/.exec(buf);
      if (m) done(Number(m[1]));
    });
    sock.on('connect', () => sock.write('INFO server\r\n'));
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

function spawnRedis(port: number): { child: ChildProcess; exited: Promise<void>; isExited: () => boolean } {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  );
  let done = false;
  const exited = new Promise<void>((r) => child.once('exit', () => { done = true; r(); }));
  return { child, exited, isExited: () => done };
}

function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const holder = createServer((sock) => sock.destroy());
    holder.unref();
    holder.once('error', reject);
    holder.listen(port, '127.0.0.1', () => resolve(holder));
  });
}

/** Starts redis-server on a free loopback port and waits until it (not some other server) answers. */
export async function startRedis(): Promise<RedisHandle> {
  let port = 0;
  let proc: ReturnType<typeof spawnRedis> | undefined;
  let holder: Server | undefined;
  const up = async () => {
    const current = proc!;
    await waitFor(async () => {
      if (current.isExited()) throw new Error(`redis-server exited early on port ${port}`);
      return (await serverPid(port)) === current.child.pid;
    }, `redis-server on port ${port}`);
  };
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    proc = spawnRedis(port);
    try {
      await up();
      break;
    } catch (err) {
      proc.child.kill('SIGKILL');
      if (attempt >= 5) throw err;
    }
  }
  const kill = async () => {
    if (proc!.isExited()) return;
    proc!.child.kill('SIGKILL');
    await proc!.exited;
  };
  const release = async () => {
    const h = holder;
    holder = undefined;
    if (h) await new Promise<void>((r) => h.close(() => r()));
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await kill();
      await release();
    },
    async goDown() {
      await kill();
      holder = await holdPort(port);
    },
    async comeBack() {
      await release();
      proc = spawnRedis(port);
      await up();
    },
  };
}

/** A queue prefix no other test shares, so parallel test files never see each other's keys. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/**
 * A connection of its own that records the name of every command it sends (a script call is one, whatever it
 * runs inside Redis): a count that other clients of the same server cannot blur. Closed at the test's end.
 */
export function countedConnection(t: Test, url: string): { connection: Redis; sent: string[] } {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  t.teardown(() => connection.disconnect());
  const sent: string[] = [];
  const send = connection.sendCommand.bind(connection);
  connection.sendCommand = (command, stream) => {
    sent.push(command.name);
    return send(command, stream);
  };
  return { connection, sent };
}
