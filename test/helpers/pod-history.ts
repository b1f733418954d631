// Every status one pod shows, in order, from the test's own watch: the host pod's and the virtual pod's
// histories are compared to prove the virtual one never goes back to an older host state.
import { Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { statusFingerprint } from '../../functions/_shared/core/status-fingerprint.js';

export interface PodHistory {
  /** Distinct status fingerprints, in the order first seen. */
  readonly states: string[];
  deleted: boolean;
  stop(): void;
}

export async function watchPodHistory(kc: KubeConfig, namespace: string, name: string): Promise<PodHistory> {
  const history: PodHistory = { states: [], deleted: false, stop: () => controller?.abort() };
  let controller: AbortController | undefined;
  let rv: string | undefined;
  let stopped = false;
  const start = async () => {
    controller = await new Watch(kc).watch(`/api/v1/namespaces/${namespace}/pods`, { fieldSelector: `metadata.name=${name}`, ...(rv ? { resourceVersion: rv } : {}) }, (type, pod: V1Pod) => {
      rv = pod.metadata?.resourceVersion ?? rv;
      if (type === 'DELETED') history.deleted = true;
      if (type !== 'ADDED' && type !== 'MODIFIED') return;
      const fp = statusFingerprint(pod.status);
      if (history.states[history.states.length - 1] !== fp) history.states.push(fp);
    }, () => {
      if (!stopped) setTimeout(() => void start(), 50);
    });
  };
  await start();
  const stop = history.stop;
  history.stop = () => {
    stopped = true;
    stop();
  };
  return history;
}

/**
 * True when every state the virtual pod showed was a state the host pod showed, in the host's order: the
 * virtual pod may skip host states (it reports the newest), never show them out of order. `ignore` filters
 * states podferry writes before the host has any (the virtual pod's own Pending).
 */
export function followsInOrder(virtual: readonly string[], host: readonly string[], ignore: (state: string) => boolean = () => false): { ok: boolean; detail: string } {
  let at = -1;
  for (const state of virtual) {
    if (ignore(state)) continue;
    const index = host.indexOf(state, Math.max(0, at));
    if (index < 0) return { ok: false, detail: `virtual state ${state} is not a host state after ${host[at] ?? '(start)'}; host: ${host.join(' > ')}; virtual: ${virtual.join(' > ')}` };
    at = index;
  }
  return { ok: true, detail: '' };
}
