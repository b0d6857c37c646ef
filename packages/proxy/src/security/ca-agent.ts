// The proxy's agent (Istio's pilot-agent SDS side): a fresh key and CSR, signed by weftd's CA over
// CreateCertificate, kept in the secret store as `default` (chain and key) and `ROOTCA` (roots), and
// renewed at half its remaining lifetime so that a rotation never leaves a connection without a valid
// certificate. The first request authenticates with the workload's token; a renewal with the token when
// there is one, else with the current certificate. Failures are retried with backoff and logged; the
// data path keeps the certificate it has.

import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createCsr, formatSpiffeId, requestCertificate, splitPemCertificates, type CaCredentials, type WorkloadIdentity } from '@weft/shared/ca';
import type { Logger } from '../log/logger.js';
import type { SecretStore, WorkloadCertificate } from './secret-store.js';

/** Settings of {@link startCaAgent}. */
export interface CaAgentOptions {
  /** `host:port` of the CA. */
  readonly address: string;
  /** PEM trust anchor(s) of the CA's serving certificate; also the mesh roots until a chain brings its own. */
  readonly rootCertPem: string;
  /** Where `rootCertPem` came from: read again before every request, so a root rotation (the file
   *  holding the old and the new root, as Istio's istio-ca-root-cert does during one) reaches the
   *  trust bundle with the next renewal. */
  readonly rootCertFile?: string;
  /** File with the bearer token ('' for none). Read for every request. */
  readonly tokenFile: string;
  readonly identity: WorkloadIdentity;
  /** Lifetime asked for (ms). */
  readonly ttlMs: number;
  readonly store: SecretStore;
  readonly logger: Logger;
  /** Share of the lifetime after which the certificate is renewed (Istio's SECRET_GRACE_PERIOD_RATIO
   *  leaves half: 0.5). */
  readonly renewAt?: number;
  /** Retry backoff after a failed request (tests shorten it). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** What the agent did, for the admin API and tests. */
export interface CaAgentStats {
  readonly issued: number;
  readonly failures: number;
  readonly lastError: string | undefined;
  readonly identity: string;
  /** Expiry of the current certificate (ms since epoch), 0 when there is none. */
  readonly notAfter: number;
}

/** A running agent. */
export interface CaAgent {
  /** Resolves when the first certificate is in the store (never rejects: it keeps retrying). */
  readonly ready: Promise<void>;
  stats(): CaAgentStats;
  /** Renews now (tests, and an operator's nudge); resolves when this attempt is over. */
  renew(): Promise<boolean>;
  close(): void;
}

/** setTimeout's largest delay (2^31 − 1 ms); longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/** Starts getting and renewing the workload certificate. */
export function startCaAgent(options: CaAgentOptions): CaAgent {
  const { store, logger } = options;
  const identity = formatSpiffeId(options.identity);
  const renewAt = options.renewAt ?? 0.5;
  const backoff = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
  let issued = 0;
  let failures = 0;
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let delayOnFailure = backoff.initialMs;
  let inFlight: Promise<boolean> | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const credentials = (): CaCredentials | undefined => {
    if (options.tokenFile !== '') {
      try {
        const token = readFileSync(options.tokenFile, 'utf8').trim();
        if (token !== '') return { token };
      } catch (e) {
        lastError = `cannot read token file ${options.tokenFile}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const current = store.certificate();
    return current ? { certChainPem: current.certChainPem, privateKeyPem: current.privateKeyPem } : undefined;
  };

  /** The CA's trust anchors now: the file's current content, else what was given at start. */
  const anchors = (): string => {
    if (options.rootCertFile === undefined) return options.rootCertPem;
    try {
      const text = readFileSync(options.rootCertFile, 'utf8');
      return text.includes('BEGIN CERTIFICATE') ? text : options.rootCertPem;
    } catch {
      return options.rootCertPem;
    }
  };

  const attempt = async (): Promise<boolean> => {
    const creds = credentials();
    const rootCertPem = anchors();
    if (!creds) {
      lastError ??= 'no token file and no certificate to renew with';
      return false;
    }
    const csr = createCsr(options.identity);
    const result = await requestCertificate(options.address, creds, csr.csrPem, Math.round(options.ttlMs / 1000), { rootCertPem });
    if (!result.ok) {
      lastError = `CA answered ${result.code}: ${result.message}`;
      return false;
    }
    const pems = result.certChain.flatMap((c) => splitPemCertificates(c));
    const leafPem = pems[0];
    if (leafPem === undefined) {
      lastError = 'CA returned an empty chain';
      return false;
    }
    const leaf = new X509Certificate(leafPem);
    // The chain ends with the root: it joins the roots (ROOTCA) and is not sent in handshakes.
    const root = pems.length > 1 ? pems[pems.length - 1] : undefined;
    const chain = pems.length > 1 ? pems.slice(0, -1) : pems;
    // The trust bundle: every anchor of the root file (old and new during a root rotation) and the
    // chain's own root, so peers with certificates of either root keep verifying.
    const roots = [...new Set([...splitPemCertificates(rootCertPem), ...(root ? [root] : [])].map((p) => p.trim()))].join('\n');
    const certificate: WorkloadCertificate = { certChainPem: chain.join('\n'), privateKeyPem: csr.privateKeyPem, notAfter: Date.parse(leaf.validTo), identity };
    store.set(certificate, `${roots}\n`);
    issued++;
    lastError = undefined;
    // Renewed after `renewAt` of the lifetime it has from now: a CA backdates notBefore for clock skew
    // (Istio's by 2 minutes), which must not eat into a short lifetime.
    const now = Date.now();
    logger.info('workload certificate issued', { identity, not_after: leaf.validTo, serial: leaf.serialNumber });
    schedule((certificate.notAfter - now) * renewAt);
    delayOnFailure = backoff.initialMs;
    return true;
  };

  const run = (): Promise<boolean> => {
    if (closed) return Promise.resolve(false);
    inFlight ??= attempt()
      .catch((e: unknown) => {
        lastError = e instanceof Error ? e.message : String(e);
        return false;
      })
      .then((ok) => {
        inFlight = undefined;
        if (ok) markReady();
        else if (!closed) {
          failures++;
          logger.warn('workload certificate request failed; retrying', { identity, error: lastError, retry_in_ms: delayOnFailure });
          schedule(delayOnFailure);
          delayOnFailure = Math.min(delayOnFailure * 2, backoff.maxMs);
        }
        return ok;
      });
    return inFlight;
  };

  function schedule(delayMs: number): void {
    clearTimeout(timer);
    if (closed) return;
    const wait = Math.max(0, delayMs);
    timer = setTimeout(() => void (wait > MAX_TIMER_MS ? schedule(wait - MAX_TIMER_MS) : run()), Math.min(wait, MAX_TIMER_MS));
    timer.unref();
  }

  void run();
  return {
    ready,
    stats: () => ({ issued, failures, lastError, identity, notAfter: store.certificate()?.notAfter ?? 0 }),
    renew: () => run(),
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
