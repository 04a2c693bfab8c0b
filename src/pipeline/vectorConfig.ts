import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** One Vector component as its YAML gives it; only the keys the checks read are named. */
export interface Component {
  type: string;
  inputs?: string[];
  [key: string]: unknown;
}

export interface UnitTest {
  name: string;
  inputs?: Array<{ insert_at: string }>;
  outputs?: Array<{ extract_from: string | string[] }>;
  no_outputs_from?: string[];
}

/** The files of one `--config-dir` (plus any test files), merged as Vector merges them. */
export interface VectorConfig {
  sources: Record<string, Component>;
  transforms: Record<string, Component>;
  sinks: Record<string, Component>;
  tests: UnitTest[];
}

const SECTIONS = ['sources', 'transforms', 'sinks'] as const;

export function loadVectorConfig(files: string[]): VectorConfig {
  const config: VectorConfig = { sources: {}, transforms: {}, sinks: {}, tests: [] };
  const definedIn = new Map<string, string>();
  for (const file of files) {
    const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Partial<VectorConfig>;
    for (const section of SECTIONS) {
      for (const [id, component] of Object.entries(doc[section] ?? {})) {
        const earlier = definedIn.get(id);
        if (earlier !== undefined) {
          throw new Error(`${file}: component "${id}" is already defined in ${earlier}; expected unique ids`);
        }
        definedIn.set(id, file);
        config[section][id] = component;
      }
    }
    config.tests.push(...(doc.tests ?? []));
  }
  return config;
}

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * What `inputs` may name: sources, transforms, and the named outputs of remap and route (a route
 * has only named outputs).
 */
export function outputIds(config: VectorConfig): Set<string> {
  const ids = new Set(Object.keys(config.sources));
  for (const [id, t] of Object.entries(config.transforms)) {
    if (t.type !== 'route') {
      ids.add(id);
    }
    if (t.type === 'remap' && t.reroute_dropped === true) {
      ids.add(`${id}.dropped`);
    }
    if (t.type === 'route') {
      for (const name of Object.keys(t.route as Record<string, unknown>)) {
        ids.add(`${id}.${name}`);
      }
      if (t.reroute_unmatched !== false) {
        ids.add(`${id}._unmatched`);
      }
    }
  }
  return ids;
}

/** The default of a `${NAME:-default}` value, or the value itself when it names no variable. */
export function envDefault(value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const match = /^\$\{\w+:-([^}]*)\}$/.exec(value);
  return match ? match[1] : value;
}
