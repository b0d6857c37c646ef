// Sends finished spans to their collector, batched off the request path: a span is only appended to a
// buffer; a batch leaves when it reaches `minFlushSpans` (Envoy's default 5) or when the flush interval
// ends, over HTTP/1.1 to an endpoint of the collector cluster picked at send time. A full buffer or a
// failed send drops spans and counts them, as Envoy's tracers do.

import http from 'node:http';
import type { Logger } from '../log/logger.js';
import type { CollectorTarget } from './tracing-config.js';
import { encodeOtlpSpans, encodeZipkinSpans, type FinishedSpan, type LocalEndpoint } from './span-encoding.js';

/** Where a cluster's traffic goes now (an endpoint picked by its load balancer), or undefined. */
export type ClusterResolver = (cluster: string) => { readonly host: string; readonly port: number } | undefined;

/** Counters of one exporter (Envoy's tracing.zipkin.* / tracing.opentelemetry.* stats). */
export interface ExporterStats {
  spansSent: number;
  spansDropped: number;
  reportsSent: number;
  reportsFailed: number;
}

/** Batching settings. */
export interface ExportSettings {
  /** A batch leaves at once when it holds this many spans (Envoy's min_flush_spans, 5). */
  readonly minFlushSpans: number;
  /** Otherwise after this long (Envoy's flush interval is 5 s; see docs/architecture/proxy.md). */
  readonly flushIntervalMs: number;
  /** Spans held beyond this are dropped (the collector is down or slow). */
  readonly maxBufferedSpans: number;
}

export const DEFAULT_EXPORT_SETTINGS: ExportSettings = Object.freeze({ minFlushSpans: 5, flushIntervalMs: 1000, maxBufferedSpans: 10_000 });

/** One collector's buffer and sender. */
export class SpanExporter {
  readonly stats: ExporterStats = { spansSent: 0, spansDropped: 0, reportsSent: 0, reportsFailed: 0 };
  #buffer: FinishedSpan[] = [];
  #timer: NodeJS.Timeout | undefined = undefined;
  #soon: NodeJS.Immediate | undefined = undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(
    readonly target: CollectorTarget,
    private readonly local: LocalEndpoint,
    private readonly resolve: ClusterResolver,
    private readonly agent: http.Agent,
    private readonly settings: ExportSettings,
    private readonly logger: Logger | undefined,
  ) {}

  /** Queues a span (the request path's only cost: an array push and, sometimes, arming a timer). */
  add(span: FinishedSpan): void {
    if (this.#closed || this.#buffer.length >= this.settings.maxBufferedSpans) {
      this.stats.spansDropped++;
      return;
    }
    this.#buffer.push(span);
    if (this.#buffer.length >= this.settings.minFlushSpans) {
      this.#soon ??= setImmediate(() => {
        this.#soon = undefined;
        this.flush();
      });
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, this.settings.flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** Sends what is buffered now, as one report. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#buffer.length === 0) return;
    const spans = this.#buffer;
    this.#buffer = [];
    const sending = this.#send(spans).finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
  }

  /** Flushes, waits for reports in flight, and refuses later spans. */
  async close(): Promise<void> {
    this.flush();
    this.#closed = true;
    if (this.#soon !== undefined) clearImmediate(this.#soon);
    await Promise.all([...this.#inFlight]);
  }

  #send(spans: FinishedSpan[]): Promise<void> {
    const { target } = this;
    const endpoint = this.resolve(target.cluster);
    if (!endpoint) {
      this.#dropped(spans.length, `collector cluster '${target.cluster}' has no endpoint`);
      return Promise.resolve();
    }
    const body = target.format === 'zipkin' ? encodeZipkinSpans(spans, this.local) : encodeOtlpSpans(spans, target.serviceName ?? this.local.serviceName);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    for (const [k, v] of target.headers) headers[k] = v;
    if (target.host !== '') headers.host = target.host;
    return new Promise((resolve) => {
      const req = http.request({ host: endpoint.host, port: endpoint.port, method: 'POST', path: target.path, headers, agent: this.agent, timeout: target.timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          if (ok) {
            this.stats.reportsSent++;
            this.stats.spansSent += spans.length;
          } else this.#dropped(spans.length, `collector answered ${res.statusCode ?? '?'}`);
          resolve();
        });
        res.on('error', () => resolve());
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${target.timeoutMs} ms`)));
      req.on('error', (e) => {
        this.#dropped(spans.length, e.message);
        resolve();
      });
      req.end(body);
    });
  }

  #dropped(count: number, why: string): void {
    this.stats.reportsFailed++;
    this.stats.spansDropped += count;
    this.logger?.debug(`dropped ${count} spans for ${this.target.cluster}${this.target.path}: ${why}`);
  }
}

/** The exporters of one proxy, one per collector target, shared by every listener that names it. */
export class SpanExporters {
  readonly #exporters = new Map<string, SpanExporter>();
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(
    private readonly local: LocalEndpoint,
    private readonly resolve: ClusterResolver,
    private readonly logger?: Logger,
    private readonly settings: ExportSettings = DEFAULT_EXPORT_SETTINGS,
  ) {}

  /** The exporter of `target` (`key` its identity), made on first use. */
  get(key: string, target: CollectorTarget): SpanExporter {
    let e = this.#exporters.get(key);
    if (!e) this.#exporters.set(key, (e = new SpanExporter(target, this.local, this.resolve, this.#agent, this.settings, this.logger)));
    return e;
  }

  /** Every exporter (stats). */
  all(): readonly SpanExporter[] {
    return [...this.#exporters.values()];
  }

  /** Flushes every exporter and waits for the reports, then closes idle connections. */
  async close(): Promise<void> {
    await Promise.all([...this.#exporters.values()].map((e) => e.close()));
    this.#agent.destroy();
  }
}
