// exec and attach, whatever carries them (WebSocket channels or SPDY streams): the options of the request,
// the run in the container, and the Status the error stream ends with, worded as the kubelet writes it
// (v4) or as kube-apiserver's stream translator rewrites it for v5 clients.
import { badRequest } from '../errors.js';
import type { ByteSource } from '../container-runtime/byte-pipe.js';
import type { ContainerInstance } from '../container-runtime/instance.js';
import { execInContainer } from '../container-runtime/processes.js';
import { toTerminal } from '../shell/terminal.js';
import { boolParam } from './query-values.js';

export interface CommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  command: string[];
}

/** PodExecOptions / PodAttachOptions from the query, checked as the kubelet's NewOptions checks them. */
export function commandOptions(params: URLSearchParams, kind: 'exec' | 'attach'): CommandOptions {
  const tty = boolParam(params, 'tty');
  const opts: CommandOptions = {
    stdin: boolParam(params, 'stdin'), stdout: boolParam(params, 'stdout'), stderr: boolParam(params, 'stderr') && !tty, tty,
    command: params.getAll('command'),
  };
  if (kind === 'exec' && opts.command.length === 0) throw badRequest('you must specify at least one command for the container');
  if (!opts.stdin && !opts.stdout && !boolParam(params, 'stderr')) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return opts;
}

/** `dial`: the API server could not reach the container (kubelet refused the upgrade), so nothing wraps it twice. */
export type Outcome = { kind: 'success' } | { kind: 'exit'; code: number } | { kind: 'error'; message: string; dial?: boolean };

export interface CommandStreams {
  /** Present when stdin was requested: the client's bytes, ended by a half-close or the connection's end. */
  stdin?: ByteSource;
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Aborted when the client goes away. */
  closed: AbortSignal;
}

/** Runs the exec, or attaches to the container's streams, until it ends. */
export async function runRemoteCommand(kind: 'exec' | 'attach', c: ContainerInstance, opts: CommandOptions, streams: CommandStreams): Promise<Outcome> {
  const stdout = opts.stdout ? streams.stdout : () => undefined;
  const stderr = opts.stderr ? streams.stderr : opts.tty ? stdout : () => undefined;
  if (kind === 'exec') {
    const result = await execInContainer(c, opts.command, { stdin: streams.stdin, stdout, stderr, tty: opts.tty }, streams.closed);
    if ('error' in result) return { kind: 'error', message: `error executing command in container: ${result.error}` };
    return result.exitCode === 0 ? { kind: 'success' } : { kind: 'exit', code: result.exitCode };
  }
  return attach(c, opts, streams, stdout, stderr);
}

/** attach: the container's output from now on, and its stdin if it has one, until it exits or the client leaves. */
function attach(c: ContainerInstance, opts: CommandOptions, streams: CommandStreams, stdout: (b: Buffer) => void, stderr: (b: Buffer) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const unOutput = c.onOutput((stream, chunk) => {
      // A tty container already writes CR LF; a non-tty one attached with -t gets them added.
      const text = opts.tty && !c.tty ? toTerminal(chunk) : chunk;
      (stream === 'stdout' ? stdout : stderr)(Buffer.from(text));
    });
    if (opts.stdin && streams.stdin && c.stdin) {
      const target = c.stdin;
      const source = streams.stdin;
      c.stdinAttachedNow();
      void (async () => {
        for (let chunk = await source.read(); chunk; chunk = await source.read()) target.write(chunk);
        c.stdinDetached();
      })();
    }
    const done = () => {
      unOutput();
      unExit();
      streams.closed.removeEventListener('abort', done);
      resolve({ kind: 'success' });
    };
    const unExit = c.onExit(done);
    streams.closed.addEventListener('abort', done);
  });
}

export interface StatusJson {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason?: string; message: string }> };
  code?: number;
}

/**
 * The Status on the error stream. `translated` (v5 clients) words it as the API server's translator does;
 * otherwise as the kubelet does, with the runtime's text for exit codes (containerd: "command '…' exited with N").
 */
export function outcomeStatus(outcome: Outcome, argv: string[], translated: boolean): StatusJson {
  if (outcome.kind === 'success') return { metadata: {}, status: 'Success' };
  if (outcome.kind === 'exit') {
    const why = translated ? `command terminated with exit code ${outcome.code}` : `command '${argv.join(' ')}' exited with ${outcome.code}`;
    return {
      metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: ${why}`, reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(outcome.code) }] },
    };
  }
  // The translator wraps what client-go made of the kubelet's Status (its message) in a new InternalError.
  const inner = outcome.dial ? outcome.message : `Internal error occurred: ${outcome.message}`;
  const message = translated || !outcome.dial ? `Internal error occurred: ${translated ? inner : outcome.message}` : inner;
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', details: { causes: [{ message: translated ? inner : outcome.message }] }, code: 500 };
}

/** What v1-v3 put on the error stream: nothing on success, the error text otherwise. */
export function outcomeText(outcome: Outcome, argv: string[]): string | undefined {
  const s = outcomeStatus(outcome, argv, false);
  return s.status === 'Success' ? undefined : s.message;
}
