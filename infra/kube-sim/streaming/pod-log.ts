// GET pods/{name}/log in host mode: the API server's checks (pod, container, options), then the kubelet's
// reading of the chosen run's log (tail, since, timestamps, byte limit), streamed as chunked text/plain and,
// with follow, kept open until the container ends, the pod goes, or the client leaves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from '../errors.js';
import type { SimRuntime } from '../container-runtime/runtime.js';
import { rfc3339Nano, type LogLine } from '../container-runtime/logs.js';
import type { Api } from '../types.js';
import { logOptions } from './log-options.js';
import { logContainerId, runById } from './log-source.js';
import { getPod, resolveContainer } from './pod-target.js';

export async function servePodLog(api: Api, runtime: SimRuntime, _req: IncomingMessage, res: ServerResponse, namespace: string, name: string, params: URLSearchParams): Promise<number> {
  const pod = getPod(api, namespace, name);
  const opts = logOptions(params, name);
  const container = resolveContainer(pod, opts.container);
  const headers = { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' };
  // An unscheduled pod has no kubelet to ask: the API server streams nothing.
  if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) {
    res.writeHead(200, headers);
    res.end();
    return 200;
  }
  const box = runtime.sandbox(namespace, name);
  const id = logContainerId(pod, container, opts.previous);
  const run = box?.uid === pod.metadata.uid ? runById(box, container, id) : undefined;
  if (!run) {
    const path = `/var/log/pods/${namespace}_${name}_${pod.metadata.uid}/${container}`;
    throw badRequest(`failed to try resolving symlinks in path "${path}/0.log": lstat ${path}/0.log: no such file or directory`);
  }

  let lines = run.log.lines.slice();
  if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
  const sinceMs = opts.sinceTime?.getTime() ?? (opts.sinceSeconds !== undefined ? Date.now() - opts.sinceSeconds * 1000 : undefined);
  const since = sinceMs === undefined ? undefined : BigInt(sinceMs) * 1_000_000n;
  let budget = opts.limitBytes ?? Infinity;

  res.writeHead(200, headers);
  res.flushHeaders();
  /** Writes one line; false once the byte limit is reached. */
  const emit = (l: LogLine): boolean => {
    if (since !== undefined && l.ns < since) return true;
    let out = Buffer.from(opts.timestamps ? `${rfc3339Nano(l.ns)} ${l.text}` : l.text);
    if (out.length > budget) out = out.subarray(0, budget);
    budget -= out.length;
    if (out.length) res.write(out);
    return budget > 0;
  };
  let open = true;
  for (const l of lines) if (!(open = emit(l))) break;
  if (!open || !opts.follow || run.log.ended) {
    res.end();
    return 200;
  }
  await new Promise<void>((resolve) => {
    let unfollow = () => {};
    let unremoved = () => {};
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      unfollow();
      unremoved();
      if (!res.writableEnded) res.end();
      resolve();
    };
    unfollow = run.log.follow({ line: (l) => { if (!emit(l)) finish(); }, end: finish });
    unremoved = box!.onRemoved(finish);
    // The client went away (kubectl logs -f interrupted): 'close' on the response, not the request.
    res.on('close', finish);
  });
  return 200;
}
