// The dashboard in a real browser: `weftctl up` (which starts weft-ui too), Istio's 90/10 canary for
// reviews (samples/bookinfo/networking/virtual-service-reviews-90-10.yaml, from the corpus) applied with
// `weftctl apply`, product pages through the ingress gateway, then Debian's Chromium driven by
// playwright-core: the versioned-app graph shows productpage → reviews v1/v2 → ratings with the split
// in the edge labels, a node opens its detail page by keyboard, the other pages render, no console
// errors. Screenshots go to docs/screenshots/.
//
// The split is read from a second weft-ui that scrapes the proxies itself (the no-Prometheus path):
// weft-proxy renders a duplicate istio_requests_total series (same labels) per cluster a peer was
// reached through, e.g. reviews-v2 through `outbound|9080||reviews…` before the canary and through
// `outbound|9080|v2|reviews…` after it; Prometheus keeps the first sample of duplicates, so the
// subset's increase never reaches it. The dashboard `weftctl up` started (Prometheus path) is checked
// on the gateway → productpage edge, which has one series.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/repo.js';
import { binaryPath } from './harness/binaries.js';
import { spawnNodeProcess, type ChildHandle } from './harness/child-processes.js';
import { BOOKINFO_NETWORKING, corpusPresent } from './harness/istio-corpus.js';
import { waitUntil } from './harness/wait-until.js';
import { runWeftctl, startUpMesh, stopUpMesh, syncSnapshot, waitForPush, type UpMesh } from './harness/weftctl-up.js';

