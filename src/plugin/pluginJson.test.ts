// Every plugin.json against the rules of Grafana's plugin.json schema
// (grafana/grafana docs/sources/developers/plugins/plugin.schema.json, cited below as "schema"), encoded
// here rather than copied so the repo carries no third-party file. The sources are checked always; the
// built dist/ copies only when dist/ exists — `npm test` builds last, so in CI only the sources are checked.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';

// semver ships no types and @types/semver is not installed; these two calls are all the test needs.
const semver = createRequire(__filename)('semver') as {
  validRange(range: string): string | null;
  satisfies(version: string, range: string): boolean;
};

const ROOT = resolve(__dirname, '../..');
/** The Grafana release Netmon targets; grafanaDependency must admit it. */
const TARGET_GRAFANA = '13.2.2';
const APP_SOURCE = 'src/plugin.json';
const CLICKHOUSE_DATASOURCE = 'grafana-clickhouse-datasource';

type Json = Record<string, unknown>;
/** `built` files have had %VERSION%, %TODAY% and %PLUGIN_ID% replaced and `buildMode` added. */
interface Target {
  file: string;
  built: boolean;
}

// schema: top-level "properties" (additionalProperties: false).
const TOP_LEVEL_KEYS = new Set([
  '$schema',
  'id',
  'type',
  'info',
  'name',
  'dependencies',
  'alerting',
  'annotations',
  'autoEnabled',
  'backend',
  'builtIn',
  'category',
  'enterpriseFeatures',
  'executable',
  'hideFromList',
  'includes',
  'logs',
  'metrics',
  'pascalName',
  'preload',
  'queryOptions',
  'routes',
  'skipDataQuery',
  'state',
  'streaming',
  'tracing',
]);
// Not in the schema's list: .config/webpack/BuildModeWebpackPlugin.ts writes it into the built copies,
// and Grafana reads it from there.
const BUILT_ONLY_KEYS = new Set(['buildMode']);
// schema: "required": ["type", "name", "id", "info", "dependencies"].
const REQUIRED_TOP_LEVEL = ['type', 'name', 'id', 'info', 'dependencies'];
// schema: properties.type.enum.
const PLUGIN_TYPES = ['app', 'datasource', 'panel', 'renderer', 'secretsmanager', 'transformer'];
// schema: properties.id.pattern.
const ID_PATTERN = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager|transformer)$/;
// schema: info.required and info.properties (additionalProperties: false).
const INFO_REQUIRED = ['logos', 'version', 'updated', 'keywords'];
const INFO_KEYS = new Set([
  'author',
  'build',
  'description',
  'keywords',
  'links',
  'logos',
  'screenshots',
  'updated',
  'version',
]);
// schema: info.author.properties (additionalProperties: false).
const AUTHOR_KEYS = new Set(['name', 'email', 'url']);
// schema: info.updated.pattern and info.version.pattern.
const UPDATED_PATTERN = /^(\d{4}-\d{2}-\d{2}|%TODAY%)$/;
const VERSION_PATTERN = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)|(%VERSION%)$/;
// schema: dependencies.required and dependencies.properties (additionalProperties: false).
const DEPENDENCY_KEYS = new Set(['grafanaVersion', 'grafanaDependency', 'plugins']);
// schema: dependencies.grafanaDependency.pattern.
const GRAFANA_DEPENDENCY_PATTERN =
  /^(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x*]+)(\.[0-9x*]+)?(\s(<=|>=|<|=>)?([0-9]+)(\.[0-9x]+)(\.[0-9x]+))?$/;
// schema: dependencies.plugins.items — required, id pattern, type enum.
const PLUGIN_DEPENDENCY_REQUIRED = ['id', 'name', 'type', 'version'];
const PLUGIN_DEPENDENCY_ID_PATTERN = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager)$/;
const PLUGIN_DEPENDENCY_TYPES = ['app', 'datasource', 'panel', 'secretsmanager'];
const DASHBOARD_SOURCE = 'provisioning/dashboards/netmon';

// schema: includes.items.properties.type.enum and .role.enum.
const INCLUDE_TYPES = ['dashboard', 'page', 'panel', 'datasource', 'secretsmanager'];
const INCLUDE_ROLES = ['Admin', 'Editor', 'Viewer'];
const INCLUDE_BOOLEANS = ['addToNav', 'defaultNav'];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function readJson(file: string): Json {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const parsed: unknown = JSON.parse(text);
  if (!isObject(parsed)) {
    throw new Error(`${file}: expected a JSON object at the top level`);
  }
  return parsed;
}

function unknownKeys(obj: Json, allowed: Set<string>, where: string): string[] {
  return Object.keys(obj)
    .filter((k) => !allowed.has(k))
    .map((k) => `${where}: "${k}" is not a property the schema allows`);
}

