// A terminal's line discipline, as the kernel's tty does it for a shell in cooked mode: input is echoed and
// handed on a line at a time, backspace edits the line, Ctrl-C interrupts, Ctrl-D on an empty line is end of
// input; output newlines become CR LF.
import { BytePipe } from '../container-runtime/byte-pipe.js';

/** onlcr: "\n" as "\r\n" on the way out. */
export function toTerminal(data: Buffer | string): string {
  return data.toString().replace(/\r?\n/g, '\r\n');
}

export class Terminal {
  /** What the program reads: cooked lines. */
  readonly input = new BytePipe();
  private line = '';
  private readonly interruptListeners: Array<() => void> = [];

  constructor(private readonly echo: (text: string) => void) {}

  onInterrupt(listener: () => void): void {
    this.interruptListeners.push(listener);
  }

  /** Raw bytes typed by the client. */
  write(chunk: Buffer): void {
    for (const ch of chunk.toString('utf8')) {
      if (ch === '\r' || ch === '\n') {
        this.echo('\r\n');
        this.input.write(Buffer.from(`${this.line}\n`));
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line) {
          this.line = this.line.slice(0, -1);
          this.echo('\b \b');
        }
      } else if (ch === '\x03') {
        this.echo('^C\r\n');
        this.line = '';
        for (const l of this.interruptListeners) l();
      } else if (ch === '\x04') {
        if (this.line) {
          this.input.write(Buffer.from(this.line));
          this.line = '';
        } else this.input.end();
      } else if (ch >= ' ' || ch === '\t') {
        this.line += ch;
        this.echo(ch);
      }
    }
  }

  end(): void {
    if (this.line) this.input.write(Buffer.from(this.line));
    this.line = '';
    this.input.end();
  }
}
