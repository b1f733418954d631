// The pieces every printer of table.ts and its companions shares: a column definition, Name, Age.
import { ageSince } from './human-duration.js';
import type { KubeObject } from './types.js';

export type Column = { name: string; type: string; format: string; description: string; priority: number };

export const col = (name: string, type: string, description: string, priority = 0, format = ''): Column =>
  ({ name, type, format, description, priority });

export const NAME = col('Name', 'string', 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', 0, 'name');
export const AGE_DOC = 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
export const AGE = col('Age', 'string', AGE_DOC);

export interface Printer { columns: Column[]; cells(obj: KubeObject, now: Date): unknown[] }

export const age = (o: KubeObject, now: Date) => ageSince(o.metadata.creationTimestamp, now);
