// One container instance's log, as the CRI log file holds it: timestamped lines on stdout or stderr, a
// trailing partial line kept as such, and an end once the container has exited. Followers get each line as
// it is written and the end; readers select by time, tail and byte limit (pkg/kubelet/kuberuntime/logs).

export type LogStream = 'stdout' | 'stderr';

export interface LogLine {
  /** Nanoseconds since the epoch: the CRI log keeps RFC 3339 with nanoseconds. */
  ns: bigint;
  stream: LogStream;
  /** The line's text with its newline, or without one for a partial (P) line. */
  text: string;
}

export interface LogFollower {
  line(l: LogLine): void;
  end(): void;
}

// Wall clock in ms plus the sub-millisecond part of the monotonic clock, never going back: distinct, ordered
// nanoseconds across every log of the process.
let lastNs = 0n;
function nowNs(now: Date): bigint {
  const ns = BigInt(now.getTime()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  lastNs = ns > lastNs ? ns : lastNs + 1n;
  return lastNs;
}

/** The kubelet's containerLogMaxSize default: older lines are rotated away beyond it. */
export const LOG_MAX_BYTES = 10 * 1024 * 1024;

export class ContainerLog {
  readonly lines: LogLine[] = [];
  private bytes = 0;
  private partial: Partial<Record<LogStream, LogLine>> = {};
  private readonly followers = new Set<LogFollower>();
  ended = false;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Appends output; complete lines are cut at each newline, the rest waits as a partial line. */
  write(stream: LogStream, chunk: string): void {
    if (this.ended || chunk === '') return;
    let rest = (this.partial[stream]?.text ?? '') + chunk;
    delete this.partial[stream];
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
      this.push({ ns: nowNs(this.now()), stream, text: rest.slice(0, nl + 1) });
      rest = rest.slice(nl + 1);
    }
    if (rest) this.partial[stream] = { ns: nowNs(this.now()), stream, text: rest };
  }

  /** The container exited: a pending partial line is flushed as it is, and followers are told. */
  end(): void {
    if (this.ended) return;
    for (const l of Object.values(this.partial)) if (l) this.push(l);
    this.partial = {};
    this.ended = true;
    for (const f of this.followers) f.end();
    this.followers.clear();
  }

  private push(line: LogLine): void {
    this.lines.push(line);
    this.bytes += line.text.length;
    while (this.bytes > LOG_MAX_BYTES && this.lines.length > 1) this.bytes -= this.lines.shift()!.text.length;
    for (const f of this.followers) f.line(line);
  }

  /** Lines from now on until the end; returns the unsubscribe. Called after reading `lines`, nothing is missed. */
  follow(f: LogFollower): () => void {
    if (this.ended) {
      f.end();
      return () => undefined;
    }
    this.followers.add(f);
    return () => this.followers.delete(f);
  }
}

/** RFC 3339 with nanoseconds, as `kubectl logs --timestamps` prints them. */
export function rfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}
