// Istio's MeshConfig file (pilot-discovery --meshConfig; the `mesh` key of the `istio` ConfigMap): the
// telemetry fields weftd reads from it (enableTracing, defaultConfig.tracing, extensionProviders,
// defaultProviders), parsed with every problem reported, and the file watched so a saved change is
// pushed like istiod's mesh watcher does. The other MeshConfig fields come from weftd's flags.

import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseDocuments } from '@weft/shared';
import type { MeshConfig } from '../snapshot/mesh-config.js';
import type { CustomTagSpec, DefaultProviders, ExtensionProvider, OpenTelemetryProvider, ProviderHeader, ProxyTracingConfig, ZipkinProvider } from '../snapshot/mesh-telemetry.js';

/** The MeshConfig fields the file sets (absent fields keep weftd's defaults). */
export type MeshFileSettings = Pick<MeshConfig, 'enableTracing' | 'defaultConfig' | 'extensionProviders' | 'defaultProviders'>;

/** The file's settings, or every problem found (`path: reason`). */
export type MeshFileResult = { readonly ok: true; readonly settings: MeshFileSettings } | { readonly ok: false; readonly errors: readonly string[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads typed fields of one object, collecting problems under its path. */
class Reader {
  constructor(
    private readonly obj: Obj,
    private readonly path: string,
    private readonly errors: string[],
  ) {}

  private at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  private fail(key: string, what: string): undefined {
    this.errors.push(`${this.at(key)}: must be ${what}`);
    return undefined;
  }

  string(key: string): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : this.fail(key, 'a string');
  }

  bool(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.fail(key, 'true or false');
  }

  number(key: string, min: number, max: number): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : this.fail(key, `a number from ${min} to ${max}`);
  }

  port(key: string): number | undefined {
    const v = this.number(key, 1, 65535);
    if (v !== undefined && !Number.isInteger(v)) return this.fail(key, 'a port number');
    return v;
  }

  object(key: string): Reader | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    return isObj(v) ? new Reader(v, this.at(key), this.errors) : this.fail(key, 'an object');
  }

  list(key: string): Reader[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.fail(key, 'a list');
    return v.map((item, i) => (isObj(item) ? new Reader(item, `${this.at(key)}[${i}]`, this.errors) : new Reader({}, `${this.at(key)}[${i}]`, this.errors).reject('an object')));
  }

  strings(key: string): string[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return this.fail(key, 'a list of strings');
    return v as string[];
  }

  /** Entries of a map field (`customTags`). */
  entries(key: string): [string, Reader][] | undefined {
    const r = this.object(key);
    return r ? Object.keys(r.obj).map((k) => [k, r.object(k) ?? new Reader({}, r.at(k), this.errors)]) : undefined;
  }

  keys(): string[] {
    return Object.keys(this.obj);
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  required(key: string, what: string): void {
    if (this.obj[key] === undefined || this.obj[key] === null || this.obj[key] === '') this.errors.push(`${this.at(key)}: ${what} is required`);
  }

  reject(what: string): Reader {
    this.errors.push(`${this.path}: must be ${what}`);
    return this;
  }
}

function customTag(r: Reader): CustomTagSpec {
  const literal = r.object('literal');
  const environment = r.object('environment');
  const header = r.object('header');
  if (literal) return { literal: { value: literal.string('value') ?? '' } };
  if (environment) {
    environment.required('name', 'name');
    const d = environment.string('defaultValue');
    return { environment: { name: environment.string('name') ?? '', ...(d !== undefined ? { defaultValue: d } : {}) } };
  }
  if (header) {
    header.required('name', 'name');
    const d = header.string('defaultValue');
    return { header: { name: header.string('name') ?? '', ...(d !== undefined ? { defaultValue: d } : {}) } };
  }
  r.reject('one of literal, environment, header');
  return {};
}

function customTags(r: Reader): Record<string, CustomTagSpec> | undefined {
  const entries = r.entries('customTags');
  return entries ? Object.fromEntries(entries.map(([k, v]) => [k, customTag(v)])) : undefined;
}

