// A one-line progress bar on stderr (redrawn in place on a terminal, a line every few seconds otherwise),
// so stdout stays the table or the single JSON object.
export interface Progress {
  stop(): void;
}

export function startProgress(label: string, total: number, read: () => { done: number; detail: string }, quiet = false): Progress {
  if (quiet) return { stop() {} };
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let lastLine = 0;
  const draw = (final = false) => {
    const { done, detail } = read();
    const width = 30;
    const filled = Math.min(width, Math.round((done / Math.max(1, total)) * width));
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    const line = `${label.padEnd(16)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${secs}s ${detail}`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else if (final || performance.now() - lastLine > 5000) {
      process.stderr.write(`${line}\n`);
      lastLine = performance.now();
    }
  };
  const timer = setInterval(() => draw(), tty ? 200 : 1000);
  return {
    stop() {
      clearInterval(timer);
      draw(true);
    },
  };
}
