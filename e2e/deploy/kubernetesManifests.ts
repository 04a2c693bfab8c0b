import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './deployFacts';

/** deploy/ as kustomize reads it: the resources kustomization.yaml lists, each document typed. */

export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');

/** Every kind deploy/ may use, by apiVersion/kind, with its model (whose validate() holds the schema). */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

export interface Manifest {
  /** deploy/<file>#<index of the document in the file> */
  readonly where: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  /** The document as parsed, for field checks. */
  readonly doc: Record<string, unknown>;
}

export interface Kustomization {
  resources: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}

export function readKustomization(): Kustomization {
  return parse(readFileSync(join(DEPLOY_DIR, 'kustomization.yaml'), 'utf8')) as Kustomization;
}

/** Throws, naming the file and document, on YAML errors and on kinds without a model. */
export function readManifests(): Manifest[] {
  return readKustomization().resources.flatMap((file) => {
    const docs = parseAllDocuments(readFileSync(join(DEPLOY_DIR, file), 'utf8'));
    return (Array.isArray(docs) ? docs : [docs]).map((d, i) => {
      const where = `deploy/${file}#${i}`;
      if (d.errors.length > 0) {
        throw new Error(`${where}: not valid YAML: ${d.errors[0].message}`);
      }
      const doc = d.toJS() as Record<string, unknown>;
      const metadata = (doc.metadata ?? {}) as { name?: string; namespace?: string };
      const apiVersion = String(doc.apiVersion);
      const kind = String(doc.kind);
      return { where, apiVersion, kind, name: metadata.name ?? '', namespace: metadata.namespace, doc };
    });
  });
}

/** Validates against the Kubernetes OpenAPI schema of its kind; throws with the schema's complaint. */
export function validateManifest(m: Pick<Manifest, 'where' | 'apiVersion' | 'kind' | 'doc'>): void {
  const model = MODELS[`${m.apiVersion}/${m.kind}`];
  if (model === undefined) {
    throw new Error(
      `${m.where}: ${m.apiVersion} ${m.kind} is not a kind deploy/ uses; expected one of ${Object.keys(MODELS).join(', ')}`
    );
  }
  try {
    new model(m.doc as never).validate();
  } catch (err) {
    throw new Error(`${m.where} (${m.kind}): ${(err as Error).message}`);
  }
}

export function findManifest(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.name === name);
  if (found === undefined) {
    throw new Error(
      `deploy/: no ${kind} named "${name}"; have ${manifests.map((m) => `${m.kind}/${m.name}`).join(', ')}`
    );
  }
  return found;
}
