// The log lines a simulated container writes by itself, fixed per image behaviour (sim-images.ts) so tests
// and people can tell instances apart: which container and restart started, its ports, why it stopped.
import { imageBehaviour } from '../sim-images.js';

type Port = { containerPort: number; protocol?: string };
type Line = { stream: 'stdout' | 'stderr'; text: string };

const PREFIX = 'sim-container:';

export function startupLines(name: string, image: string, restartCount: number, ports: Port[] = []): Line[] {
  const lines: Line[] = [{ stream: 'stdout', text: `${PREFIX} starting "${name}" (image ${image}, restart ${restartCount})` }];
  for (const p of ports) lines.push({ stream: 'stdout', text: `${PREFIX} listening on port ${p.containerPort}/${p.protocol ?? 'TCP'}` });
  lines.push({ stream: 'stdout', text: `${PREFIX} ready` });
  return lines;
}

/** What the container says as it exits on its own: the crash reason for sim-crash, completion for sim-exit-*. */
export function exitLines(image: string, exitCode: number, init: boolean): Line[] {
  switch (imageBehaviour(image)) {
    case 'crash':
      return [{ stream: 'stderr', text: `${PREFIX} fatal: simulated crash (image sim-crash), exiting with status ${exitCode}` }];
    case 'exit-1':
      return [{ stream: 'stderr', text: `${PREFIX} error: simulated failure (image sim-exit-1), exiting with status ${exitCode}` }];
    case 'exit-0':
      return [{ stream: 'stdout', text: `${PREFIX} work complete (image sim-exit-0), exiting with status ${exitCode}` }];
    default:
      return [{ stream: 'stdout', text: init ? `${PREFIX} init done, exiting with status ${exitCode}` : `${PREFIX} exiting with status ${exitCode}` }];
  }
}

export function signalLines(image: string): Line[] {
  return imageBehaviour(image) === 'ignore-sigterm'
    ? [{ stream: 'stdout', text: `${PREFIX} received SIGTERM, ignoring it` }]
    : [{ stream: 'stdout', text: `${PREFIX} received SIGTERM, shutting down` }];
}