const CHROMIUM = '/usr/bin/chromium';
const GATEWAY_URL = 'http://127.0.10.100:8080/productpage';
const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const CANARY = join(BOOKINFO_NETWORKING, 'virtual-service-reviews-90-10.yaml');

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIP: ${CHROMIUM} not found (apt-get install chromium); the dashboard browser test is skipped`);
const present = hasChromium && corpusPresent(BOOKINFO_NETWORKING, 'the dashboard browser test');

let mesh: UpMesh | undefined;
/** The dashboard `weftctl up` started (Prometheus), and one scraping the proxies itself. */
let dashboardUrl = '';
let scrapeUrl = '';
let scrapeUi: ChildHandle | undefined;
let context: BrowserContext | undefined;
let page: Page;
let profileDir = '';
const consoleErrors: string[] = [];

/** Steady traffic through the gateway (two clients, a page every 100 ms each) until stopped: rates
 *  need increases seen by two scrapes, as real traffic gives. */
function startTraffic(): { stop: () => Promise<void>; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  let running = true;
  const loops = Array.from({ length: 2 }, async () => {
    while (running) {
      const res = await fetch(GATEWAY_URL, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
      if (res) await res.arrayBuffer();
      const key = String(res?.status ?? 'failed');
      counts[key] = (counts[key] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  return {
    counts,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
let traffic: ReturnType<typeof startTraffic> | undefined;

/** The graph node holding the focus (its data-node), or null. */
const activeNode = (): Promise<string | null> => page.evaluate<string | null>('document.activeElement && document.activeElement.getAttribute("data-node")');

/** The share (percent) written on the graph edge from → to, or undefined when there is no such edge. */
async function edgeShare(from: string, to: string): Promise<number | undefined> {
  const edge = page.locator(`g.edge[data-from="${from}"][data-to="${to}"]`);
  if ((await edge.count()) === 0) return undefined;
  const label = (await edge.locator('text.edge-label').textContent()) ?? '';
  const m = /([\d.]+)% · [\d.]+ rps/.exec(label);
  return m ? Number(m[1]) : undefined;
}

describe.skipIf(!present)('weft-ui in Chromium on the bookinfo mesh of `weftctl up`', () => {
  beforeAll(async () => {
    mesh = await startUpMesh('weft-e2e-dashboard-');
    const state = JSON.parse(await readFile(join(mesh.stateDir, 'up.json'), 'utf8')) as { dashboardUrl?: string; debugUrl?: string; processes?: { statsUrl?: string }[] };
    dashboardUrl = state.dashboardUrl ?? '';
    expect(dashboardUrl, 'weftctl up records the dashboard it started in up.json').toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const debugUrl = state.debugUrl ?? '';
    const statsUrls = (state.processes ?? []).flatMap((p) => p.statsUrl ?? []);
    expect(statsUrls, 'up.json records every proxy\'s stats URL').toHaveLength(7);
    scrapeUi = spawnNodeProcess('weft-ui', binaryPath('ui', 'weft-ui'), ['--port', '0', '--weftd-url', debugUrl, '--scrape-interval', '1000', ...statsUrls.flatMap((u) => ['--scrape', u])]);
    [, scrapeUrl = ''] = await scrapeUi.waitForLine(/serving the dashboard on (http:\/\/\S+)/);
    const before = await syncSnapshot(debugUrl);
    const applied = await runWeftctl(mesh.stateDir, ['apply', '-f', CANARY]);
    expect(applied.exit.code, applied.output).toBe(0);
    await waitForPush(debugUrl, before, ['productpage-v1']);
    traffic = startTraffic();

    profileDir = await mkdtemp(join(tmpdir(), 'weft-e2e-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await traffic?.stop();
    await scrapeUi?.stop();
    await context?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
    await stopUpMesh(mesh);
  }, 60_000);

  it('`weftctl dashboard` prints the URL of the weft-ui that `weftctl up` started', async () => {
    const r = await runWeftctl(mesh?.stateDir ?? '', ['dashboard']);
    expect(r.exit.code, r.output).toBe(0);
    expect(r.output).toContain(dashboardUrl);
  });

  it('shows productpage → reviews v1/v2 → ratings with the 90/10 split on the edge labels', async () => {
    // 400 pages at least, so the share is a measurement (v2 at 10% has a standard deviation of 1.5 points).
    await waitUntil('400 product pages through the gateway', async () => (traffic?.counts['200'] ?? 0) >= 400, { timeoutMs: 120_000, intervalMs: 500 });
    await page.goto(`${scrapeUrl}/#/graph?view=versionedApp`);
    let shares: { v1?: number; v2?: number } = {};
    // Rates need two scrapes after the traffic (Prometheus scrapes every 5 s): refresh until they are in.
    await waitUntil(
      'the graph to show the canary split',
      async () => {
        await page.getByRole('button', { name: 'Refresh now' }).click();
        await page.waitForTimeout(1000);
        shares = { v1: await edgeShare('productpage v1', 'reviews v1'), v2: await edgeShare('productpage v1', 'reviews v2') };
        return shares.v1 !== undefined && shares.v2 !== undefined && shares.v1 + shares.v2 > 95;
      },
      { timeoutMs: 90_000, intervalMs: 1000, describe: () => `shares ${JSON.stringify(shares)}, pages ${JSON.stringify(traffic?.counts)}` },
    );
    expect(Object.keys(traffic?.counts ?? {}), 'every page through the gateway answered 200').toEqual(['200']);
    // v2 gets 10% ± 6 points (the window may hold a few round-robin pages from before the canary).
    expect(shares.v1).toBeGreaterThan(80);
    expect(shares.v2).toBeGreaterThan(3);
    expect(shares.v2).toBeLessThan(16);
    expect(await edgeShare('istio-ingressgateway', 'productpage v1')).toBe(100);
    expect(await page.locator('g.edge[data-from="reviews v2"][data-to="ratings v1"]').count()).toBe(1);
    expect(await page.locator('g.edge[data-from="reviews v1"][data-to="ratings v1"]').count()).toBe(0);
    // The reviews VirtualService puts its badge on the reviews nodes; the sidecars talk mTLS.
    await expect.poll(() => page.locator('g.node[data-node="vapp:default:reviews:v1"] .badge-virtualService').count()).toBe(1);
    expect(await page.locator('g.edge[data-from="productpage v1"][data-to="reviews v1"] .mtls-lock').count()).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'graph.png') });
  });

  it('the dashboard `weftctl up` started reads Prometheus: the gateway → productpage edge', async () => {
    await page.goto(`${dashboardUrl}/#/graph?view=versionedApp`);
    await waitUntil(
      'the Prometheus-backed graph to show gateway → productpage',
      async () => {
        await page.getByRole('button', { name: 'Refresh now' }).click();
        await page.waitForTimeout(1000);
        return (await edgeShare('istio-ingressgateway', 'productpage v1')) === 100;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(await page.locator('main .hint').first().textContent()).toContain('from Prometheus');
  });

  it('is usable by keyboard: Tab reaches a node, arrows move along edges, Enter opens the detail page', async () => {
    await page.goto(`${scrapeUrl}/#/graph?view=versionedApp`);
    await page.locator('g.node').first().waitFor();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    let focused: string | null = null;
    for (let i = 0; i < 40 && focused === null; i++) {
      await page.keyboard.press('Tab');
      focused = await activeNode();
    }
    expect(focused, 'a graph node takes the focus by Tab').not.toBeNull();
    // From the entry point, right along the edges to productpage, then to one of its servers.
    await page.locator('g.node[data-node="vapp:istio-system:istio-ingressgateway:"]').focus();
    await page.keyboard.press('ArrowRight');
    expect(await activeNode()).toBe('vapp:default:productpage:v1');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/workloads\/default\/productpage-v1$/);
    await expect.poll(() => page.getByRole('heading', { name: /^Inbound: / }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('figure.chart').count()).toBe(6);
    await page.screenshot({ path: join(SCREENSHOTS, 'workload.png'), fullPage: true });

    // The navigation is plain links: focus one and press Enter.
    await page.getByRole('link', { name: 'Proxies' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('td.sync.ok').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(4 * 7);
    await page.screenshot({ path: join(SCREENSHOTS, 'proxies.png') });
  });

  it('lists the Istio config with validation and YAML, and the namespaces and errors pages render', async () => {
    await page.goto(`${scrapeUrl}/#/config`);
    const reviews = page.locator('details', { hasText: 'VirtualService default/reviews' });
    await reviews.locator('summary').click();
    await expect.poll(() => reviews.locator('pre.yaml').textContent()).toContain('weight: 90');
    await page.screenshot({ path: join(SCREENSHOTS, 'config.png') });
    await page.goto(`${scrapeUrl}/#/namespaces`);
    await expect.poll(() => page.locator('article.card').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SCREENSHOTS, 'namespaces.png') });
    await page.goto(`${scrapeUrl}/#/errors`);
    await expect.poll(() => page.locator('main p.notice.empty, main table').count(), { timeout: 15_000 }).toBeGreaterThan(0);
  });

  it('fits a narrow window and logged no console errors', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    await page.goto(`${scrapeUrl}/#/graph?view=versionedApp`);
    await page.locator('g.node').first().waitFor();
    // The page itself does not scroll sideways; the graph scrolls inside its own box.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(420);
    await page.screenshot({ path: join(SCREENSHOTS, 'graph-narrow.png') });
    expect(consoleErrors).toEqual([]);
  });
});