function infoProblems(info: unknown, target: Target): string[] {
  if (!isObject(info)) {
    return ['info: expected an object'];
  }
  const problems = unknownKeys(info, INFO_KEYS, 'info');
  problems.push(...INFO_REQUIRED.filter((k) => !(k in info)).map((k) => `info.${k}: required`));
  if (!Array.isArray(info.keywords) || info.keywords.length === 0 || !info.keywords.every(isString)) {
    problems.push('info.keywords: expected a non-empty array of strings (schema minItems 1)');
  }
  if (info.author !== undefined) {
    problems.push(
      ...(isObject(info.author)
        ? unknownKeys(info.author, AUTHOR_KEYS, 'info.author')
        : ['info.author: expected an object'])
    );
  }
  const logos = info.logos;
  if (!isObject(logos)) {
    problems.push('info.logos: expected an object with "small" and "large"');
  } else {
    for (const size of ['small', 'large']) {
      const logo = logos[size];
      if (!isString(logo) || !logo.endsWith('.svg')) {
        problems.push(`info.logos.${size}: expected the path of an SVG image, got ${JSON.stringify(logo)}`);
      } else if (!existsSync(join(ROOT, dirname(target.file), logo))) {
        problems.push(`info.logos.${size}: ${logo} does not exist next to ${target.file}`);
      }
    }
  }
  const { version, updated } = info;
  if (!isString(version) || !VERSION_PATTERN.test(version)) {
    problems.push(`info.version: expected x.y.z or %VERSION%, got ${JSON.stringify(version)}`);
  } else if (target.built && version.includes('%')) {
    problems.push(`info.version: the build should have replaced ${version}`);
  }
  if (!isString(updated) || !UPDATED_PATTERN.test(updated)) {
    problems.push(`info.updated: expected YYYY-MM-DD or %TODAY%, got ${JSON.stringify(updated)}`);
  } else if (target.built && updated.includes('%')) {
    problems.push(`info.updated: the build should have replaced ${updated}`);
  }
  return problems;
}

function pluginDependencyProblems(dep: unknown, where: string): string[] {
  if (!isObject(dep)) {
    return [`${where}: expected an object`];
  }
  const problems = PLUGIN_DEPENDENCY_REQUIRED.filter((k) => !isString(dep[k])).map(
    (k) => `${where}.${k}: required string`
  );
  if (isString(dep.id) && !PLUGIN_DEPENDENCY_ID_PATTERN.test(dep.id)) {
    problems.push(`${where}.id: "${dep.id}" does not match ${PLUGIN_DEPENDENCY_ID_PATTERN}`);
  }
  if (isString(dep.type) && !PLUGIN_DEPENDENCY_TYPES.includes(dep.type)) {
    problems.push(`${where}.type: "${dep.type}" is not one of ${PLUGIN_DEPENDENCY_TYPES.join(', ')}`);
  }
  if (isString(dep.version) && semver.validRange(dep.version) === null) {
    problems.push(`${where}.version: "${dep.version}" is not a semver range`);
  }
  return problems;
}

function dependencyProblems(deps: unknown, type: unknown): string[] {
  if (!isObject(deps)) {
    return ['dependencies: expected an object'];
  }
  const problems = unknownKeys(deps, DEPENDENCY_KEYS, 'dependencies');
  const range = deps.grafanaDependency;
  // schema: "Validated using https://github.com/npm/node-semver", on top of its pattern.
  if (!isString(range)) {
    problems.push('dependencies.grafanaDependency: required string');
  } else if (!GRAFANA_DEPENDENCY_PATTERN.test(range) || semver.validRange(range) === null) {
    problems.push(`dependencies.grafanaDependency: "${range}" is not a semver range the schema's pattern accepts`);
  } else if (!semver.satisfies(TARGET_GRAFANA, range)) {
    problems.push(`dependencies.grafanaDependency: "${range}" excludes Grafana ${TARGET_GRAFANA}`);
  }
  const plugins = deps.plugins ?? [];
  if (!Array.isArray(plugins)) {
    problems.push('dependencies.plugins: expected an array');
    return problems;
  }
  plugins.forEach((dep, i) => problems.push(...pluginDependencyProblems(dep, `dependencies.plugins[${i}]`)));
  // The app's pages query through the ClickHouse datasource, so Grafana must install it alongside.
  if (
    type === 'app' &&
    !plugins.some((d) => isObject(d) && d.id === CLICKHOUSE_DATASOURCE && d.type === 'datasource')
  ) {
    problems.push(`dependencies.plugins: expected ${CLICKHOUSE_DATASOURCE} with type "datasource"`);
  }
  return problems;
}