function proxyTracing(r: Reader): ProxyTracingConfig {
  const zipkin = r.object('zipkin');
  const address = zipkin?.string('address');
  if (address !== undefined && !/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(address)) r.object('zipkin')?.reject('{ address: <host>:<port> }');
  const sampling = r.number('sampling', 0, 100);
  const maxPathTagLength = r.number('maxPathTagLength', 0, 2 ** 32 - 1);
  const tags = customTags(r);
  const enableIstioTags = r.bool('enableIstioTags');
  return {
    ...(sampling !== undefined ? { sampling } : {}),
    ...(address !== undefined ? { zipkin: { address } } : {}),
    ...(maxPathTagLength !== undefined ? { maxPathTagLength } : {}),
    ...(tags !== undefined ? { customTags: tags } : {}),
    ...(enableIstioTags !== undefined ? { enableIstioTags } : {}),
  };
}

function zipkinProvider(r: Reader): ZipkinProvider {
  r.required('service', 'service');
  r.required('port', 'port');
  const maxTagLength = r.number('maxTagLength', 0, 2 ** 32 - 1);
  const enable64bitTraceId = r.bool('enable64bitTraceId');
  const path = r.string('path');
  return {
    service: r.string('service') ?? '',
    port: r.port('port') ?? 0,
    ...(maxTagLength !== undefined ? { maxTagLength } : {}),
    ...(enable64bitTraceId !== undefined ? { enable64bitTraceId } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}

function openTelemetryProvider(r: Reader): OpenTelemetryProvider {
  r.required('service', 'service');
  r.required('port', 'port');
  const maxTagLength = r.number('maxTagLength', 0, 2 ** 32 - 1);
  const http = r.object('http');
  const headers: ProviderHeader[] | undefined = http?.list('headers')?.map((h) => {
    h.required('name', 'name');
    return { name: h.string('name') ?? '', value: h.string('value') ?? '' };
  });
  const path = http?.string('path');
  const timeout = http?.string('timeout');
  if (timeout !== undefined && !/^\d+(\.\d+)?(ms|s|m|h)$/.test(timeout)) http?.reject('{ timeout: a duration such as 5s }');
  return {
    service: r.string('service') ?? '',
    port: r.port('port') ?? 0,
    ...(maxTagLength !== undefined ? { maxTagLength } : {}),
    ...(http ? { http: { ...(path !== undefined ? { path } : {}), ...(timeout !== undefined ? { timeout } : {}), ...(headers ? { headers } : {}) } } : {}),
  };
}

/** Provider kinds of Istio's ExtensionProvider oneof that weftd keeps without reading. */
const OTHER_PROVIDER_KINDS = ['envoyFileAccessLog', 'envoyOtelAls', 'envoyHttpAls', 'envoyTcpAls', 'envoyExtAuthzHttp', 'envoyExtAuthzGrpc', 'datadog', 'skywalking', 'stackdriver', 'lightstep', 'opencensus', 'sds'];

function extensionProvider(r: Reader): ExtensionProvider {
  r.required('name', 'name');
  const name = r.string('name') ?? '';
  const zipkin = r.object('zipkin');
  const otel = r.object('opentelemetry');
  const prometheus = r.object('prometheus');
  const other: Record<string, unknown> = {};
  for (const k of r.keys()) if (OTHER_PROVIDER_KINDS.includes(k)) other[k] = r.raw(k);
  const kinds = [zipkin, otel, prometheus].filter((x) => x !== undefined).length + Object.keys(other).length;
  if (kinds !== 1) r.reject(`one provider kind (zipkin, opentelemetry, prometheus, ...), not ${kinds}`);
  return {
    name,
    ...(zipkin ? { zipkin: zipkinProvider(zipkin) } : {}),
    ...(otel ? { opentelemetry: openTelemetryProvider(otel) } : {}),
    ...(prometheus ? { prometheus: {} } : {}),
    ...(Object.keys(other).length > 0 ? { other } : {}),
  };
}

/**
 * Parses the text of a MeshConfig file (YAML of Istio's MeshConfig, camelCase field names). Fields
 * weftd does not read are ignored; fields it reads must have the right type, and providers need a
 * name, a service and a port. Duplicate provider names are refused, as Istio's validation does.
 */
export function parseMeshConfigFile(text: string, file: string): MeshFileResult {
  const docs = parseDocuments(text, file);
  const errors: string[] = [];
  for (const d of docs) for (const e of d.syntaxErrors) errors.push(`${e.position.line}:${e.position.column}: ${e.message}`);
  if (errors.length > 0) return { ok: false, errors };
  if (docs.length > 1) return { ok: false, errors: ['a MeshConfig file holds one YAML document'] };
  const value = docs[0]?.value ?? {};
  if (!isObj(value)) return { ok: false, errors: ['the MeshConfig must be a YAML mapping'] };
  const root = new Reader(value, '', errors);
  const enableTracing = root.bool('enableTracing');
  const tracingReader = root.object('defaultConfig')?.object('tracing');
  const tracing = tracingReader ? proxyTracing(tracingReader) : undefined;
  const providers = root.list('extensionProviders')?.map(extensionProvider);
  const defaults = root.object('defaultProviders');
  const defaultProviders: DefaultProviders | undefined = defaults
    ? {
        ...(defaults.strings('tracing') ? { tracing: defaults.strings('tracing') } : {}),
        ...(defaults.strings('metrics') ? { metrics: defaults.strings('metrics') } : {}),
        ...(defaults.strings('accessLogging') ? { accessLogging: defaults.strings('accessLogging') } : {}),
      }
    : undefined;
  const seen = new Set<string>();
  for (const p of providers ?? []) {
    if (seen.has(p.name)) errors.push(`extensionProviders: duplicate provider name '${p.name}'`);
    seen.add(p.name);
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: Object.freeze({
      ...(enableTracing !== undefined ? { enableTracing } : {}),
      ...(tracing ? { defaultConfig: { tracing } } : {}),
      ...(providers ? { extensionProviders: providers } : {}),
      ...(defaultProviders ? { defaultProviders } : {}),
    }),
  };
}

/** Reads and parses the file; a missing or unreadable file is a problem like an invalid one. */
export async function readMeshConfigFile(file: string): Promise<MeshFileResult & { readonly text?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { ok: false, errors: [`cannot read: ${e instanceof Error ? e.message : String(e)}`] };
  }
  return { ...parseMeshConfigFile(text, file), text };
}

/**
 * Watches `file` (through its directory, so an editor's or a ConfigMap's replace-by-rename is seen)
 * and calls `onChange` with the new settings when its content changes and parses; `onInvalid` with the
 * problems otherwise (the caller keeps the last good settings). `lastText` is the content already in
 * force. Returns a function that stops watching.
 */
export function watchMeshConfigFile(
  file: string,
  lastText: string | undefined,
  settleMs: number,
  onChange: (settings: MeshFileSettings) => void,
  onInvalid: (errors: readonly string[]) => void,
): () => void {
  let known = lastText;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const check = async (): Promise<void> => {
    const result = await readMeshConfigFile(file);
    if (closed || result.text === known) return;
    known = result.text;
    if (result.ok) onChange(result.settings);
    else onInvalid(result.errors);
  };
  let watcher: FSWatcher | undefined;
  try {
    const name = basename(file);
    watcher = watch(dirname(file), (_event, changed) => {
      if (changed !== null && changed !== name && !String(changed).startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(() => void check(), settleMs);
    });
    watcher.on('error', () => undefined);
  } catch (e) {
    onInvalid([`cannot watch ${dirname(file)}: ${e instanceof Error ? e.message : String(e)}`]);
  }
  return () => {
    closed = true;
    clearTimeout(timer);
    watcher?.close();
  };
}
