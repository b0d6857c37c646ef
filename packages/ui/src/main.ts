// Entry point of `weft-ui`: parses the command line and serves the dashboard.
// The binary in bin/ only calls main(); tests call it directly.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WEFT_VERSION } from '@weft/shared';
import { OPTIONS_HELP, parseUiConfig } from './config.js';
import { createServer } from './server/create-server.js';
import { createWeftdClient } from './server/mesh/weftd-client.js';
import type { MetricSource } from './server/metrics/metric-source.js';
import { createPrometheusSource } from './server/metrics/prometheus-source.js';
import { createScrapeSource } from './server/metrics/scrape-source.js';
import type { UiConfig } from './config.js';

/** Usage text printed by `weft-ui --help`. */
export const USAGE = `Usage: weft-ui [options]

weft-ui is the Weft dashboard (Kiali counterpart): the traffic graph, health, Istio config with its
validation, proxy sync status and errors by response flag, read from weftd's debug API and from
Prometheus (or, without Prometheus, from the proxies' stats pages, scraped directly).

${OPTIONS_HELP}
`;

const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), 'web');

/** The metric source a config asks for. */
export function createMetricSource(config: UiConfig): MetricSource {
  return config.prometheusUrl ? createPrometheusSource({ url: config.prometheusUrl }) : createScrapeSource({ targets: config.scrapeTargets, intervalMs: config.scrapeIntervalMs });
}

/** Runs `weft-ui` and returns the exit code (the server keeps running until the process ends). */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseUiConfig(argv, env);
  if (parsed.kind === 'errors') {
    err.write(`${parsed.errors.map((e) => `weft-ui: ${e}`).join('\n')}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.kind === 'version') {
    out.write(`weft-ui ${WEFT_VERSION}\n`);
    return 0;
  }
  if (parsed.kind !== 'config') {
    out.write(USAGE);
    return 0;
  }
  const { config } = parsed;
  const metrics = createMetricSource(config);
  const server = await createServer({ webRoot: WEB_ROOT, metrics, weftd: createWeftdClient(config.weftdUrl) });
  const address = await server.listen({ port: config.port, host: config.host });
  const source = config.prometheusUrl ? `Prometheus ${config.prometheusUrl}` : `${config.scrapeTargets.length} proxies scraped every ${config.scrapeIntervalMs} ms`;
  out.write(`weft-ui ${WEFT_VERSION} serving the dashboard on ${address} (weftd ${config.weftdUrl ?? 'not set'}, metrics from ${source})\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}