function includeProblems(include: unknown, i: number, plugin: Json, target: Target): string[] {
  const where = `includes[${i}]`;
  if (!isObject(include)) {
    return [`${where}: expected an object`];
  }
  const { type, name, path, role } = include;
  const problems: string[] = [];
  if (!isString(type) || !INCLUDE_TYPES.includes(type)) {
    problems.push(`${where}.type: expected one of ${INCLUDE_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  if (!isString(name)) {
    problems.push(`${where}.name: required string`);
  }
  if (role !== undefined && !(isString(role) && INCLUDE_ROLES.includes(role))) {
    problems.push(`${where}.role: expected one of ${INCLUDE_ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  }
  for (const key of INCLUDE_BOOLEANS) {
    if (include[key] !== undefined && typeof include[key] !== 'boolean') {
      problems.push(`${where}.${key}: expected a boolean`);
    }
  }
  if (!isString(path)) {
    return [...problems, `${where}.path: required string`];
  }
  if (type === 'page') {
    // An app page lives under /a/<app id>/; the build replaces %PLUGIN_ID% with the id.
    const prefix = `/a/${target.built ? String(plugin.id) : '%PLUGIN_ID%'}/`;
    if (!path.startsWith(prefix) || path.length === prefix.length) {
      problems.push(`${where}.path: expected a page under ${prefix}, got "${path}"`);
    }
  }
  if (type === 'panel') {
    problems.push(...nestedPanelProblems(path, name, plugin, target, where));
  }
  if (type === 'dashboard') {
    // The build copies the provisioned dashboards into dist/dashboards (webpack.config.ts).
    const file = target.built ? join(dirname(target.file), path) : join(DASHBOARD_SOURCE, basename(path));
    if (!/^dashboards\/[^/]+\.json$/.test(path)) {
      problems.push(`${where}.path: expected dashboards/<name>.json, got "${path}"`);
    } else if (!existsSync(join(ROOT, file))) {
      problems.push(`${where}.path: ${file} does not exist`);
    } else if (!isString(readJson(file).uid)) {
      problems.push(`${where}.path: ${file} has no dashboard uid`);
    }
  }
  return problems;
}

/** A nested panel is its own plugin: its plugin.json must exist, be a panel, and carry the include's name. */
function nestedPanelProblems(path: string, name: unknown, app: Json, target: Target, where: string): string[] {
  const file = join(dirname(target.file), path);
  if (!path.endsWith('/plugin.json') || !existsSync(join(ROOT, file))) {
    return [`${where}.path: expected the nested panel's plugin.json, and ${file} does not exist`];
  }
  const panel = readJson(file);
  const problems: string[] = [];
  if (panel.type !== 'panel') {
    problems.push(`${where}: ${file} has type ${JSON.stringify(panel.type)}, expected "panel"`);
  }
  if (panel.name !== name) {
    problems.push(`${where}.name: "${String(name)}" differs from ${file}'s name ${JSON.stringify(panel.name)}`);
  }
  const org = String(app.id).split('-')[0];
  if (!isString(panel.id) || !panel.id.startsWith(`${org}-`) || panel.id === app.id) {
    problems.push(`${where}: ${file} has id ${JSON.stringify(panel.id)}, expected its own id under "${org}-"`);
  }
  return problems;
}

function includesProblems(plugin: Json, target: Target): string[] {
  const includes = plugin.includes ?? [];
  if (!Array.isArray(includes)) {
    return ['includes: expected an array'];
  }
  const problems = includes.flatMap((include, i) => includeProblems(include, i, plugin, target));
  const defaults = includes.filter((inc) => isObject(inc) && inc.defaultNav === true);
  if (defaults.length > 1) {
    problems.push(`includes: ${defaults.length} entries set defaultNav; the side menu icon opens only one`);
  }
  return problems;
}

/** Every rule broken by `plugin`, as messages naming the field; empty when it follows the schema. */
function pluginJsonProblems(plugin: Json, target: Target): string[] {
  const allowed = target.built ? new Set([...TOP_LEVEL_KEYS, ...BUILT_ONLY_KEYS]) : TOP_LEVEL_KEYS;
  const problems = unknownKeys(plugin, allowed, 'top level');
  problems.push(...REQUIRED_TOP_LEVEL.filter((k) => !(k in plugin)).map((k) => `${k}: required`));
  const { id, type } = plugin;
  if (!isString(type) || !PLUGIN_TYPES.includes(type)) {
    problems.push(`type: expected one of ${PLUGIN_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  if (!isString(plugin.name)) {
    problems.push('name: required string');
  }
  if (!isString(id) || !ID_PATTERN.test(id)) {
    problems.push(`id: ${JSON.stringify(id)} does not match ${ID_PATTERN}`);
  } else if (!id.endsWith(`-${String(type)}`)) {
    // The schema's id pattern ends in the plugin type; Grafana's naming convention ties the two.
    problems.push(`id: "${id}" should end in "-${String(type)}" to match its type`);
  }
  problems.push(...infoProblems(plugin.info, target));
  problems.push(...dependencyProblems(plugin.dependencies, type));
  problems.push(...includesProblems(plugin, target));
  return problems;
}

/** The app and every plugin.json its panel includes name, so a new nested panel is checked without editing this list. */
function pluginFiles(appFile: string): string[] {
  const includes = readJson(appFile).includes;
  const nested = (Array.isArray(includes) ? includes : [])
    .filter((inc): inc is Json => isObject(inc) && inc.type === 'panel' && isString(inc.path))
    .map((inc) => join(dirname(appFile), String(inc.path)));
  return [appFile, ...nested];
}

const SOURCES = pluginFiles(APP_SOURCE);

describe("plugin.json sources follow Grafana's plugin.json schema", () => {
  it('the app includes at least the flow-graph panel', () => {
    assert.ok(SOURCES.includes('src/panels/flowgraph/plugin.json'), `panel includes: ${SOURCES.join(', ')}`);
  });
  for (const file of SOURCES) {
    it(file, () => {
      assert.deepEqual(pluginJsonProblems(readJson(file), { file, built: false }), []);
    });
  }
});

describe("built plugin.json files follow Grafana's plugin.json schema", () => {
  const built = existsSync(join(ROOT, 'dist/plugin.json'));
  for (const source of SOURCES) {
    const file = source.replace(/^src\//, 'dist/');
    // npm test builds first, so under CI a missing dist/ is a failure, not a skip.
    const skip = built || process.env.CI === 'true' ? false : 'dist/ does not exist: run `npm run build` first';
    it(file, { skip }, () => {
      const plugin = readJson(file);
      assert.deepEqual(pluginJsonProblems(plugin, { file, built: true }), []);
      const pkg = readJson('package.json');
      assert.equal(
        (plugin.info as Json).version,
        pkg.version,
        `${file}: info.version should be package.json's version`
      );
    });
  }
});

