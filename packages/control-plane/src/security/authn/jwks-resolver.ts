// istiod's JWKS resolver (Istio pilot/pkg/model/jwks_resolver.go) for RequestAuthentications that name a
// `jwksUri` (or only an issuer: OpenID discovery) instead of inline `jwks`: weftd fetches the key set,
// caches it, refreshes it every PILOT_JWT_PUB_KEY_REFRESH_INTERVAL (20 min) and asks for a push when it
// changes. The generators never fetch: they read the resolved keys from the mesh snapshot (see
// push/push-controller.ts, which resolves before it builds one). Nothing here knows about xDS.

import type { Logger } from 'pino';

/** Which key set: Istio's jwtKey (issuer + jwksUri as written in the rule; jwksUri '' = discovery). */
export interface JwksRef {
  readonly issuer: string;
  readonly jwksUri: string;
}

/** A key set a RequestAuthentication needs, with its rule's `timeout` (Istio's default 5 s). */
export interface JwksRequest extends JwksRef {
  readonly timeoutMs: number;
}

/** The key of {@link JwksResolver.keys}. */
export const jwksKey = (issuer: string, jwksUri: string): string => `${issuer}\n${jwksUri}`;

/** Settings of a {@link JwksResolver}; defaults are Istio's. */
export interface JwksResolverOptions {
  /** Refresh period while fetches succeed (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL, 20 min). */
  readonly refreshIntervalMs?: number;
  /** Refresh period after a failed refresh (JwtPubKeyRefreshIntervalOnFailure, 1 min); doubled while
   *  refreshes keep failing, up to {@link maxRefreshIntervalOnFailureMs}. */
  readonly refreshIntervalOnFailureMs?: number;
  /** JwtPubKeyRefreshIntervalOnFailureResetThreshold (60 min). */
  readonly maxRefreshIntervalOnFailureMs?: number;
  /** Pause between attempts of a background fetch (JwtPubKeyRetryInterval, 1 s). */
  readonly retryIntervalMs?: number;
  /** Extra attempts of a background fetch (networkFetchRetryCountOnRefreshFlow, 7). */
  readonly refreshRetries?: number;
  /** An entry unused, or not refreshed successfully, for this long is dropped (JwtPubKeyEvictionDuration, 7 days). */
  readonly evictionMs?: number;
  /** The HTTP client (default: the global fetch, undici). */
  readonly fetch?: typeof globalThis.fetch;
  readonly now?: () => number;
  readonly logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

/** Told which key sets changed (a background fetch or a refresh got new keys). */
export type JwksChangeListener = (changed: readonly JwksRef[]) => void;

interface Entry extends JwksRef {
  /** '' while no fetch has succeeded. */
  pubKey: string;
  lastRefreshed: number;
  lastUsed: number;
  timeoutMs: number;
}

/** Counters, as Istio's pilot_jwks_resolver_network_fetch_{success,fail}_total. */
export interface JwksResolverStats {
  fetchSuccess: number;
  fetchFail: number;
  /** Refreshes that found new keys (Istio refreshJobKeyChangedCount). */
  keyChanges: number;
}

const OPENID_DISCOVERY_SUFFIX = '/.well-known/openid-configuration';
const EMPTY: ReadonlyMap<string, string> = Object.freeze(new Map<string, string>());

/**
 * The resolver. {@link resolve} is Istio's GetPublicKey main flow (fetch what is missing, once, no
 * retry, within the rule's timeout); a failure leaves the key set unresolved, which the generator turns
 * into PUBLIC_ONLY_JWKS (public-only-jwks.ts), and is retried in the background. A timer refreshes every entry;
 * new keys are reported to {@link subscribe}rs. Call {@link close} to stop the timer.
 */
export class JwksResolver {
  readonly stats: JwksResolverStats = { fetchSuccess: 0, fetchFail: 0, keyChanges: 0 };
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<void>>();
  #view: ReadonlyMap<string, string> = EMPTY;
  #timer: NodeJS.Timeout | undefined;
  #interval: number;
  #lastRefreshFailed = false;
  #refreshing: Promise<boolean> | undefined;
  #closed = false;
  readonly #listeners = new Set<JwksChangeListener>();
  readonly #o: Required<Omit<JwksResolverOptions, 'logger'>> & Pick<JwksResolverOptions, 'logger'>;

  constructor(options: JwksResolverOptions = {}) {
    this.#o = {
      refreshIntervalMs: options.refreshIntervalMs ?? 20 * 60_000,
      refreshIntervalOnFailureMs: options.refreshIntervalOnFailureMs ?? 60_000,
      maxRefreshIntervalOnFailureMs: options.maxRefreshIntervalOnFailureMs ?? 60 * 60_000,
      retryIntervalMs: options.retryIntervalMs ?? 1000,
      refreshRetries: options.refreshRetries ?? 7,
      evictionMs: options.evictionMs ?? 7 * 24 * 3_600_000,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      now: options.now ?? Date.now,
      logger: options.logger,
    };
    this.#interval = this.#o.refreshIntervalMs;
  }

