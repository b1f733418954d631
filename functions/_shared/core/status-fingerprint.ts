import type { V1PodStatus } from '@kubernetes/client-node';

// A short fingerprint of what a person reads in `kubectl get pods`: phase, readiness, IP, and per container
// its readiness, restarts and state (ephemeral containers included). Resync compares the host's and the virtual pod's fingerprints page by
// page without holding whole statuses in memory; a difference sends the pod to a `status` job, which does
// the exact comparison (translate-status.ts) and patches.

export function statusFingerprint(status: V1PodStatus | undefined): string {
  if (!status) return '';
  const ready = status.conditions?.find((c) => c.type === 'Ready')?.status ?? '';
  // Ephemeral (kubectl debug) containers too, marked apart: a debug container starting late is drift as well.
  const ephemeral = (status.ephemeralContainerStatuses ?? []).map((c) => ({ ...c, name: `~${c.name}` }));
  const containers = [...(status.containerStatuses ?? []), ...ephemeral]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => {
      const state = c.state?.running ? 'running' : c.state?.terminated ? `terminated:${c.state.terminated.reason ?? ''}` : c.state?.waiting ? `waiting:${c.state.waiting.reason ?? ''}` : '';
      return `${c.name}=${c.ready ? 1 : 0}/${c.restartCount ?? 0}/${state}`;
    });
  return [status.phase ?? '', ready, status.podIP ?? '', ...containers].join('|');
}
