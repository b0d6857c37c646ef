#!/usr/bin/env node
// Generates src/api/schemas.gen.ts (CRD table + OpenAPI schemas) and src/api/types.gen.ts (TypeScript
// types) from Istio's CRD file. `--check` regenerates in memory and fails when the checked-in files differ.
// Usage: node scripts/gen-api.mjs [--check]   (env WEFT_ISTIO_CORPUS=/path/to/corpus/istio overrides the corpus)

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, '..');
const repoRoot = resolve(pkgDir, '..', '..');
const corpusDir = process.env.WEFT_ISTIO_CORPUS
  ? resolve(process.env.WEFT_ISTIO_CORPUS)
  : resolve(repoRoot, '..', 'shared', 'corpus', 'istio');
const crdFile = join(corpusDir, 'manifests', 'charts', 'base', 'files', 'crd-all.gen.yaml');
const outSchemas = join(pkgDir, 'src', 'api', 'schemas.gen.ts');
const outTypes = join(pkgDir, 'src', 'api', 'types.gen.ts');
const check = process.argv.includes('--check');

const HEADER = (what) =>
  `// ${what}\n` +
  `// Generated from Istio's CRDs (manifests/charts/base/files/crd-all.gen.yaml, Apache-2.0).\n` +
  `// DO NOT EDIT: regenerate with \`npm run gen:api\` (packages/shared/scripts/gen-api.mjs).\n`;

/** Every schema keyword the generated table may hold; anything else fails generation, so the
 *  `JsonSchemaProps` interface in crd.ts stays truthful. */
