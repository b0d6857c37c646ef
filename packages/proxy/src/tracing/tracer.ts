// Envoy's HTTP tracing for one HTTP connection manager: per request, the trace it joins (W3C or B3
// headers) or a new one, the sampling decision (the caller's, else x-client-trace-id / x-envoy-force-trace /
// random_sampling over x-request-id), one span for this hop (CLIENT on outbound listeners, SERVER on
// inbound ones; with spawn_upstream_span a SERVER span and a CLIENT child for the upstream request),
// Envoy's span tags (HttpTracerUtility::finalizeDownstreamSpan, setCommonTags), the context written
// into the request sent on, and the finished span handed to its collector's exporter.

import { randomUUID } from 'node:crypto';
import type { CompiledRoute } from '../compile/compile-route-config.js';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { DownstreamRequest } from '../http/downstream-request.js';
import type { RequestOutcome } from '../outbound/request-outcome.js';
import { extractContext, injectContext, newSpanId, newTraceId } from './trace-context.js';
import type { FinishedSpan } from './span-encoding.js';
import type { SpanExporter, SpanExporters } from './span-exporter.js';
import type { CompiledTracing, CustomTag } from './tracing-config.js';

/** The node facts spans carry. */
export interface TracerNode {
  /** Envoy's node_id tag. */
  readonly nodeId: string;
  /** Envoy's zone tag ('' : not set). */
  readonly zone: string;
}

/** What a span reads from the request's outcome when it ends. */
export type SpanOutcome = Pick<RequestOutcome, 'responseFlags' | 'cluster' | 'upstreamHost' | 'rbacShadow'>;

const DECORATOR_HEADER = 'x-envoy-decorator-operation';

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Envoy's UUID request-id sampling: the request id's first 32 bits modulo 10000 against the percentage
 *  (in hundredths), so every hop that sees the same x-request-id decides alike. Other ids: random. */
function sampledByRequestId(requestId: string, percent: number, random: () => number): boolean {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  const n = Number.parseInt(requestId.slice(0, 8), 16);
  if (Number.isNaN(n) || requestId.length < 8) return random() * 100 < percent;
  return n % 10000 < Math.round(percent * 100);
}

