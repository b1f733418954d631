// The scheduler's informers for volumes: claims, volumes and storage classes as its watches last saw them,
// read through the VolumeView that scheduler-volumes.ts checks pods against.
import { persistentVolumeClaims, persistentVolumes, storageClasses } from './resources.js';
import type { VolumeView } from './scheduler-volumes.js';
import type { Api, KubeObject, WatchEvent, WatchHandle } from './types.js';

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

export function isDefaultClass(sc: KubeObject): boolean {
  const annotations = sc.metadata.annotations ?? {};
  return annotations[DEFAULT_CLASS_ANNOTATION] === 'true' || annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

export interface VolumeCache extends VolumeView {
  /** Starts the three watches; `changed` runs after every event. */
  watch(api: Api, changed: () => void): WatchHandle[];
}

export function createVolumeCache(): VolumeCache {
  const claims = new Map<string, KubeObject>();
  const volumes = new Map<string, KubeObject>();
  const classes = new Map<string, KubeObject>();
  const track = (map: Map<string, KubeObject>, key: (o: KubeObject) => string, changed: () => void) => (ev: WatchEvent) => {
    if (ev.type === 'DELETED') map.delete(key(ev.object));
    else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') map.set(key(ev.object), ev.object);
    else return;
    changed();
  };
  const byName = (o: KubeObject) => o.metadata.name ?? '';
  return {
    claim: (namespace, name) => claims.get(`${namespace}/${name}`),
    volume: (name) => volumes.get(name),
    storageClass: (name) => classes.get(name),
    // The newest default wins when several are marked, as the DefaultStorageClass admission picks it.
    defaultClass: () => [...classes.values()].filter(isDefaultClass).sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))[0],
    watch(api, changed) {
      return [
        api.watch(persistentVolumeClaims, undefined, {}, track(claims, (o) => `${o.metadata.namespace}/${o.metadata.name}`, changed)),
        api.watch(persistentVolumes, undefined, {}, track(volumes, byName, changed)),
        api.watch(storageClasses, undefined, {}, track(classes, byName, changed)),
      ];
    },
  };
}
