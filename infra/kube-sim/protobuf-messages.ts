// Field numbers of the Kubernetes protobuf messages (k8s.io/api and apimachinery generated.proto) that
// clients send as request bodies: what kubectl's typed generators produce (create namespace, configmap,
// secret, serviceaccount, service, token, deployment, job) and the pod spec inside them. One line per
// message: `<number> <json name> [<type>]`, where the type is a message name or string (the default), int,
// bool, bytes, time, quantity, intstr, map (string to string), bytesmap, quantitymap; `[]` repeats it, `*`
// marks a pointer field whose zero value is meaningful, `^` an embedded struct whose fields JSON inlines.

const SPEC: Record<string, string> = {
  ObjectMeta: '1 name; 2 generateName; 3 namespace; 5 uid; 6 resourceVersion; 7 generation int; 8 creationTimestamp time; 10 deletionGracePeriodSeconds int*; 11 labels map; 12 annotations map; 13 ownerReferences OwnerReference[]; 14 finalizers string[]',
  OwnerReference: '5 apiVersion; 1 kind; 3 name; 4 uid; 6 controller bool*; 7 blockOwnerDeletion bool*',
  ObjectReference: '1 kind; 2 namespace; 3 name; 4 uid; 5 apiVersion; 6 resourceVersion; 7 fieldPath',
  LocalObjectReference: '1 name',
  LabelSelector: '1 matchLabels map; 2 matchExpressions LabelSelectorRequirement[]',
  LabelSelectorRequirement: '1 key; 2 operator; 3 values string[]',
  Empty: '',

  Namespace: '1 metadata ObjectMeta; 2 spec NamespaceSpec; 3 status NamespaceStatus',
  NamespaceSpec: '1 finalizers string[]',
  NamespaceStatus: '1 phase',
  ConfigMap: '1 metadata ObjectMeta; 4 immutable bool*; 2 data map; 3 binaryData bytesmap',
  Secret: '1 metadata ObjectMeta; 5 immutable bool*; 2 data bytesmap; 4 stringData map; 3 type',
  ServiceAccount: '1 metadata ObjectMeta; 2 secrets ObjectReference[]; 3 imagePullSecrets LocalObjectReference[]; 4 automountServiceAccountToken bool*',

  Service: '1 metadata ObjectMeta; 2 spec ServiceSpec; 3 status ServiceStatus',
  ServiceSpec: '1 ports ServicePort[]; 2 selector map; 3 clusterIP; 18 clusterIPs string[]; 4 type; 5 externalIPs string[]; 7 sessionAffinity; 8 loadBalancerIP; 9 loadBalancerSourceRanges string[]; 10 externalName; 11 externalTrafficPolicy; 12 healthCheckNodePort int; 13 publishNotReadyAddresses bool; 14 sessionAffinityConfig SessionAffinityConfig; 19 ipFamilies string[]; 17 ipFamilyPolicy; 20 allocateLoadBalancerNodePorts bool*; 21 loadBalancerClass; 22 internalTrafficPolicy; 23 trafficDistribution',
  ServicePort: '1 name; 2 protocol; 6 appProtocol; 3 port int; 4 targetPort intstr; 5 nodePort int',
  ServiceStatus: '1 loadBalancer LoadBalancerStatus',
  LoadBalancerStatus: '1 ingress LoadBalancerIngress[]',
  LoadBalancerIngress: '1 ip; 2 hostname; 3 ipMode',
  SessionAffinityConfig: '1 clientIP ClientIPConfig',
  ClientIPConfig: '1 timeoutSeconds int*',

  TokenRequest: '1 metadata ObjectMeta; 2 spec TokenRequestSpec; 3 status TokenRequestStatus',
  TokenRequestSpec: '1 audiences string[]; 4 expirationSeconds int*; 3 boundObjectRef BoundObjectReference',
  BoundObjectReference: '1 kind; 2 apiVersion; 3 name; 4 uid',
  TokenRequestStatus: '1 token; 2 expirationTimestamp time',

  Pod: '1 metadata ObjectMeta; 2 spec PodSpec; 3 status Empty',
  PodTemplateSpec: '1 metadata ObjectMeta; 2 spec PodSpec',
  PodSpec: '20 initContainers Container[]; 2 containers Container[]; 3 restartPolicy; 4 terminationGracePeriodSeconds int*; 5 activeDeadlineSeconds int*; 6 dnsPolicy; 7 nodeSelector map; 8 serviceAccountName; 9 serviceAccount; 21 automountServiceAccountToken bool*; 10 nodeName; 11 hostNetwork bool; 12 hostPID bool; 13 hostIPC bool; 15 imagePullSecrets LocalObjectReference[]; 16 hostname; 17 subdomain; 19 schedulerName; 22 tolerations Toleration[]; 24 priorityClassName; 25 priority int*; 30 enableServiceLinks bool*; 31 preemptionPolicy',
  Container: '1 name; 2 image; 3 command string[]; 4 args string[]; 5 workingDir; 6 ports ContainerPort[]; 19 envFrom EnvFromSource[]; 7 env EnvVar[]; 8 resources ResourceRequirements; 24 restartPolicy; 9 volumeMounts VolumeMount[]; 13 terminationMessagePath; 20 terminationMessagePolicy; 14 imagePullPolicy; 16 stdin bool; 17 stdinOnce bool; 18 tty bool',
  ContainerPort: '1 name; 2 hostPort int; 3 containerPort int; 4 protocol; 5 hostIP',
  ResourceRequirements: '1 limits quantitymap; 2 requests quantitymap',
  EnvVar: '1 name; 2 value; 3 valueFrom EnvVarSource',
  EnvVarSource: '1 fieldRef ObjectFieldSelector; 2 resourceFieldRef ResourceFieldSelector; 3 configMapKeyRef KeySelector; 4 secretKeyRef KeySelector',
  ObjectFieldSelector: '1 apiVersion; 2 fieldPath',
  ResourceFieldSelector: '1 containerName; 2 resource; 3 divisor quantity',
  KeySelector: '1 ^ LocalObjectReference; 2 key; 3 optional bool*',
  EnvFromSource: '1 prefix; 2 configMapRef EnvSource; 3 secretRef EnvSource',
  EnvSource: '1 ^ LocalObjectReference; 2 optional bool*',
  VolumeMount: '1 name; 2 readOnly bool; 7 recursiveReadOnly; 3 mountPath; 4 subPath; 5 mountPropagation; 6 subPathExpr',
  Toleration: '1 key; 2 operator; 3 value; 4 effect; 5 tolerationSeconds int*',

  Deployment: '1 metadata ObjectMeta; 2 spec DeploymentSpec; 3 status Empty',
  DeploymentSpec: '1 replicas int*; 2 selector LabelSelector; 3 template PodTemplateSpec; 4 strategy DeploymentStrategy; 5 minReadySeconds int; 6 revisionHistoryLimit int*; 7 paused bool; 9 progressDeadlineSeconds int*',
  DeploymentStrategy: '1 type; 2 rollingUpdate RollingUpdateDeployment',
  RollingUpdateDeployment: '1 maxUnavailable intstr; 2 maxSurge intstr',
  Job: '1 metadata ObjectMeta; 2 spec JobSpec; 3 status Empty',
  JobSpec: '1 parallelism int*; 2 completions int*; 3 activeDeadlineSeconds int*; 7 backoffLimit int*; 4 selector LabelSelector; 5 manualSelector bool*; 6 template PodTemplateSpec; 8 ttlSecondsAfterFinished int*; 9 completionMode; 10 suspend bool*; 14 podReplacementPolicy; 15 managedBy',
};

/** The top-level kinds a body may carry, by apiVersion and kind. */
export const BODY_KINDS: Record<string, string> = {
  'v1/Namespace': 'Namespace', 'v1/ConfigMap': 'ConfigMap', 'v1/Secret': 'Secret', 'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service', 'v1/Pod': 'Pod', 'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'apps/v1/Deployment': 'Deployment', 'batch/v1/Job': 'Job',
};

export type FieldDesc = { name: string; type: string; repeated: boolean; pointer: boolean; inline: boolean };

function parseMessage(spec: string): Map<number, FieldDesc> {
  const fields = new Map<number, FieldDesc>();
  for (const part of spec.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [no, name, type = 'string'] = part.split(/\s+/);
    fields.set(Number(no), {
      name: name === '^' ? '' : name, type: type.replace(/\[\]|\*/g, ''), repeated: type.includes('[]'), pointer: type.endsWith('*'), inline: name === '^',
    });
  }
  return fields;
}

export const MESSAGES: Record<string, Map<number, FieldDesc>> = Object.fromEntries(Object.entries(SPEC).map(([k, v]) => [k, parseMessage(v)]));
