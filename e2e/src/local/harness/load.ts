// Traffic for e2e scenarios: the app's side of the mesh. Sends requests through a proxy's outbound port
// the way an app uses an explicit HTTP proxy (absolute-form `GET http://reviews...:9080/x`), with a fixed
// concurrency over keep-alive connections, and tallies statuses, upstream versions, response flags and
// latencies. Either a fixed number of requests, or a steady stream until stopped.

import { Agent, request as httpRequest } from 'node:http';
import { responseFlagOf } from './response-flags.js';
import { VERSION_HEADER } from './upstream-server.js';

/** What to send. `headers` may depend on the request's index (0-based). */
export interface RequestShape {
  /** `host:port` of the mesh service, e.g. `reviews.default.svc.cluster.local:9080`. */
  readonly authority: string;
  /** The path, or a path per request index (default `/`). */
  readonly path?: string | ((index: number) => string);
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>> | ((index: number) => Readonly<Record<string, string>>);
  /** The client's source address per request (a 127.0.0.0/8 address), for policies that look at the
   *  downstream address (hashing on the source IP); default the kernel's choice (127.0.0.1). */
  readonly localAddress?: (index: number) => string;
}

/** The outcome of one request. */
export interface RequestResult {
  readonly index: number;
  /** When it was sent, in ms since the load started. */
  readonly sentAtMs: number;
  readonly latencyMs: number;
  /** HTTP status, 0 when the request failed without a response (reset, refused). */
  readonly status: number;
  /** The upstream instance that answered (its version header), undefined for local replies. */
  readonly version: string | undefined;
  /** Envoy's response flag as read from the response ('-' for an upstream answer). */
  readonly flag: string;
  /** The body of a local reply, or the transport error; '' for upstream answers (not kept). */
  readonly detail: string;
  /** The response had `x-envoy-overloaded: true` (Envoy's mark on circuit-breaker overflows). */
  readonly overloaded: boolean;
}

/** Tallies over a set of results. */
export interface LoadReport {
  readonly results: readonly RequestResult[];
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byVersion: Readonly<Record<string, number>>;
  readonly byFlag: Readonly<Record<string, number>>;
  /** Results without a 2xx status (local replies, upstream errors, transport errors). */
  readonly failures: readonly RequestResult[];
  readonly durationMs: number;
}

const tally = (values: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};

/** Tallies `results` (a whole run, or a slice of one). */
export function summarize(results: readonly RequestResult[], durationMs = 0): LoadReport {
  return {
    results,
    total: results.length,
    byStatus: tally(results.map((r) => String(r.status))),
    byVersion: tally(results.map((r) => r.version ?? '(local)')),
    byFlag: tally(results.map((r) => r.flag)),
    failures: results.filter((r) => r.status < 200 || r.status > 299),
    durationMs,
  };
}

/** A short text of a report for assertion messages: counts, then the first few failures. */
export function describeReport(report: LoadReport): string {
  const first = report.failures.slice(0, 5).map((f) => `#${f.index} ${f.status} ${f.flag} ${JSON.stringify(f.detail.slice(0, 120))}`);
  return `${report.total} requests in ${Math.round(report.durationMs)} ms; status ${JSON.stringify(report.byStatus)}; versions ${JSON.stringify(report.byVersion)}; flags ${JSON.stringify(report.byFlag)}${first.length ? `; first failures: ${first.join(' | ')}` : ''}`;
}

/** Sends one request through the proxy on 127.0.0.1:`proxyPort`. Never rejects. */
function send(agent: Agent, proxyPort: number, shape: RequestShape, index: number, t0: number): Promise<RequestResult> {
  const headers = typeof shape.headers === 'function' ? shape.headers(index) : (shape.headers ?? {});
  const path = typeof shape.path === 'function' ? shape.path(index) : (shape.path ?? '/');
  const sentAt = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, version: string | undefined, flag: string, detail: string, overloaded = false): void =>
      resolve({ index, sentAtMs: sentAt - t0, latencyMs: performance.now() - sentAt, status, version, flag, detail, overloaded });
    const localAddress = shape.localAddress?.(index);
    const req = httpRequest({ agent, host: '127.0.0.1', port: proxyPort, ...(localAddress === undefined ? {} : { localAddress }), method: shape.method ?? 'GET', path: `http://${shape.authority}${path}`, headers: { host: shape.authority, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => done(0, undefined, 'transport', e.message));
      res.on('end', () => {
        const header = res.headers[VERSION_HEADER];
        const version = typeof header === 'string' ? header : undefined;
        const status = res.statusCode ?? 0;
        const body = version === undefined ? Buffer.concat(chunks).toString('utf8') : '';
        done(status, version, responseFlagOf(status, res.headers, body, version !== undefined), body, res.headers['x-envoy-overloaded'] === 'true');
      });
    });
    // A scenario never waits this long on purpose; a hung request must fail the test, not hang it.
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout (30 s)')));
    req.on('error', (e) => done(0, undefined, 'transport', e.message));
    req.end();
  });
}

/** Options of a load run. */
export interface LoadOptions {
  /** Requests in flight at once (one keep-alive connection each). */
  readonly concurrency: number;
  /** Pause of each client between a response and its next request (default 0). Background load uses it
   *  so that it leaves CPU to weftd and the proxy's control work on a small machine. */
  readonly pauseMs?: number;
}

/** Sends `requests` requests with `options.concurrency` in flight and reports every outcome. */
export async function runLoad(proxyPort: number, shape: RequestShape, requests: number, options: LoadOptions): Promise<LoadReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const t0 = performance.now();
  const results: RequestResult[] = new Array<RequestResult>(requests);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const index = next++;
      results[index] = await send(agent, proxyPort, shape, index, t0);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, requests) }, worker));
  } finally {
    agent.destroy();
  }
  return summarize(results, performance.now() - t0);
}

/** A stream of requests running in the background. */
export interface RunningLoad {
  /** Results so far, in completion order. */
  results(): readonly RequestResult[];
  /** Milliseconds since the load started (the clock of `sentAtMs`). */
  now(): number;
  /** Stops sending, waits for the requests in flight, and reports. */
  stop(): Promise<LoadReport>;
}

/** Starts sending `shape` with `options.concurrency` in flight until {@link RunningLoad.stop}. */
export function startLoad(proxyPort: number, shape: RequestShape, options: LoadOptions): RunningLoad {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const t0 = performance.now();
  const results: RequestResult[] = [];
  let stopped = false;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!stopped) {
      results.push(await send(agent, proxyPort, shape, next++, t0));
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  const workers = Promise.all(Array.from({ length: options.concurrency }, worker));
  return {
    results: () => results,
    now: () => performance.now() - t0,
    async stop() {
      stopped = true;
      await workers;
      agent.destroy();
      return summarize(results, performance.now() - t0);
    },
  };
}
