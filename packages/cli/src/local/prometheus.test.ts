import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findPrometheus, prometheusArgs, renderPrometheusConfig } from './prometheus.js';

describe('Prometheus for a local mesh', () => {
  it("scrapes every proxy's /stats/prometheus and weftd's /metrics", () => {
    const text = renderPrometheusConfig({ proxies: [{ address: '127.0.0.1:40001', labels: { pod: 'reviews-v1', namespace: 'default' } }, { address: '127.0.0.1:40002' }], weftd: '127.0.0.1:15014', intervalSeconds: 1 });
    expect(parse(text)).toEqual({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        { job_name: 'envoy-stats', metrics_path: '/stats/prometheus', static_configs: [{ targets: ['127.0.0.1:40001'], labels: { pod: 'reviews-v1', namespace: 'default' } }, { targets: ['127.0.0.1:40002'] }] },
        { job_name: 'weftd', metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:15014'] }] },
      ],
    });
    expect(parse(renderPrometheusConfig({ proxies: [] })).global.scrape_interval).toBe('5s');
  });

  it('runs on the given address with its data under the given directory', () => {
    expect(prometheusArgs('/s/prometheus.yml', '/s/data', '127.0.0.1:9090')).toEqual(['--config.file=/s/prometheus.yml', '--storage.tsdb.path=/s/data', '--web.listen-address=127.0.0.1:9090', '--storage.tsdb.retention.time=1d', '--log.level=warn']);
  });

  it('finds the binary from WEFT_PROMETHEUS_BIN, then PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-prom-'));
    try {
      const fake = join(dir, 'prometheus');
      writeFileSync(fake, '#!/bin/sh\n');
      chmodSync(fake, 0o755);
      expect(findPrometheus({ WEFT_PROMETHEUS_BIN: fake, PATH: '' })).toBe(fake);
      expect(findPrometheus({ PATH: dir })).toBe(fake);
      const notExecutable = join(dir, 'other');
      writeFileSync(notExecutable, '');
      expect(findPrometheus({ WEFT_PROMETHEUS_BIN: notExecutable, PATH: dir })).toBe(fake);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
