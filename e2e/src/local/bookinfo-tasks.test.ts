// Istio's bookinfo traffic-management tasks (request routing, traffic shifting, fault injection) on one
// `weftctl up`: Istio's own samples/bookinfo/networking configs, read in place from the corpus, applied
// with `weftctl apply -f` in the order the tasks use them (each reviews or ratings VirtualService replaces
// the one of the same name before it), and the product page asked through the ingress gateway, checked
// for what istio.io says the reader should see.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkShare } from './harness/binomial.js';
import { findLeftoverProcesses } from './harness/child-processes.js';
import { findPrometheus } from '@weft/cli';
import { BOOKINFO_NETWORKING, corpusPresent } from './harness/istio-corpus.js';
import { waitUntil } from './harness/wait-until.js';
import { isAlive, runWeftctl, startUpMesh, stopUpMesh, syncSnapshot, waitForPush, type UpMesh } from './harness/weftctl-up.js';

const GATEWAY_URL = 'http://127.0.10.100:8080/productpage';

/** bookinfo's texts, as Istio's fault-injection task quotes them. */
const REVIEWS_UNAVAILABLE = 'Sorry, product reviews are currently unavailable for this book.';
const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

const present = corpusPresent(BOOKINFO_NETWORKING, "Istio's bookinfo tasks through weftctl up");

let mesh: UpMesh | undefined;

/** What a product page shows. */
interface Page {
  readonly status: number;
  /** The "Reviews served by" pod name (reviews-v1, -v2, -v3), undefined when reviews failed. */
  readonly servedBy: string | undefined;
  /** Star colours shown, one per rated review. */
  readonly stars: readonly string[];
  /** How many reviews show the ratings-unavailable message in place of stars. */
  readonly ratingErrors: number;
  readonly reviewsUnavailable: boolean;
  /** The signed-in user the page names. */
  readonly user: string | undefined;
  readonly hasDetails: boolean;
  readonly body: string;
}

/** GET /productpage through the ingress gateway, as `user` (bookinfo's login cookie) or anonymously. */
async function productPage(user?: string): Promise<Page> {
  const res = await fetch(GATEWAY_URL, { headers: user ? { cookie: `user=${user}` } : {}, signal: AbortSignal.timeout(30_000) });
  const body = await res.text();
  return {
    status: res.status,
    servedBy: /<dd class="served-by"[^>]*><u>([^<]*)<\/u>/.exec(body)?.[1],
    stars: [...body.matchAll(/class="stars stars-([a-z]+)"/g)].map((m) => m[1] ?? ''),
    ratingErrors: body.split(`<p class="error">${RATINGS_UNAVAILABLE}</p>`).length - 1,
    reviewsUnavailable: body.includes(REVIEWS_UNAVAILABLE),
    user: /signed in as <b>([^<]*)<\/b>/.exec(body)?.[1],
    hasDetails: body.includes('ISBN-10'),
    body,
  };
}

/** `n` product pages, `concurrency` at a time. */
async function productPages(n: number, user?: string, concurrency = 4): Promise<Page[]> {
  const pages: Page[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        next++;
        pages.push(await productPage(user));
      }
    }),
  );
  return pages;
}

