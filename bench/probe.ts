// A preload for the podferry processes the benchmark starts (`node --import tsx --import bench/probe.ts`):
// it counts, from inside the process and without touching podferry's code, every Redis command the process
// sends (ioredis' sendCommand: a script call counts once, the commands the script runs inside Redis do not)
// and the round trips they took (a pipeline or MULTI block is one), and times the admission handler on
// Fastify's tracing channel. The harness asks over the IPC channel: {probe: 'reset'} and {probe: 'read'}.
import { Redis } from 'ioredis';
import { startAdmissionTimer } from './admission-timer.js';

export interface ProbeReport {
  pid: number;
  /** Commands sent, by name (evalsha, hset, ...), since the last reset. */
  redisCommands: Record<string, number>;
  /** Writes to the socket: a lone command is one, a pipeline or MULTI block one in all. */
  redisRoundTrips: number;
  /** Admission handler durations (ms) since the last reset; empty outside the webhook. */
  admissionMs: number[];
}

type SendCommand = (this: Redis, command: { name: string }, stream?: { isPipeline?: boolean }) => unknown;

let commands = new Map<string, number>();
let loneCommands = 0;
let pipelines = new WeakSet<object>();
let pipelineCount = 0;

const proto = Redis.prototype as unknown as { sendCommand: SendCommand; __benchProbe?: boolean };
if (!proto.__benchProbe) {
  proto.__benchProbe = true;
  const original = proto.sendCommand;
  proto.sendCommand = function sendCommand(command, stream) {
    const name = String(command?.name ?? '?').toLowerCase();
    commands.set(name, (commands.get(name) ?? 0) + 1);
    if (stream?.isPipeline) {
      if (!pipelines.has(stream)) {
        pipelines.add(stream);
        pipelineCount++;
      }
    } else loneCommands++;
    return original.call(this, command, stream);
  };
}

const admission = startAdmissionTimer();

if (process.send) {
  // The channel must not keep a process alive that would otherwise exit.
  (process as unknown as { channel?: { unref(): void } }).channel?.unref();
  process.on('message', (message: { probe?: string; id?: number }) => {
    if (message?.probe === 'reset') {
      commands = new Map();
      loneCommands = 0;
      pipelines = new WeakSet();
      pipelineCount = 0;
      admission.reset();
      process.send?.({ probe: 'reset-done', id: message.id });
    } else if (message?.probe === 'read') {
      const report: ProbeReport = { pid: process.pid, redisCommands: Object.fromEntries(commands), redisRoundTrips: loneCommands + pipelineCount, admissionMs: [...admission.samples()] };
      process.send?.({ probe: 'report', id: message.id, report });
    }
  });
}
