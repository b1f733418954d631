// Validates rendered objects with the kubernetes-models JSON-schema validators: the Kubernetes OpenAPI for
// built-in kinds, the published CRD schemas for KEDA and cert-manager. A kind with no model is an error, so
// nothing in the base goes unchecked by accident.
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

type Model = new (data: KubeObject) => { validate(): void };

const PACKAGES: Record<string, string> = {
  'keda.sh': '@kubernetes-models/keda',
  'cert-manager.io': '@kubernetes-models/cert-manager',
};

export async function modelFor(apiVersion: string, kind: string): Promise<Model | undefined> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = PACKAGES[group] ?? 'kubernetes-models';
  const module = `${pkg}/${group ? `${group}/` : ''}${version}`;
  const exports = (await import(module)) as Record<string, Model>;
  return exports[kind];
}

/** undefined when valid, else the validator's message (or why there is no validator). */
export async function schemaProblem(object: KubeObject): Promise<string | undefined> {
  let model: Model | undefined;
  try {
    model = await modelFor(object.apiVersion, object.kind);
  } catch (err) {
    return `no model package for ${object.apiVersion}: ${(err as Error).message}`;
  }
  if (!model) return `no model for ${object.apiVersion} ${object.kind}`;
  try {
    new model(object).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
