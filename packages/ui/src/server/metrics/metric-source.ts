// What the API reads metrics through: Prometheus' HTTP API (prometheus-source.ts) or the proxies'
// stats pages scraped by weft-ui itself (scrape-source.ts). Both answer in TrafficSeries.

import type { MetricsSourceInfo } from '../../api-types.js';
import type { TrafficWindow } from './traffic-series.js';

export interface MetricSource {
  /** Where the numbers come from, and the last failures. */
  info(): MetricsSourceInfo;
  /** Rates over the last `durationSeconds`. */
  window(durationSeconds: number): Promise<TrafficWindow>;
  /** `points` consecutive windows covering the last `durationSeconds`, oldest first (charts). */
  range(durationSeconds: number, points: number): Promise<TrafficWindow[]>;
  /** Stops background work. */
  close(): Promise<void>;
}
