// Every setting of weft-ui, declared once: flag, environment variable, default. parseUiConfig reports
// every problem at once; the result is frozen and passed down.

import { parseArgs } from 'node:util';

/** weft-ui's settings. */
export interface UiConfig {
  readonly port: number;
  readonly host: string;
  /** weftd's debug API (config, proxies, registry). */
  readonly weftdUrl?: string;
  /** Prometheus' HTTP API; when unset, the proxies in `scrapeTargets` are scraped directly. */
  readonly prometheusUrl?: string;
  /** Proxy stats URLs (…/stats/prometheus) scraped when there is no Prometheus. */
  readonly scrapeTargets: readonly string[];
  readonly scrapeIntervalMs: number;
}

/** The outcome of parsing: a config, `--help`/`--version`, or every problem found. */
export type ParsedConfig = { readonly kind: 'config'; readonly config: UiConfig } | { readonly kind: 'help' | 'version' } | { readonly kind: 'errors'; readonly errors: readonly string[] };

/** The options part of `--help`. */
export const OPTIONS_HELP = `Options:
  --port <n>                 port to listen on (default 20001, env WEFT_UI_PORT)
  --host <addr>              address to listen on (default 127.0.0.1, env WEFT_UI_HOST)
  --weftd-url <url>          weftd's debug API, e.g. http://127.0.0.1:15014 (env WEFT_UI_WEFTD_URL)
  --prometheus-url <url>     read metrics from Prometheus' HTTP API (env WEFT_UI_PROMETHEUS_URL)
  --scrape <url>             a proxy's stats URL, e.g. http://127.0.0.1:15090/stats/prometheus, scraped
                             when there is no Prometheus; repeatable (env WEFT_UI_SCRAPE_TARGETS, comma separated)
  --scrape-interval <ms>     time between scrapes (default 5000, env WEFT_UI_SCRAPE_INTERVAL_MS)
  --version                  print the version and exit
  -h, --help                 print this help and exit`;

function isUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Parses argv and the environment. */
export function parseUiConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedConfig {
  let values: { version?: boolean; help?: boolean; port?: string; host?: string; 'weftd-url'?: string; 'prometheus-url'?: string; scrape?: string[]; 'scrape-interval'?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        port: { type: 'string' },
        host: { type: 'string' },
        'weftd-url': { type: 'string' },
        'prometheus-url': { type: 'string' },
        scrape: { type: 'string', multiple: true },
        'scrape-interval': { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    return { kind: 'errors', errors: [(e as Error).message] };
  }
  if (values.version) return { kind: 'version' };
  if (values.help) return { kind: 'help' };
  const errors: string[] = [];
  const portText = values.port ?? env.WEFT_UI_PORT ?? '20001';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) errors.push(`--port must be an integer from 0 to 65535, got ${portText}`);
  const intervalText = values['scrape-interval'] ?? env.WEFT_UI_SCRAPE_INTERVAL_MS ?? '5000';
  const scrapeIntervalMs = Number(intervalText);
  if (!Number.isInteger(scrapeIntervalMs) || scrapeIntervalMs < 100) errors.push(`--scrape-interval must be an integer of at least 100 (ms), got ${intervalText}`);
  const weftdUrl = values['weftd-url'] ?? env.WEFT_UI_WEFTD_URL;
  const prometheusUrl = values['prometheus-url'] ?? env.WEFT_UI_PROMETHEUS_URL;
  const scrapeTargets = values.scrape ?? (env.WEFT_UI_SCRAPE_TARGETS ?? '').split(',').filter((s) => s !== '');
  for (const [name, url] of [['--weftd-url', weftdUrl], ['--prometheus-url', prometheusUrl], ...scrapeTargets.map((t) => ['--scrape', t] as const)] as const) {
    if (url !== undefined && url !== '' && !isUrl(url)) errors.push(`${name} must be an http(s) URL, got ${url}`);
  }
  if (errors.length > 0) return { kind: 'errors', errors };
  return {
    kind: 'config',
    config: Object.freeze({
      port,
      host: values.host ?? env.WEFT_UI_HOST ?? '127.0.0.1',
      ...(weftdUrl ? { weftdUrl } : {}),
      ...(prometheusUrl ? { prometheusUrl } : {}),
      scrapeTargets: Object.freeze([...scrapeTargets]),
      scrapeIntervalMs,
    }),
  };
}