describe('pluginJsonProblems catches what breaks the schema', () => {
  const app = readJson(APP_SOURCE);
  const target = { file: APP_SOURCE, built: false };
  const broken = (edit: (p: Json) => void): string[] => {
    const copy = structuredClone(app);
    edit(copy);
    return pluginJsonProblems(copy, target);
  };
  const includeOf = (p: Json, type: string): Json => {
    const found = (p.includes as Json[]).find((inc) => inc.type === type);
    assert.ok(found, `${APP_SOURCE} has no ${type} include to break`);
    return found;
  };
  const cases: Array<[string, (p: Json) => void, RegExp]> = [
    ['a missing required field', (p) => delete p.dependencies, /^dependencies: required$/],
    ['an id against the pattern', (p) => (p.id = 'Netmon_network-app'), /^id: /],
    ['an id whose suffix is not its type', (p) => (p.id = 'netmon-network-panel'), /should end in "-app"/],
    ['an unknown top-level key', (p) => (p.typo = true), /"typo" is not a property/],
    ['empty keywords', (p) => ((p.info as Json).keywords = []), /^info\.keywords/],
    [
      'a Grafana range that excludes the target',
      (p) => ((p.dependencies as Json).grafanaDependency = '>=14.0.0'),
      /excludes Grafana/,
    ],
    [
      'a Grafana range the pattern rejects',
      (p) => ((p.dependencies as Json).grafanaDependency = 'latest'),
      /not a semver range/,
    ],
    ['no ClickHouse dependency', (p) => ((p.dependencies as Json).plugins = []), /grafana-clickhouse-datasource/],
    ['a page outside the app', (p) => (includeOf(p, 'page').path = '/connections'), /expected a page under/],
    ['a page role outside the enum', (p) => (includeOf(p, 'page').role = 'Owner'), /\.role: /],
    [
      'a panel include that points nowhere',
      (p) => (includeOf(p, 'panel').path = 'panels/nope/plugin.json'),
      /does not exist/,
    ],
    ['a panel include with another name', (p) => (includeOf(p, 'panel').name = 'Graph'), /differs from/],
    [
      'a dashboard include that is not shipped',
      (p) => (p.includes as Json[]).push({ type: 'dashboard', name: 'X', path: 'dashboards/x.json' }),
      /does not exist/,
    ],
  ];
  it('the unedited app has no problems, so each case below fails for its own edit', () => {
    assert.deepEqual(pluginJsonProblems(app, target), []);
  });
  for (const [what, edit, expected] of cases) {
    it(what, () => {
      const problems = broken(edit);
      assert.ok(
        problems.some((p) => expected.test(p)),
        `expected ${expected} among: ${JSON.stringify(problems)}`
      );
    });
  }
});
