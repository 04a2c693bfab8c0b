import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT } from './deployFacts';

/**
 * deploy/vector-configmaps.yaml: the Vector configs of pipeline/ as the ConfigMaps the Kubernetes
 * manifests mount, one key per file. Generated rather than kustomize's configMapGenerator, because
 * kustomize refuses files outside the kustomization's own directory and pipeline/ must stay the
 * one copy compose and the tests read. vectorConfigMaps.test.ts fails when the file is stale; then
 *
 *   node --import tsx e2e/deploy/vectorConfigMaps.ts --write
 *
 * After applying a changed config, `kubectl -n netmon rollout restart` the aggregator Deployment
 * and the agent DaemonSet: Vector reads its config at start.
 */

export const VECTOR_CONFIGMAPS_FILE = join(REPO_ROOT, 'deploy', 'vector-configmaps.yaml');

/** ConfigMap name -> the pipeline/ directory it carries. */
export const VECTOR_CONFIG_DIRS = {
  'netmon-vector-node': 'pipeline/node',
  'netmon-vector-aggregator': 'pipeline/aggregator',
} as const;

const CONFIG_FILE = /\.(ya?ml|toml|json|vrl)$/;

export function renderVectorConfigMaps(): string {
  const header = [
    '# Generated from pipeline/ by `node --import tsx e2e/deploy/vectorConfigMaps.ts --write`; do not',
    '# edit here. e2e/deploy/vectorConfigMaps.ts says why it is generated.',
  ].join('\n');
  const docs = Object.entries(VECTOR_CONFIG_DIRS).map(([name, dir]) => {
    const files = readdirSync(join(REPO_ROOT, dir), { withFileTypes: true });
    const nested = files.filter((f) => f.isDirectory());
    if (nested.length > 0) {
      // A ConfigMap volume is flat; Vector's per-type subdirectories would need items: mappings.
      throw new Error(`${dir}: expected only files, found directories ${nested.map((f) => f.name).join(', ')}`);
    }
    const data = Object.fromEntries(
      files
        .filter((f) => CONFIG_FILE.test(f.name))
        .map((f) => f.name)
        .sort()
        .map((file) => [file, readFileSync(join(REPO_ROOT, dir, file), 'utf8')])
    );
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'netmon', labels: { 'app.kubernetes.io/part-of': 'netmon' } },
      data,
    };
    return stringify(configMap, { lineWidth: 0 });
  });
  return `${header}\n${docs.map((d) => `---\n${d}`).join('')}`;
}

if (require.main === module) {
  if (process.argv[2] !== '--write') {
    console.error('usage: node --import tsx e2e/deploy/vectorConfigMaps.ts --write');
    process.exit(2);
  }
  writeFileSync(VECTOR_CONFIGMAPS_FILE, renderVectorConfigMaps());
  console.log(`wrote ${VECTOR_CONFIGMAPS_FILE}`);
}