/** Counts of each value. */
const tally = (values: readonly (string | undefined)[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
};

/** A short description of a page for assertion messages. */
const describePage = (p: Page): string => `status ${p.status}, served by ${p.servedBy}, stars ${p.stars.join(',') || 'none'}, rating errors ${p.ratingErrors}, reviews unavailable ${p.reviewsUnavailable}, user ${p.user}`;

/**
 * `weftctl apply -f <corpus file>`; asserts it succeeded and, when something changed, waits until weftd
 * pushed the change to the proxies whose node id contains one of `routedBy` and every proxy ACKed it.
 * Returns weftctl's output.
 */
async function apply(file: string, routedBy: readonly string[]): Promise<string> {
  const path = join(BOOKINFO_NETWORKING, file);
  expect(existsSync(path), path).toBe(true);
  const debugUrl = mesh?.state.debugUrl;
  if (!mesh || !debugUrl) throw new Error('no mesh (see beforeAll)');
  const before = await syncSnapshot(debugUrl);
  const { exit, output } = await runWeftctl(mesh.stateDir, ['apply', '-f', path]);
  expect(exit, output).toEqual({ code: 0, signal: null });
  expect(output).not.toMatch(/written, but|nothing applied/);
  if (/ (created|configured) /.test(output)) await waitForPush(debugUrl, before, routedBy);
  return output;
}

describe.skipIf(!present)("Istio's bookinfo tasks through `weftctl up` and `weftctl apply -f`", () => {
  beforeAll(async () => {
    mesh = await startUpMesh('weft-e2e-bookinfo-');
  }, 180_000);

  afterAll(async () => {
    await stopUpMesh(mesh);
  }, 60_000);

  it('applies destination-rule-all.yaml over the seeded DestinationRules of the same names', async () => {
    const output = await apply('destination-rule-all.yaml', ['productpage-v1']);
    // Istio's file adds subsets (ratings v2, v2-mysql, v2-mysql-vm; details v2) to the seeded rules.
    expect(output).toMatch(/destinationrule\.networking\.istio\.io\/ratings configured /);
    expect(output).toMatch(/destinationrule\.networking\.istio\.io\/details configured /);
    for (const name of ['productpage', 'reviews']) expect(output).toMatch(new RegExp(`destinationrule\\.networking\\.istio\\.io/${name} (configured|unchanged)`));
    expect(output).not.toContain(' created');

    const got = await runWeftctl(mesh?.stateDir ?? '', ['get', 'destinationrules', '-o', 'json']);
    expect(got.exit.code, got.output).toBe(0);
    const json = got.output.replace(/^\[weftctl get\] /gm, '');
    const list = JSON.parse(json) as { items: { metadata: { name: string; namespace: string }; spec: { host: string; subsets?: { name: string }[] } }[] };
    const subsets = Object.fromEntries(list.items.map((i) => [`${i.metadata.namespace}/${i.metadata.name}`, (i.spec.subsets ?? []).map((s) => s.name)]));
    // One rule per name: the applied one replaced the seeded one rather than sitting beside it.
    expect(subsets).toEqual({
      'default/productpage': ['v1'],
      'default/reviews': ['v1', 'v2', 'v3'],
      'default/ratings': ['v1', 'v2', 'v2-mysql', 'v2-mysql-vm'],
      'default/details': ['v1', 'v2'],
    });

    // Subsets with no endpoints are harmless: the page still has details and reviews.
    const page = await productPage();
    expect(page.status, describePage(page)).toBe(200);
    expect(page.hasDetails).toBe(true);
    expect(page.servedBy).toMatch(/^reviews-v[123]$/);
  });

  it('request routing: virtual-service-all-v1.yaml sends every productpage request to reviews v1', async () => {
    const output = await apply('virtual-service-all-v1.yaml', ['productpage-v1']);
    for (const name of ['productpage', 'reviews', 'ratings', 'details']) expect(output).toMatch(new RegExp(`virtualservice\\.networking\\.istio\\.io/${name} created`));

    const pages = await productPages(30);
    expect(tally(pages.map((p) => p.servedBy))).toEqual({ 'reviews-v1': 30 });
    for (const p of pages) {
      expect(p.status, describePage(p)).toBe(200);
      expect(p.hasDetails).toBe(true);
      // v1 does not call ratings: no stars, no rating message.
      expect(p.stars).toEqual([]);
      expect(p.ratingErrors).toBe(0);
    }
  });

  it('request routing: virtual-service-reviews-test-v2.yaml sends jason to reviews v2 (black stars), everyone else to v1', async () => {
    const output = await apply('virtual-service-reviews-test-v2.yaml', ['productpage-v1']);
    expect(output).toMatch(/virtualservice\.networking\.istio\.io\/reviews configured /);

    const [jason, others] = await Promise.all([productPages(20, 'jason', 2), productPages(20, undefined, 2)]);
    expect(tally(jason.map((p) => p.servedBy))).toEqual({ 'reviews-v2': 20 });
    for (const p of jason) {
      expect(p.status, describePage(p)).toBe(200);
      expect(p.user).toBe('jason');
      expect(p.stars).toEqual(['black', 'black']);
    }
    expect(tally(others.map((p) => p.servedBy))).toEqual({ 'reviews-v1': 20 });
    for (const p of others) {
      expect(p.status, describePage(p)).toBe(200);
      expect(p.user).toBeUndefined();
      expect(p.stars).toEqual([]);
    }
  });

  it('traffic shifting: virtual-service-reviews-50-v3.yaml splits reviews between v1 and v3 (red stars) about evenly', async () => {
    const output = await apply('virtual-service-reviews-50-v3.yaml', ['productpage-v1']);
    expect(output).toMatch(/virtualservice\.networking\.istio\.io\/reviews configured /);

    // 100 requests, v1's share 50% ± 20 points: a correct 50/50 split fails this with p ≈ 3e-5.
    const n = 100;
    const pages = await productPages(n);
    const counts = tally(pages.map((p) => p.servedBy));
    expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(['reviews-v1', 'reviews-v3']);
    const share = checkShare(counts['reviews-v1'] ?? 0, n, 0.5, 0.2);
    expect(share.withinTolerance, share.summary).toBe(true);
    for (const p of pages) {
      expect(p.status, describePage(p)).toBe(200);
      expect(p.stars).toEqual(p.servedBy === 'reviews-v3' ? ['red', 'red'] : []);
    }
  });

  it('fault injection: virtual-service-ratings-test-delay.yaml (7s for jason) makes his reviews unavailable, others are unaffected', async () => {
    // The task's starting point again: reviews v2 for jason, v1 for everyone else.
    expect(await apply('virtual-service-reviews-test-v2.yaml', ['productpage-v1'])).toMatch(/virtualservice\.networking\.istio\.io\/reviews configured /);
    const output = await apply('virtual-service-ratings-test-delay.yaml', ['reviews-v2']);
    expect(output).toMatch(/virtualservice\.networking\.istio\.io\/ratings configured /);

    // reviews v2 waits 10 s for the delayed ratings, but productpage gives up on reviews after 3 s and
    // one retry: the page answers, with bookinfo's message in place of the reviews.
    const [jason, others] = await Promise.all([productPages(2, 'jason', 2), productPages(10, undefined, 2)]);
    for (const p of jason) {
      expect(p.status, describePage(p)).toBe(200);
      expect(p.user).toBe('jason');
      expect(p.reviewsUnavailable, describePage(p)).toBe(true);
      expect(p.body).toContain('Error fetching product reviews!');
      expect(p.servedBy).toBeUndefined();
      expect(p.hasDetails).toBe(true);
    }
    expect(tally(others.map((p) => p.servedBy))).toEqual({ 'reviews-v1': 10 });
    for (const p of others) {
      expect(p.status, describePage(p)).toBe(200);
      expect(p.reviewsUnavailable).toBe(false);
    }
  });

  it('fault injection: virtual-service-ratings-test-abort.yaml (HTTP 500 for jason) shows jason "Ratings service is currently unavailable", others reviews v1 without errors', async () => {
    const output = await apply('virtual-service-ratings-test-abort.yaml', ['reviews-v2']);
    expect(output).toMatch(/virtualservice\.networking\.istio\.io\/ratings configured /);

    const [jason, others] = await Promise.all([productPages(10, 'jason', 2), productPages(10, undefined, 2)]);
    for (const p of jason) {
      expect(p.status, describePage(p)).toBe(200);
      expect(p.servedBy, describePage(p)).toBe('reviews-v2');
      expect(p.ratingErrors, describePage(p)).toBe(2);
      expect(p.stars).toEqual([]);
      expect(p.reviewsUnavailable).toBe(false);
    }
    // As the task says: everybody but jason still gets reviews v1, which does not call ratings at all.
    expect(tally(others.map((p) => p.servedBy))).toEqual({ 'reviews-v1': 10 });
    for (const p of others) {
      expect(p.status, describePage(p)).toBe(200);
      expect(p.ratingErrors).toBe(0);
    }
  });

  it('fault injection: with virtual-service-reviews-v3.yaml the abort still hits only jason, others see red stars', async () => {
    const output = await apply('virtual-service-reviews-v3.yaml', ['productpage-v1']);
    expect(output).toMatch(/virtualservice\.networking\.istio\.io\/reviews configured /);

    const [jason, others] = await Promise.all([productPages(10, 'jason', 2), productPages(10, undefined, 2)]);
    for (const p of jason) {
      expect(p.servedBy, describePage(p)).toBe('reviews-v3');
      expect(p.ratingErrors, describePage(p)).toBe(2);
      expect(p.stars).toEqual([]);
    }
    for (const p of others) {
      expect(p.servedBy, describePage(p)).toBe('reviews-v3');
      expect(p.stars, describePage(p)).toEqual(['red', 'red']);
      expect(p.ratingErrors).toBe(0);
    }
  });

  it('stops every process on SIGINT', async () => {
    const pids = (mesh?.state.processes ?? []).map((p) => p.pid);
    // weftd, 6 sidecars, the gateway, 6 programs and the dashboard, and Prometheus where it is installed.
    expect(pids.length).toBe(findPrometheus() !== undefined ? 16 : 15);
    const exit = await mesh?.up.stop('SIGINT', 20_000);
    expect(exit, mesh?.up.output()).toEqual({ code: 0, signal: null });
    await waitUntil('every child to be gone', () => pids.every((pid) => !isAlive(pid)) || undefined, { timeoutMs: 5000, describe: () => `alive: ${pids.filter(isAlive).join(' ')}` });
    expect(findLeftoverProcesses()).toEqual([]);
    expect(existsSync(join(mesh?.stateDir ?? '', 'up.json'))).toBe(false);
  });
});
