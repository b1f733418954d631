// Shared shapes of the simulator. Every module of infra/kube-sim speaks in these types, so the HTTP layer,
// the in-process API, admission, audit and the simulated kubelet can be built and tested apart.

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<Record<string, unknown>>;
  managedFields?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

/** One served resource, as discovery describes it. */
export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: string[]; // e.g. ["status", "binding"] for pods
  verbs: string[];
  /** Field selectors this type accepts beyond metadata.name and metadata.namespace. */
  selectableFields: string[];
  /** DELETE answers with the object (pods, serviceaccounts) rather than a Status. */
  returnDeletedObject: boolean;
  /** The type has a spec whose changes bump metadata.generation. */
  hasSpec: boolean;
  /** The type has a status subresource: writes to the main resource keep the stored status. */
  hasStatus: boolean;
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** What every write carries from the HTTP request into the API. */
export interface WriteOptions {
  dryRun: boolean;
  user: UserInfo;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  /** Warnings to return to the client as `Warning: 299 - "..."` headers; the API appends to it. */
  warnings?: string[];
  /** Server-side apply: the FieldsV1 of the applied configuration, recorded as the manager's Apply entry. */
  appliedFields?: Record<string, unknown>;
  /** ?force=true on an apply patch (accepted; conflicts are not detected). */
  force?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface WatchHandle {
  stop(): void;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** What the API hands to admission for one write; admission returns the (possibly mutated) object or throws a KubeError. */
export interface AdmissionAttributes {
  operation: AdmissionOperation;
  resource: ResourceType;
  subresource?: string;
  namespace?: string;
  name?: string;
  object?: KubeObject; // absent on DELETE
  oldObject?: KubeObject; // present on UPDATE and DELETE
  options: Record<string, unknown>; // CreateOptions / UpdateOptions / DeleteOptions, as the real server sends them
  dryRun: boolean;
  user: UserInfo;
  warnings?: string[];
}

export interface Admission {
  /** Mutating webhooks in order; returns the object to store. Runs before server-set fields exist on CREATE. */
  mutate(attrs: AdmissionAttributes): Promise<KubeObject | undefined>;
  /** Validating webhooks in parallel; throws a KubeError on denial. Runs on the object about to be stored. */
  validate(attrs: AdmissionAttributes): Promise<void>;
}

/**
 * The in-process API server: what the HTTP layer serves and what the simulated scheduler and kubelet call.
 * Every method enforces the real server's rules (validation, optimistic concurrency, graceful deletion,
 * admission) and throws KubeError with a Status on failure.
 */
export interface Api {
  resourceFor(group: string, version: string, plural: string): ResourceType | undefined;
  get(resource: ResourceType, namespace: string | undefined, name: string, subresource?: string): KubeObject;
  list(resource: ResourceType, namespace: string | undefined, opts: ListOptions): KubeList;
  /** subresource "binding" on pods: body is a Binding, result is a Status. */
  create(resource: ResourceType, namespace: string | undefined, body: KubeObject, opts: WriteOptions, sub?: { name: string; subresource: string }): Promise<KubeObject>;
  update(resource: ResourceType, namespace: string | undefined, name: string, body: KubeObject, opts: WriteOptions, subresource?: string): Promise<KubeObject>;
  patch(resource: ResourceType, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, opts: WriteOptions, subresource?: string): Promise<{ object: KubeObject; created: boolean }>;
  /** Returns the object as it stands after the call (graceful: still present with deletionTimestamp) and whether it is gone. */
  delete(resource: ResourceType, namespace: string | undefined, name: string, del: DeleteOptions, opts: WriteOptions): Promise<{ object: KubeObject; gone: boolean }>;
  deleteCollection(resource: ResourceType, namespace: string | undefined, list: ListOptions, del: DeleteOptions, opts: WriteOptions): Promise<KubeList>;
  /** Throws KubeError 410 when resourceVersion is older than the kept history. */
  watch(resource: ResourceType, namespace: string | undefined, opts: WatchOptions, onEvent: (event: WatchEvent) => void): WatchHandle;
  /** The current global resourceVersion. */
  currentResourceVersion(): string;
}

// ---- audit: what the HTTP layer reports about each request; the audit backend applies policy levels ----

export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export interface AuditObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface AuditRequest {
  auditID: string;
  verb: string; // Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection
  requestURI: string;
  user: UserInfo;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: AuditObjectRef;
  requestObject?: unknown;
  requestReceivedTimestamp: string; // RFC 3339 with microseconds
}

export interface AuditResponse {
  code: number;
  status?: unknown; // the Status on failure
  responseObject?: unknown;
}

export interface AuditSink {
  /** Called by the HTTP layer at each stage; the sink decides by policy whether and how much to record. */
  record(stage: AuditStage, request: AuditRequest, response?: AuditResponse): void;
  close(): Promise<void>;
}

// ---- cluster options: how a simulated cluster is started (code or CLI) ----

export interface KubeletOptions {
  /** Delay between the status steps of a starting pod (ms). */
  startupDelayMs?: number;
  /** Pod CIDR the pod IPs come from, e.g. 10.244.0.0/16; each node gets a /24 of it. */
  podCIDR?: string;
}

export interface AuditOptions {
  /** Audit policy: an object (audit.k8s.io/v1 Policy) or a path to its YAML, as --audit-policy-file. */
  policy: unknown;
  /** Path to a kubeconfig naming the webhook, as --audit-webhook-config-file. */
  webhookKubeconfig: string;
  batchMaxSize?: number; // --audit-webhook-batch-max-size, default 400
  batchMaxWaitMs?: number; // --audit-webhook-batch-max-wait, default 30 s
  bufferSize?: number; // --audit-webhook-batch-buffer-size, default 10000
  initialBackoffMs?: number; // --audit-webhook-initial-backoff, default 10 s
}

export interface FaultOptions {
  latencyMs?: number; // added to every request
  jitterMs?: number; // plus uniform random 0..jitterMs
  errorRate?: number; // 0..1, answered 500 (or 503) before the request is served
  rateLimitQps?: number; // requests per second beyond which the server answers 429 with Retry-After
  rateLimitBurst?: number;
  dropWatchesAfterMs?: number; // open watches are cut after this long
}

export interface ClusterOptions {
  mode: 'virtual' | 'host';
  name?: string;
  host?: string; // listen address, default 127.0.0.1
  port?: number; // 0 or absent: a free port
  nodes?: number; // host mode: number of simulated nodes, default 3
  kubelet?: KubeletOptions;
  audit?: AuditOptions;
  faults?: FaultOptions;
  /** How many past events watch can resume from before answering 410 Expired. */
  watchHistory?: number;
  /** Largest request body accepted (bytes), default 3 MiB like kube-apiserver. */
  maxBodyBytes?: number;
  /** Extra bearer tokens and the users they stand for, as kube-apiserver's --token-auth-file. */
  tokenUsers?: Array<{ token: string; user: UserInfo }>;
  /**
   * Where the cluster keeps its state (the store, as etcd would, and its CA, keys and admin credentials), so
   * a restart with the same directory brings it back. Absent: in memory only, new credentials each start.
   */
  dataDir?: string;
  /** --service-cluster-ip-range: default 10.96.0.0/12 in host mode, 10.43.0.0/16 (k3s's) in virtual mode. */
  serviceCidr?: string;
  /** The address the `kubernetes` Service's endpoints name (--advertise-address); default the listen address. */
  advertiseAddress?: string;
  /** More names and addresses for the serving certificate (only when it is first made). */
  tlsSans?: string[];
  /**
   * What the server presents to admission webhooks, as the kubeconfig of an AdmissionConfiguration
   * (--admission-control-config-file) would: a bearer token or a client certificate.
   */
  admissionCredentials?: { token?: string; clientCertPem?: string; clientKeyPem?: string };
  /**
   * Virtual mode: how the API server reaches kubelets for pods/log, exec, attach and portforward, as
   * kube-apiserver's --kubelet-client-certificate/-key, --kubelet-certificate-authority and
   * --kubelet-preferred-address-types.
   */
  kubeletClient?: { clientCertificate?: { certPem: string; keyPem: string }; certificateAuthority?: string; preferredAddressTypes?: readonly string[] };
}
