// An in-memory byte stream with an end: a container's stdin (fed by attach sessions), an exec's stdin (fed by
// the client), or one stage of a shell pipeline. One reader; writers may be many.

export interface ByteSource {
  /** The next chunk, or null at end of stream. */
  read(): Promise<Buffer | null>;
}

export class BytePipe implements ByteSource {
  private readonly chunks: Buffer[] = [];
  private waiter: ((chunk: Buffer | null) => void) | undefined;
  private closed = false;

  write(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(chunk);
    } else this.chunks.push(chunk);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(null);
    }
  }

  get ended(): boolean {
    return this.closed;
  }

  read(): Promise<Buffer | null> {
    const next = this.chunks.shift();
    if (next) return Promise.resolve(next);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

/** A source that holds a fixed buffer (a here-string, a pipeline's captured output). */
export function bufferSource(data: Buffer): ByteSource {
  let done = data.length === 0;
  return { read: async () => (done ? null : ((done = true), data)) };
}

export const EMPTY_SOURCE: ByteSource = { read: async () => null };

/** Everything a source yields until its end. */
export async function readAll(source: ByteSource): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let c = await source.read(); c; c = await source.read()) parts.push(c);
  return Buffer.concat(parts);
}
