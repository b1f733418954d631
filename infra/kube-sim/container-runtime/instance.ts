// One run of one container: its filesystem and environment as resolved at start, its log, its stdin (when the
// spec asks for one) and its output as attach sessions see it. The main process that writes the output is
// chosen by the runtime; the kubelet decides the lifecycle and tells the instance when it has exited.
import type { LogStream } from './logs.js';
import { ContainerLog } from './logs.js';
import { BytePipe } from './byte-pipe.js';
import type { SimFs } from './filesystem.js';

export type ContainerKind = 'init' | 'regular' | 'ephemeral';

export interface ContainerInfo {
  name: string;
  kind: ContainerKind;
  image: string;
  restartCount: number;
  containerID: string;
  /** The container's spec entry (command, args, stdin, tty, ports...). */
  spec: Record<string, any>;
}

export type OutputListener = (stream: LogStream, chunk: string) => void;

/** What keeps a container busy: stopped when the container exits, however it exits. */
export interface MainProcess {
  stop(): void;
}

export class ContainerInstance {
  readonly log: ContainerLog;
  readonly stdin: BytePipe | undefined;
  state: 'running' | 'exited' = 'running';
  exitCode: number | undefined;
  process: MainProcess | undefined;
  private readonly outputs = new Set<OutputListener>();
  private readonly exitListeners = new Set<() => void>();
  private stdinAttached = false;

  constructor(
    readonly info: ContainerInfo,
    readonly fs: SimFs,
    readonly env: Array<[string, string]>,
    readonly hostname: string,
    now: () => Date,
  ) {
    this.log = new ContainerLog(now);
    this.stdin = info.spec.stdin ? new BytePipe() : undefined;
  }

  get name(): string {
    return this.info.name;
  }

  get tty(): boolean {
    return !!this.info.spec.tty;
  }

  get cwd(): string {
    return this.info.spec.workingDir || '/';
  }

  /** Output of the main process: into the log and to every attached session. */
  write(stream: LogStream, chunk: string): void {
    if (this.state !== 'running') return;
    this.log.write(stream, chunk);
    for (const l of this.outputs) l(stream, chunk);
  }

  writeLine(stream: LogStream, text: string): void {
    this.write(stream, `${text}${this.tty ? '\r\n' : '\n'}`);
  }

  onOutput(listener: OutputListener): () => void {
    this.outputs.add(listener);
    return () => this.outputs.delete(listener);
  }

  onExit(listener: () => void): () => void {
    if (this.state === 'exited') {
      listener();
      return () => undefined;
    }
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** An attach session with stdin left; with stdinOnce the container's stdin closes after the first one. */
  stdinDetached(): void {
    if (this.info.spec.stdinOnce && this.stdinAttached) this.stdin?.end();
  }

  stdinAttachedNow(): void {
    this.stdinAttached = true;
  }

  exited(code: number): void {
    if (this.state === 'exited') return;
    this.state = 'exited';
    this.exitCode = code;
    this.process?.stop();
    this.stdin?.end();
    this.log.end();
    for (const l of this.exitListeners) l();
    this.exitListeners.clear();
    this.outputs.clear();
  }
}