const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** `http.url`: scheme, authority and path, the path cut at `max` characters (Envoy's buildUrl). */
function urlOf(req: DownstreamRequest, max: number): string {
  const path = req.path.length > max ? req.path.slice(0, max) : req.path;
  const scheme = first(req.headers['x-forwarded-proto']) ?? req.scheme;
  return `${scheme}://${req.authority}${path}`;
}

/** The tracer of one HTTP connection manager. */
export class HcmTracer {
  readonly #exporter: SpanExporter;
  /** CLIENT span (outbound listener without spawn_upstream_span), else SERVER. */
  readonly #kind: 'CLIENT' | 'SERVER';
  readonly #egress: boolean;

  constructor(
    readonly config: CompiledTracing,
    readonly direction: 'outbound' | 'inbound',
    exporters: SpanExporters,
    readonly node: TracerNode,
    readonly random: () => number = Math.random,
  ) {
    this.#exporter = exporters.get(config.collectorKey, config.collector);
    this.#egress = direction === 'outbound';
    this.#kind = this.#egress && !config.spawnUpstreamSpan ? 'CLIENT' : 'SERVER';
  }

  /** Starts the span of a request as it arrives (before any filter): joins the caller's trace or starts
   *  one, decides sampling, sets x-request-id when missing, takes the decorator header on ingress. */
  start(req: DownstreamRequest): ActiveSpan {
    const headers = req.headers;
    const config = this.config;
    let requestId = first(headers['x-request-id']);
    if (requestId === undefined || requestId === '') headers['x-request-id'] = requestId = randomUUID();
    const extracted = extractContext(headers, config.w3cFirst);
    let sampled = extracted.sampled;
    if (sampled === undefined) {
      if (headers['x-client-trace-id'] !== undefined) sampled = this.random() * 100 < config.clientSampling;
      else if (headers['x-envoy-force-trace'] !== undefined) sampled = true;
      else sampled = sampledByRequestId(requestId, config.randomSampling, this.random);
      if (sampled && config.overallSampling < 100) sampled = this.random() * 100 < config.overallSampling;
    }
    let operation: string | undefined;
    if (!this.#egress) {
      // Ingress: the caller's route decorator names this span, and never reaches the app (Envoy).
      operation = first(headers[DECORATOR_HEADER]);
      if (operation !== undefined) delete headers[DECORATOR_HEADER];
    }
    const context = extracted.context;
    return new ActiveSpan(this, context?.traceId ?? newTraceId(config.traceId128), newSpanId(), context?.spanId, sampled, operation);
  }

  /** @internal */
  export(span: FinishedSpan): void {
    this.#exporter.add(span);
  }

  /** @internal */
  get kind(): 'CLIENT' | 'SERVER' {
    return this.#kind;
  }

  /** @internal */
  get egress(): boolean {
    return this.#egress;
  }
}

/** A request's span while the request runs. */
export class ActiveSpan {
  readonly #startUs = nowUs();
  readonly #startMs = performance.now();
  #route: CompiledRoute | undefined = undefined;
  /** The upstream (CLIENT) child span with spawn_upstream_span. */
  #childId: string | undefined = undefined;
  #childStartUs = 0;
  #childStartMs = 0;

  constructor(
    private readonly tracer: HcmTracer,
    readonly traceId: string,
    readonly spanId: string,
    /** The caller's span. */
    readonly parentId: string | undefined,
    readonly sampled: boolean,
    /** The span name the caller's decorator gave (ingress). */
    private readonly operation: string | undefined,
  ) {}

  /**
   * The request found its route and goes on: the span takes the route's decorator as its name; egress
   * requests carry it on (`x-envoy-decorator-operation`); the upstream child span starts; the request
   * sent on gets this span's context (the child's, when there is one).
   */
  routed(route: CompiledRoute, headers: HeaderBag): void {
    this.#route = route;
    const tracer = this.tracer;
    if (tracer.egress && route.operation !== undefined) headers[DECORATOR_HEADER] = route.operation;
    if (tracer.config.spawnUpstreamSpan) {
      this.#childId = newSpanId();
      this.#childStartUs = nowUs();
      this.#childStartMs = performance.now();
      injectContext(headers, { traceId: this.traceId, spanId: this.#childId, parentId: this.spanId, sampled: this.sampled });
    } else injectContext(headers, { traceId: this.traceId, spanId: this.spanId, parentId: this.parentId, sampled: this.sampled });
  }

  /** Ends the span when the request is over (`status` 0: no response was sent) and exports it when sampled. */
  finish(status: number, outcome: SpanOutcome, req: DownstreamRequest): void {
    if (!this.sampled) return;
    const tracer = this.tracer;
    const config = tracer.config;
    const endMs = performance.now();
    const headers = req.headers;
    const error = status === 0 || status >= 500;
    const tags: Record<string, string> = {
      component: 'proxy',
      node_id: tracer.node.nodeId,
      'guid:x-request-id': first(headers['x-request-id']) ?? '',
      'http.url': urlOf(req, config.maxPathTagLength),
      'http.method': req.method,
      downstream_cluster: first(headers['x-envoy-downstream-service-cluster']) ?? '-',
      user_agent: first(headers['user-agent']) ?? '-',
      'http.protocol': req.protocol,
      'peer.address': req.remoteAddress ?? '',
      request_size: String(req.bytesReceived),
      response_size: String(req.bytesSent),
      'http.status_code': String(status),
      response_flags: outcome.responseFlags,
    };
    if (tracer.node.zone !== '') tags.zone = tracer.node.zone;
    const clientTraceId = first(headers['x-client-trace-id']);
    if (clientTraceId !== undefined) tags['guid:x-client-trace-id'] = clientTraceId;
    if (outcome.cluster !== undefined) {
      tags.upstream_cluster = outcome.cluster;
      tags['upstream_cluster.name'] = outcome.cluster;
    }
    if (outcome.upstreamHost !== undefined) tags.upstream_address = outcome.upstreamHost;
    applyCustomTags(tags, config.customTags, headers, outcome);
    if (error) tags.error = 'true';
    const route = this.#route;
    const name = this.operation ?? route?.operation ?? (tracer.egress ? `egress ${req.authority}` : 'ingress');
    tracer.export({ traceId: this.traceId, spanId: this.spanId, parentId: this.parentId, name, kind: tracer.kind, startUs: this.#startUs, durationUs: Math.round((endMs - this.#startMs) * 1000), tags });
    if (this.#childId !== undefined) {
      // Envoy's router span: "router <cluster> egress", a CLIENT child of the downstream span.
      const child: Record<string, string> = { component: 'proxy', node_id: tracer.node.nodeId, 'http.protocol': req.protocol, 'http.status_code': String(status), response_flags: outcome.responseFlags };
      if (outcome.cluster !== undefined) {
        child.upstream_cluster = outcome.cluster;
        child['upstream_cluster.name'] = outcome.cluster;
      }
      if (outcome.upstreamHost !== undefined) child.upstream_address = outcome.upstreamHost;
      if (error) child.error = 'true';
      tracer.export({
        traceId: this.traceId,
        spanId: this.#childId,
        parentId: this.spanId,
        name: `router ${outcome.cluster ?? '-'} egress`,
        kind: 'CLIENT',
        startUs: this.#childStartUs,
        durationUs: Math.round((endMs - this.#childStartMs) * 1000),
        tags: child,
      });
    }
  }
}

function applyCustomTags(tags: Record<string, string>, custom: readonly CustomTag[], headers: HeaderBag, outcome: SpanOutcome): void {
  for (const t of custom) {
    if (t.kind === 'literal') tags[t.tag] = t.value;
    else if (t.kind === 'header') {
      const v = first(headers[t.name]) ?? t.defaultValue;
      if (v !== undefined) tags[t.tag] = v;
    } else {
      const v = outcome.rbacShadow?.[t.key] ?? t.defaultValue;
      if (v !== undefined) tags[t.tag] = v;
    }
  }
}

/** The proxy's tracers: one exporter per collector, shared by the listeners' HCM tracers. */
export class Tracer {
  constructor(
    readonly node: TracerNode,
    readonly exporters: SpanExporters,
  ) {}

  /** The tracer of an HCM whose `tracing` compiled to `config`. */
  forHcm(config: CompiledTracing, direction: 'outbound' | 'inbound'): HcmTracer {
    return new HcmTracer(config, direction, this.exporters, this.node);
  }

  close(): Promise<void> {
    return this.exporters.close();
  }
}