  /** Calls `listener` with the key sets whose keys changed after a background fetch or a refresh (the
   *  push controller pushes the proxies whose RequestAuthentications name them). Returns the unsubscribe. */
  subscribe(listener: JwksChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The resolved key sets by {@link jwksKey}, frozen; a new map object only when one changes (the mesh
   *  snapshot keeps the one it was built with). Unresolved key sets are absent. */
  get keys(): ReadonlyMap<string, string> {
    return this.#view;
  }

  /**
   * Istio GetPublicKey for each of `wanted`: a known key set is marked used; an unknown one is fetched
   * once, without retry, within its timeout. Returns undefined when nothing had to be fetched, else a
   * promise that settles (never rejects) when every fetch is done. A failed fetch leaves the key set
   * unresolved and is retried in the background ({@link refresh} of the missing ones).
   */
  resolve(wanted: readonly JwksRequest[]): Promise<void> | undefined {
    const now = this.#o.now();
    const pending: Promise<void>[] = [];
    for (const w of wanted) {
      const key = jwksKey(w.issuer, w.jwksUri);
      const entry = this.#entries.get(key);
      if (entry) {
        entry.lastUsed = Math.max(entry.lastUsed, now);
        entry.timeoutMs = w.timeoutMs;
        continue;
      }
      let inflight = this.#inflight.get(key);
      if (!inflight) {
        inflight = this.#fetchFirst(w).finally(() => this.#inflight.delete(key));
        this.#inflight.set(key, inflight);
      }
      pending.push(inflight);
    }
    return pending.length === 0 ? undefined : Promise.all(pending).then(() => undefined);
  }

  /** The main-flow fetch of a new key set: stored whatever the outcome (Istio stores '' on failure and
   *  retries in the background). */
  async #fetchFirst(w: JwksRequest): Promise<void> {
    let pubKey = '';
    try {
      pubKey = await this.#fetchKeys(w, 0, w.timeoutMs);
    } catch (e) {
      this.#o.logger?.warn({ issuer: w.issuer, jwksUri: w.jwksUri, err: messageOf(e), code: 'WEFT_WARN_JWKS_FETCH' }, `fetching the JWKS of issuer "${w.issuer}" failed; tokens of this issuer are refused until it succeeds`);
    }
    if (this.#closed) return;
    const now = this.#o.now();
    this.#entries.set(jwksKey(w.issuer, w.jwksUri), { issuer: w.issuer, jwksUri: w.jwksUri, pubKey, lastRefreshed: now, lastUsed: now, timeoutMs: w.timeoutMs });
    this.#publish();
    this.#schedule();
    // Istio's jwksuriChannel: retry the missing ones now, in the background, with the refresh flow's retries.
    if (pubKey === '') void this.refresh(true);
  }

  /**
   * Istio refresh(): refetches every entry (with retries), or with `onlyMissing` only those never
   * fetched successfully. Drops entries unused or not refreshed for `evictionMs`. Reports the key sets
   * whose keys changed (compared as Istio compareJWKSResponse: by `keys`, ordered by `kid`) to the
   * {@link subscribe}rs. Returns whether any fetch failed. Runs on the resolver's timer; tests call it directly.
   */
  refresh(onlyMissing = false): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      const now = this.#o.now();
      const changed: JwksRef[] = [];
      let failed = false;
      const jobs: Promise<void>[] = [];
      for (const [key, e] of this.#entries) {
        if (onlyMissing && e.pubKey !== '') continue;
        if (!onlyMissing && (now - e.lastUsed >= this.#o.evictionMs || now - e.lastRefreshed >= this.#o.evictionMs)) {
          this.#o.logger?.info({ issuer: e.issuer, jwksUri: e.jwksUri }, 'dropped a cached JWKS that was not used or refreshed for too long');
          this.#entries.delete(key);
          continue;
        }
        jobs.push(
          (async () => {
            let next: string;
            try {
              next = await this.#fetchKeys(e, this.#o.refreshRetries, e.timeoutMs);
            } catch (err) {
              failed = true;
              this.#o.logger?.warn({ issuer: e.issuer, jwksUri: e.jwksUri, err: messageOf(err), code: 'WEFT_WARN_JWKS_FETCH' }, `refreshing the JWKS of issuer "${e.issuer}" failed`);
              return;
            }
            const verdict = jwksDiffer(e.pubKey, next);
            if (verdict === 'unparseable') {
              failed = true;
              this.#o.logger?.warn({ issuer: e.issuer, jwksUri: e.jwksUri, code: 'WEFT_WARN_JWKS_FETCH' }, `the JWKS of issuer "${e.issuer}" is not JSON; the previous keys stay`);
              return;
            }
            // Still ours (not dropped while fetching): take the keys.
            if (this.#entries.get(key) !== e) return;
            e.pubKey = next;
            e.lastRefreshed = this.#o.now();
            if (verdict) {
              changed.push({ issuer: e.issuer, jwksUri: e.jwksUri });
              this.#o.logger?.info({ issuer: e.issuer, jwksUri: e.jwksUri }, 'JWKS updated');
            }
          })(),
        );
      }
      await Promise.all(jobs);
      if (this.#closed) return failed;
      this.#publish();
      if (changed.length > 0) {
        this.stats.keyChanges++;
        for (const listener of this.#listeners) listener(changed);
      }
      return failed;
    };
    // One refresh at a time; a missing-only retry queued behind a full refresh is covered by it.
    const previous = this.#refreshing ?? Promise.resolve(false);
    const next = previous.then(run, run);
    this.#refreshing = next;
    void next.finally(() => {
      if (this.#refreshing === next) this.#refreshing = undefined;
    });
    return next;
  }

  /** Stops the refresh timer; fetches in flight finish but change nothing. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Rebuilds the public view when the resolved keys differ from it. */
  #publish(): void {
    const next = new Map<string, string>();
    for (const [key, e] of this.#entries) if (e.pubKey !== '') next.set(key, e.pubKey);
    const same = next.size === this.#view.size && [...next].every(([k, v]) => this.#view.get(k) === v);
    if (!same) this.#view = Object.freeze(next);
  }

  /** Arms the periodic refresh (Istio refresher: the interval drops to 1 min after a failure, doubles
   *  while failures go on, up to 60 min, and is reset by a success). */
  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.refresh(false).then((failed) => {
        if (failed) this.#interval = this.#lastRefreshFailed ? Math.min(this.#interval * 2, this.#o.maxRefreshIntervalOnFailureMs) : this.#o.refreshIntervalOnFailureMs;
        else this.#interval = this.#o.refreshIntervalMs;
        this.#lastRefreshFailed = failed;
        if (this.#entries.size > 0) this.#schedule();
      });
    }, this.#interval);
    this.#timer.unref();
  }

  /** The key set of `ref`: GET jwksUri (or the issuer's OpenID discovery document first), 2xx only,
   *  `retries` extra attempts `retryIntervalMs` apart. Throws on failure. */
  async #fetchKeys(ref: JwksRef, retries: number, timeoutMs: number): Promise<string> {
    let uri = ref.jwksUri;
    if (uri === '') {
      if (ref.issuer === '') throw new Error('jwksUri and issuer are both empty');
      const doc = await this.#get(`${ref.issuer.replace(/\/+$/, '')}${OPENID_DISCOVERY_SUFFIX}`, retries, timeoutMs);
      const parsed: unknown = JSON.parse(doc);
      const found = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).jwks_uri : undefined;
      if (typeof found !== 'string') throw new Error(`invalid jwks_uri ${JSON.stringify(found)} in the OpenID discovery configuration`);
      uri = found;
    }
    return this.#get(uri, retries, timeoutMs);
  }

  async #get(uri: string, retries: number, timeoutMs: number): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.#o.fetch(uri, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
        const body = await response.text();
        if (response.status < 200 || response.status >= 300) {
          const message = JSON.stringify(body);
          throw new Error(`status ${response.status}, message ${message.length > 100 ? `${message.slice(0, 100)}(truncated)` : message}`);
        }
        this.stats.fetchSuccess++;
        return body;
      } catch (e) {
        this.stats.fetchFail++;
        if (attempt >= retries || this.#closed) throw e;
        this.#o.logger?.debug({ uri, err: messageOf(e) }, `GET ${uri} failed; retrying in ${this.#o.retryIntervalMs} ms`);
        await new Promise((r) => setTimeout(r, this.#o.retryIntervalMs).unref());
      }
    }
  }
}

/** Istio compareJWKSResponse: false when the same, true when different, 'unparseable' when the new one
 *  is not JSON (the old keys are kept). Keys are compared as JSON after ordering by `kid`. */
export function jwksDiffer(previous: string, next: string): boolean | 'unparseable' {
  if (previous === next) return false;
  let fresh: unknown;
  try {
    fresh = JSON.parse(next);
  } catch {
    return 'unparseable';
  }
  let old: unknown;
  try {
    old = JSON.parse(previous);
  } catch {
    return true;
  }
  const keysOf = (v: unknown): unknown[] | undefined => (typeof v === 'object' && v !== null && Array.isArray((v as { keys?: unknown }).keys) ? [...(v as { keys: unknown[] }).keys] : undefined);
  const a = keysOf(old);
  const b = keysOf(fresh);
  if (!a || !b) return true;
  const kid = (k: unknown): string => (typeof k === 'object' && k !== null && typeof (k as { kid?: unknown }).kid === 'string' ? (k as { kid: string }).kid : '');
  const canonical = (keys: unknown[]): string => JSON.stringify(keys.sort((x, y) => (kid(x) < kid(y) ? -1 : kid(x) > kid(y) ? 1 : 0)).map(sortedKeys));
  return canonical(a) !== canonical(b);
}

/** `v` with object keys in order, so two JSON texts of one value compare equal. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]));
}

const messageOf = (e: unknown): string => (e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e));