const KNOWN_SCHEMA_KEYS = new Set([
  'type', 'format', 'description', 'properties', 'required', 'items', 'additionalProperties', 'enum',
  'nullable', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties',
  'maxProperties', 'oneOf', 'anyOf', 'allOf', 'not', 'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);

/**
 * Readable names for the most used nested types, keyed by `Kind:path` (`[]` marks array items).
 * A name may appear under several kinds only when the schemas are identical (checked below).
 */
const NICE_NAMES = {
  'VirtualService:spec.http[]': 'HTTPRoute',
  'VirtualService:spec.http[].match[]': 'HTTPMatchRequest',
  'VirtualService:spec.http[].match[].uri': 'StringMatch',
  'VirtualService:spec.http[].route[]': 'HTTPRouteDestination',
  'VirtualService:spec.http[].route[].destination': 'Destination',
  'VirtualService:spec.http[].route[].destination.port': 'PortSelector',
  'VirtualService:spec.http[].route[].headers': 'Headers',
  'VirtualService:spec.http[].route[].headers.request': 'HeaderOperations',
  'VirtualService:spec.http[].redirect': 'HTTPRedirect',
  'VirtualService:spec.http[].rewrite': 'HTTPRewrite',
  'VirtualService:spec.http[].retries': 'HTTPRetry',
  'VirtualService:spec.http[].fault': 'HTTPFaultInjection',
  'VirtualService:spec.http[].corsPolicy': 'CorsPolicy',
  'VirtualService:spec.http[].delegate': 'Delegate',
  'VirtualService:spec.http[].directResponse': 'HTTPDirectResponse',
  'VirtualService:spec.http[].mirrors[]': 'HTTPMirrorPolicy',
  'VirtualService:spec.http[].mirrorPercentage': 'Percent',
  'VirtualService:spec.tcp[]': 'TCPRoute',
  'VirtualService:spec.tcp[].match[]': 'L4MatchAttributes',
  'VirtualService:spec.tcp[].route[]': 'RouteDestination',
  'VirtualService:spec.tls[]': 'TLSRoute',
  'VirtualService:spec.tls[].match[]': 'TLSMatchAttributes',
  'DestinationRule:spec.trafficPolicy': 'TrafficPolicy',
  'DestinationRule:spec.trafficPolicy.loadBalancer': 'LoadBalancerSettings',
  'DestinationRule:spec.trafficPolicy.connectionPool': 'ConnectionPoolSettings',
  'DestinationRule:spec.trafficPolicy.outlierDetection': 'OutlierDetection',
  'DestinationRule:spec.trafficPolicy.tls': 'ClientTLSSettings',
  'DestinationRule:spec.trafficPolicy.portLevelSettings[]': 'PortTrafficPolicy',
  'DestinationRule:spec.subsets[]': 'Subset',
  'Gateway:spec.servers[]': 'Server',
  'Gateway:spec.servers[].port': 'Port',
  'Gateway:spec.servers[].tls': 'ServerTLSSettings',
  'ServiceEntry:spec.ports[]': 'ServicePort',
  'ServiceEntry:spec.endpoints[]': 'ServiceEntryEndpoint',
  'Sidecar:spec.egress[]': 'IstioEgressListener',
  'Sidecar:spec.ingress[]': 'IstioIngressListener',
  'Sidecar:spec.outboundTrafficPolicy': 'OutboundTrafficPolicy',
  'AuthorizationPolicy:spec.rules[]': 'AuthorizationRule',
  'AuthorizationPolicy:spec.rules[].from[].source': 'Source',
  'AuthorizationPolicy:spec.rules[].to[].operation': 'Operation',
  'AuthorizationPolicy:spec.rules[].when[]': 'Condition',
  'RequestAuthentication:spec.jwtRules[]': 'JWTRule',
  'EnvoyFilter:spec.configPatches[]': 'EnvoyConfigObjectPatch',
  'EnvoyFilter:spec.configPatches[].match': 'EnvoyConfigObjectMatch',
  'EnvoyFilter:spec.configPatches[].patch': 'EnvoyPatch',
  'AuthorizationPolicy:spec.selector': 'WorkloadSelector',
  'PeerAuthentication:spec.selector': 'WorkloadSelector',
  'RequestAuthentication:spec.selector': 'WorkloadSelector',
  'Telemetry:spec.selector': 'WorkloadSelector',
  'WasmPlugin:spec.selector': 'WorkloadSelector',
  'AuthorizationPolicy:spec.targetRef': 'PolicyTargetReference',
  'AuthorizationPolicy:spec.targetRefs[]': 'PolicyTargetReference',
  'RequestAuthentication:spec.targetRef': 'PolicyTargetReference',
  'RequestAuthentication:spec.targetRefs[]': 'PolicyTargetReference',
  'Telemetry:spec.targetRef': 'PolicyTargetReference',
  'Telemetry:spec.targetRefs[]': 'PolicyTargetReference',
  'WasmPlugin:spec.targetRef': 'PolicyTargetReference',
  'WasmPlugin:spec.targetRefs[]': 'PolicyTargetReference',
};

function fail(msg) {
  console.error(`gen-api: ${msg}`);
  process.exit(2);
}

// ---- reading ----------------------------------------------------------------------------------

function readCrds() {
  const docs = parseAllDocuments(readFileSync(crdFile, 'utf8'));
  const crds = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) fail(`YAML error in ${crdFile}: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (!obj || obj.kind !== 'CustomResourceDefinition') continue;
    crds.push(obj);
  }
  if (crds.length === 0) fail(`no CustomResourceDefinition in ${crdFile}`);
  return crds;
}

function checkSchemaKeys(schema, where) {
  if (schema === null || typeof schema !== 'object') return;
  for (const k of Object.keys(schema)) {
    if (!KNOWN_SCHEMA_KEYS.has(k)) fail(`unknown schema keyword "${k}" at ${where}: extend crd.ts and KNOWN_SCHEMA_KEYS`);
  }
  for (const [k, v] of Object.entries(schema.properties ?? {})) checkSchemaKeys(v, `${where}.${k}`);
  if (schema.items) checkSchemaKeys(schema.items, `${where}[]`);
  if (typeof schema.additionalProperties === 'object') checkSchemaKeys(schema.additionalProperties, `${where}{}`);
  for (const k of ['oneOf', 'anyOf', 'allOf']) (schema[k] ?? []).forEach((s, i) => checkSchemaKeys(s, `${where}.${k}[${i}]`));
  if (schema.not) checkSchemaKeys(schema.not, `${where}.not`);
}

/** Kubernetes version priority: GA > beta > alpha, then higher major, then higher minor. */
function versionRank(v) {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [0, 0, 0];
  const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stage, Number(m[1]), Number(m[3] ?? 0)];
}
function compareVersions(a, b) {
  const ra = versionRank(a);
  const rb = versionRank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- schemas.gen.ts ---------------------------------------------------------------------------

function buildSchemaTable(crds) {
  const schemas = [];
  const index = new Map();
  const table = [];
  for (const crd of crds) {
    const { group, names, scope } = crd.spec;
    const versions = [];
    for (const v of crd.spec.versions) {
      const schema = v.schema?.openAPIV3Schema;
      if (!schema) fail(`${names.kind} ${v.name} has no openAPIV3Schema`);
      checkSchemaKeys(schema, `${names.kind}/${v.name}`);
      const json = JSON.stringify(schema);
      let i = index.get(json);
      if (i === undefined) {
        i = schemas.length;
        schemas.push(json);
        index.set(json, i);
      }
      const entry = { name: v.name, served: v.served === true, storage: v.storage === true };
      if (v.deprecated !== undefined) entry.deprecated = v.deprecated === true;
      if (typeof v.deprecationWarning === 'string') entry.deprecationWarning = v.deprecationWarning;
      entry.schema = i;
      versions.push(entry);
    }
    const rec = { group, kind: names.kind, plural: names.plural };
    if (names.singular) rec.singular = names.singular;
    if (names.listKind) rec.listKind = names.listKind;
    if (names.shortNames) rec.shortNames = names.shortNames;
    if (names.categories) rec.categories = names.categories;
    rec.scope = scope;
    rec.versions = versions;
    table.push(rec);
  }
  return { schemas, table };
}

function renderSchemas({ schemas, table }) {
  const lines = [HEADER('The Istio CRD table: names, versions and each distinct openAPIV3Schema once.')];
  lines.push(`import type { CrdDefinition, JsonSchemaProps } from './crd.js';`);
  lines.push('');
  lines.push('/** Each distinct openAPIV3Schema of the CRDs, referenced by index from {@link CRDS}. */');
  lines.push('export const CRD_SCHEMAS: readonly JsonSchemaProps[] = [');
  for (const s of schemas) lines.push(`${s},`);
  lines.push('];');
  lines.push('');
  lines.push('/** Every CRD in Istio\'s CRD file: names, scope, versions (schema = index into {@link CRD_SCHEMAS}). */');
  lines.push('export const CRDS: readonly CrdDefinition[] = [');
  for (const rec of table) lines.push(`${JSON.stringify(rec)},`);
  lines.push('];');
  lines.push('');
  return lines.join('\n');
}

// ---- types.gen.ts -----------------------------------------------------------------------------

function pascal(s) {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}

/** English singular of a list field name, good enough for type names (`rules` -> `Rule`). */
function singular(name) {
  if (/ies$/.test(name)) return `${name.slice(0, -3)}y`;
  if (/(ches|shes|sses|xes)$/.test(name)) return name.slice(0, -2);
  if (/[^s]s$/.test(name)) return name.slice(0, -1);
  return name;
}

/** First sentence of a description, on one line, safe inside a comment. */
function firstSentence(desc) {
  if (typeof desc !== 'string' || desc.trim() === '') return '';
  const flat = desc.replace(/\s+/g, ' ').trim();
  const m = /^(.*?[.!?])(\s|$)/.exec(flat);
  let s = m ? m[1] : flat;
  if (s.length > 300) s = `${s.slice(0, 297)}...`;
  return s.replace(/\*\//g, '*\\/');
}

function structuralKey(schema) {
  const { description: _d, ...rest } = schema;
  return JSON.stringify(rest);
}

const isIdent = (k) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k);

/**
 * Names and renders the TypeScript types of every kind. Object schemas that are structurally
 * identical (ignoring their own description) inside one kind share one interface.
 */
function renderTypes(crds) {
  const decls = new Map(); // type name -> { key, text }
  const out = [];

  for (const crd of crds) {
    const kind = crd.spec.names.kind;
    const served = crd.spec.versions.filter((v) => v.served).map((v) => v.name).sort(compareVersions);
    if (served.length === 0) continue;
    const preferred = crd.spec.versions.find((v) => v.name === served[0]);
    const root = preferred.schema.openAPIV3Schema;
    const spec = root.properties?.spec;
    const byKey = new Map(); // structural key -> type name (per kind)

    // Pass 1: object nodes get a nice name (by path, shared by every structurally identical node)
    // or one derived from the nearest named ancestor plus the field name (singular for list items).
    const niceByKey = new Map();
    const findNice = (schema, path) => {
      if (!schema || typeof schema !== 'object') return;
      const nice = path === 'spec' ? `${kind}Spec` : NICE_NAMES[`${kind}:${path}`];
      if (nice && schema.type === 'object' && schema.properties) niceByKey.set(structuralKey(schema), nice);
      for (const [k, v] of Object.entries(schema.properties ?? {})) findNice(v, `${path}.${k}`);
      if (schema.items) findNice(schema.items, `${path}[]`);
      if (typeof schema.additionalProperties === 'object') findNice(schema.additionalProperties, `${path}{}`);
    };
    if (spec) findNice(spec, 'spec');
    const names = new Map();
    const collect = (schema, hint) => {
      if (!schema || typeof schema !== 'object') return;
      let base = hint;
      if (schema.type === 'object' && schema.properties) {
        const key = structuralKey(schema);
        if (!names.has(key)) names.set(key, { name: niceByKey.get(key) ?? hint, doc: schema.description });
        // Children of the spec are named after the kind (VirtualServiceHttp..., not VirtualServiceSpecHttp...).
        base = hint === kind ? kind : names.get(key).name;
      }
      for (const [k, v] of Object.entries(schema.properties ?? {})) collect(v, base + pascal(v?.type === 'array' ? singular(k) : k));
      if (schema.items) collect(schema.items, schema.items.type === 'array' ? `${base}Item` : base);
      if (typeof schema.additionalProperties === 'object') collect(schema.additionalProperties, `${base}Value`);
    };
    if (spec) collect(spec, kind);
    for (const [key, { name }] of names) byKey.set(key, name);

    // Pass 2: render.
    const typeOf = (schema) => {
      let t;
      if (!schema || typeof schema !== 'object') t = 'unknown';
      else if (schema['x-kubernetes-int-or-string']) t = 'number | string';
      else if (schema.type === 'string') t = Array.isArray(schema.enum) ? schema.enum.map((e) => JSON.stringify(e)).join(' | ') : 'string';
      else if (schema.type === 'integer' || schema.type === 'number') t = 'number';
      else if (schema.type === 'boolean') t = 'boolean';
      else if (schema.type === 'array') {
        const inner = typeOf(schema.items);
        t = /^[A-Za-z0-9_]+$/.test(inner) ? `${inner}[]` : `Array<${inner}>`;
      } else if (schema.type === 'object') {
        if (schema.properties) t = declare(schema);
        else if (typeof schema.additionalProperties === 'object') t = `Record<string, ${typeOf(schema.additionalProperties)}>`;
        else if (schema['x-kubernetes-preserve-unknown-fields'] || schema.additionalProperties === true) t = 'Record<string, unknown>';
        else t = 'Record<string, never>';
      } else t = 'unknown';
      if (schema && schema.nullable === true && t !== 'unknown') t = `${t} | null`;
      return t;
    };
    const declare = (schema) => {
      const key = structuralKey(schema);
      const name = byKey.get(key);
      if (!name) fail(`internal: no name for a ${kind} object schema`);
      const existing = decls.get(name);
      if (existing) {
        if (existing.key !== key) fail(`type name ${name} is used for two different schemas (${existing.kind} and ${kind}); fix NICE_NAMES`);
        return name;
      }
      decls.set(name, { key, kind, text: '' }); // reserve before recursing (recursive schemas)
      const required = new Set(schema.required ?? []);
      const body = [];
      for (const [prop, sub] of Object.entries(schema.properties)) {
        const doc = firstSentence(sub.description);
        if (doc) body.push(`  /** ${doc} */`);
        const k = isIdent(prop) ? prop : JSON.stringify(prop);
        body.push(`  ${k}${required.has(prop) ? '' : '?'}: ${typeOf(sub)};`);
      }
      const doc = firstSentence(names.get(key)?.doc ?? schema.description);
      const text = `${doc ? `/** ${doc} */\n` : ''}export interface ${name} {\n${body.join('\n')}\n}\n`;
      decls.set(name, { key, kind, text });
      out.push(text);
      return name;
    };

    let specType = 'Record<string, unknown>';
    if (spec && spec.type === 'object' && spec.properties) specType = declare(spec);
    else if (spec) specType = typeOf(spec);
    if (specType !== `${kind}Spec`) out.push(`/** The spec of a ${kind}. */\nexport type ${kind}Spec = ${specType};\n`);

    const apiVersions = served.map((v) => JSON.stringify(`${crd.spec.group}/${v}`)).join(' | ');
    const specRequired = (root.required ?? []).includes('spec');
    out.push(
      `/** ${firstSentence(spec?.description) || `An Istio ${kind}.`} */\n` +
        `export interface ${kind} {\n` +
        `  apiVersion: ${apiVersions};\n` +
        `  kind: ${JSON.stringify(kind)};\n` +
        `  metadata: ObjectMeta;\n` +
        `  spec${specRequired ? '' : '?'}: ${kind}Spec;\n` +
        `  status?: unknown;\n` +
        `}\n`,
    );
  }

  const kinds = crds.filter((c) => c.spec.versions.some((v) => v.served)).map((c) => c.spec.names.kind);
  const lines = [HEADER('TypeScript types of every Istio kind, derived from the CRD schemas of its preferred served version.')];
  lines.push(`import type { V1ObjectMeta } from '@kubernetes/client-node';`);
  lines.push('');
  lines.push('/** Kubernetes object metadata (from @kubernetes/client-node; type-only, erased at run time). */');
  lines.push('export type ObjectMeta = V1ObjectMeta;');
  lines.push('');
  lines.push(out.join('\n'));
  lines.push('/** Every Istio resource type in the CRD file. */');
  lines.push(`export type IstioResource =\n${kinds.map((k) => `  | ${k}`).join('\n')};`);
  lines.push('');
  lines.push('/** The kind names of {@link IstioResource}. */');
  lines.push(`export type IstioKind = IstioResource['kind'];`);
  lines.push('');
  return lines.join('\n');
}

// ---- main -------------------------------------------------------------------------------------

if (!existsSync(crdFile)) {
  if (check) {
    console.log(`SKIP: Istio corpus not found at ${corpusDir}`);
    process.exit(0);
  }
  fail(`Istio CRD file not found: ${crdFile} (set WEFT_ISTIO_CORPUS=/path/to/corpus/istio)`);
}

const crds = readCrds();
const files = [
  [outSchemas, renderSchemas(buildSchemaTable(crds))],
  [outTypes, renderTypes(crds)],
];

if (check) {
  const stale = files.filter(([path, text]) => !existsSync(path) || readFileSync(path, 'utf8') !== text);
  if (stale.length > 0) {
    for (const [path] of stale) console.error(`gen-api --check: ${path} is out of date with ${crdFile}`);
    console.error('Run `npm run gen:api -w @weft/shared` and commit the result.');
    process.exit(1);
  }
  console.log(`gen-api --check: ${files.length} generated files are up to date (${crds.length} CRDs).`);
} else {
  for (const [path, text] of files) writeFileSync(path, text);
  console.log(`gen-api: wrote ${files.map(([p]) => p).join(', ')} (${crds.length} CRDs).`);
}
