import { describe, expect, it } from 'vitest';
import { SAMPLE_SETTINGS, parseDuration, parseSampleConfig, parseServiceAddress, renderSampleHelp } from './config.js';

describe('parseSampleConfig', () => {
  it('gives bookinfo\'s defaults with an empty environment', () => {
    const r = parseSampleConfig('productpage', {});
    expect(r).toEqual({
      ok: true,
      config: {
        service: 'productpage',
        address: '127.0.0.1',
        port: 9080,
        version: 'v1',
        podName: 'productpage-v1',
        proxy: undefined,
        proxyForm: 'absolute',
        details: { host: 'details', port: 9080 },
        reviews: { host: 'reviews', port: 9080 },
        ratings: { host: 'ratings', port: 9080 },
        detailsTimeoutMs: 3000,
        reviewsTimeoutMs: 3000,
        reviewsAttempts: 2,
        ratingsTimeoutMs: undefined,
      },
    });
    expect(r.ok && Object.isFrozen(r.config)).toBe(true);
  });

  it('reads every WEFT_SAMPLE_* variable a program uses', () => {
    const r = parseSampleConfig('productpage', {
      WEFT_SAMPLE_ADDRESS: '127.0.11.1',
      WEFT_SAMPLE_PORT: '9081',
      WEFT_SAMPLE_PROXY: 'http://127.0.0.1:15001',
      WEFT_SAMPLE_PROXY_FORM: 'origin',
      WEFT_SAMPLE_DETAILS: 'details.default.svc.cluster.local:9080',
      WEFT_SAMPLE_REVIEWS: '[::1]:9999',
      WEFT_SAMPLE_RATINGS: 'ratings',
      WEFT_SAMPLE_DETAILS_TIMEOUT: '1.5s',
      WEFT_SAMPLE_REVIEWS_TIMEOUT: '250ms',
      WEFT_SAMPLE_REVIEWS_ATTEMPTS: '1',
      WEFT_SAMPLE_RATINGS_TIMEOUT: '1m',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      address: '127.0.11.1',
      port: 9081,
      proxy: { host: '127.0.0.1', port: 15001 },
      proxyForm: 'origin',
      details: { host: 'details.default.svc.cluster.local', port: 9080 },
      reviews: { host: '::1', port: 9999 },
      ratings: { host: 'ratings', port: 9080 },
      detailsTimeoutMs: 1500,
      reviewsTimeoutMs: 250,
      reviewsAttempts: 1,
      ratingsTimeoutMs: 60_000,
    });
  });

  it('reports every bad variable at once, by name', () => {
    const r = parseSampleConfig('productpage', { WEFT_SAMPLE_PORT: '70000', WEFT_SAMPLE_PROXY: 'https://proxy', WEFT_SAMPLE_REVIEWS_TIMEOUT: '3', WEFT_SAMPLE_PROXY_FORM: 'authority' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map((e) => e.split(':')[0])).toEqual(['WEFT_SAMPLE_PORT', 'WEFT_SAMPLE_PROXY', 'WEFT_SAMPLE_PROXY_FORM', 'WEFT_SAMPLE_REVIEWS_TIMEOUT']);
  });

  it.each([
    ['v1', true],
    ['v3', true],
    ['v4', false],
  ])('reviews version %s is accepted: %s', (version, accepted) => {
    const r = parseSampleConfig('reviews', { WEFT_SAMPLE_VERSION: version });
    expect(r.ok).toBe(accepted);
    if (r.ok) expect(r.config.podName).toBe(`reviews-${version}`);
  });

  it('ignores the variables a program does not read', () => {
    const r = parseSampleConfig('details', { WEFT_SAMPLE_PROXY: 'not a url', WEFT_SAMPLE_POD_NAME: 'x' });
    expect(r.ok && [r.config.proxy, r.config.podName]).toEqual([undefined, 'details-v1']);
  });
});

describe('parsers', () => {
  it.each([
    ['details:9080', { host: 'details', port: 9080 }],
    ['details', { host: 'details', port: 9080 }],
    ['127.0.0.1:1', { host: '127.0.0.1', port: 1 }],
    ['[fd00::1]:80', { host: 'fd00::1', port: 80 }],
  ])('service address %s', (raw, want) => expect(parseServiceAddress(raw)).toEqual({ ok: true, value: want }));

  it.each(['', 'details:', 'details:0', 'http://details:9080', 'a b:1', 'details:65536'])('rejects service address "%s"', (raw) => expect(parseServiceAddress(raw).ok).toBe(false));

  it.each([
    ['3s', 3000],
    ['500ms', 500],
    ['0.25s', 250],
    ['2m', 120_000],
  ])('duration %s = %d ms', (raw, ms) => expect(parseDuration(raw)).toEqual({ ok: true, value: ms }));

  it.each(['3', '0s', '-1s', 's', '3h'])('rejects duration "%s"', (raw) => expect(parseDuration(raw).ok).toBe(false));
});

describe('renderSampleHelp', () => {
  it('lists exactly the variables each program reads, with defaults', () => {
    for (const service of ['productpage', 'details', 'reviews', 'ratings'] as const) {
      const help = renderSampleHelp(service);
      for (const s of SAMPLE_SETTINGS) expect(help.includes(`  ${s.env}  `), `${service} ${s.env}`).toBe(s.services.includes(service));
    }
    expect(renderSampleHelp('productpage')).toContain('WEFT_SAMPLE_DETAILS  (default: details:9080)');
  });
});
