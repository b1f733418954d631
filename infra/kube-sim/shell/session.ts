// A shell reading its commands from a stream, as `sh` does when stdin is not a script argument: each complete
// command runs as soon as its line arrives, an unfinished one waits for more lines; with a terminal it prints
// busybox's prompts ("/ # ", "> ") and Ctrl-C interrupts the running command.
import { IncompleteInput, ShellSyntaxError, type List } from './ast.js';
import { Shell } from './interpreter.js';
import { parseScript } from './parser.js';
import { ExitSignal, type ShellIO } from './state.js';

export interface SessionIO extends ShellIO {
  /** Set when stdin is a terminal: prompts, and `interrupt` fires on Ctrl-C. */
  interactive: boolean;
  onInterrupt?(listener: () => void): void;
}

function prompt(shell: Shell): string {
  const home = shell.state.vars.get('HOME');
  const cwd = shell.state.cwd === home ? '~' : shell.state.cwd;
  return `${cwd} # `;
}

export async function runSession(shell: Shell, io: SessionIO): Promise<number> {
  let pending = '';
  let buffer = '';
  let current: AbortController | undefined;
  io.onInterrupt?.(() => current?.abort());
  if (io.interactive) io.stdout(prompt(shell));
  const runPending = async (final: boolean): Promise<number | undefined> => {
    let list: List;
    try {
      list = parseScript(pending);
    } catch (err) {
      if (err instanceof IncompleteInput && !final) {
        if (io.interactive) io.stdout('> ');
        return undefined;
      }
      if (!(err instanceof ShellSyntaxError) && !(err instanceof IncompleteInput)) throw err;
      io.stderr(`${shell.state.name}: ${err instanceof IncompleteInput ? 'syntax error: unexpected end of file' : err.message}\n`);
      shell.state.lastStatus = 2;
      pending = '';
      if (io.interactive) io.stdout(prompt(shell));
      return undefined;
    }
    pending = '';
    current = new AbortController();
    const line = new Shell({ ...shell.host, signal: AbortSignal.any([shell.host.signal, current.signal]) }, shell.state);
    try {
      shell.state.lastStatus = await line.runList(list, io);
    } catch (err) {
      if (err instanceof ExitSignal) {
        if (!current.signal.aborted || shell.host.signal.aborted) return err.code;
        shell.state.lastStatus = 130;
      } else throw err;
    }
    if (shell.host.signal.aborted) return shell.state.lastStatus;
    if (io.interactive) io.stdout(prompt(shell));
    return undefined;
  };
  for (;;) {
    const chunk = await io.stdin.read();
    if (chunk === null) {
      if (pending || buffer) {
        pending += buffer;
        buffer = '';
        const code = await runPending(true);
        if (code !== undefined) return code;
      }
      return shell.state.lastStatus;
    }
    buffer += chunk.toString('utf8');
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      pending += buffer.slice(0, nl + 1);
      buffer = buffer.slice(nl + 1);
      const code = await runPending(false);
      if (code !== undefined) return code;
    }
  }
}
