// The CA's Prometheus metrics under Istio's citadel_server_* names and help texts
// (security/pkg/server/ca/monitoring.go), registered in weftd's registry so they appear on the same
// /metrics. Definitions and the expiry bookkeeping only; the CA server counts.

import { Counter, Gauge, type Registry } from 'prom-client';
import { rootExpiryOf, type CaBundle } from './ca-bundle.js';
import type { SignErrorType } from './certificate-authority.js';

/** The CA's metrics. Counters are Istio's Sums (no `_total` suffix, as istiod exports them). */
export interface CitadelMetrics {
  /** Every CreateCertificate call. */
  readonly csrCount: Counter;
  /** Calls that could not be authenticated (and impersonation attempts). */
  readonly authenticationFailures: Counter;
  /** CSRs that did not parse or verify. */
  readonly csrParsingErrors: Counter;
  /** Signing failures by Istio's error type (CSR_ERROR, TTL_ERROR, CERT_GEN_ERROR). */
  readonly csrSignErrors: Counter<'error'>;
  readonly successCertIssuance: Counter;
  /** Sets the expiry gauges from the bundle in force. */
  recordCertsExpiry(bundle: CaBundle): void;
}

/** Creates the CA metrics in `registry`. */
export function createCitadelMetrics(registry: Registry): CitadelMetrics {
  const registers = [registry];
  const counter = (name: string, help: string) => new Counter({ name, help, registers });
  let rootExpiry: number | undefined;
  let chainExpiry: number | undefined;
  const rootTimestamp = new Gauge({
    name: 'citadel_server_root_cert_expiry_timestamp',
    help: 'The unix timestamp, in seconds, when Citadel root cert will expire. A negative time indicates the cert is expired.',
    registers,
  });
  const chainTimestamp = new Gauge({
    name: 'citadel_server_cert_chain_expiry_timestamp',
    help: 'The unix timestamp, in seconds, when Citadel cert chain will expire. A negative time indicates the cert is expired.',
    registers,
  });
  // The *_seconds gauges count down: computed at each scrape.
  new Gauge({
    name: 'citadel_server_root_cert_expiry_seconds',
    help: 'The time remaining, in seconds, before the root cert will expire. A negative value indicates the cert is expired.',
    registers,
    collect() {
      if (rootExpiry !== undefined) this.set(rootExpiry - Date.now() / 1000);
    },
  });
  new Gauge({
    name: 'citadel_server_cert_chain_expiry_seconds',
    help: 'The time remaining, in seconds, before the cert chain will expire. A negative value indicates the cert is expired.',
    registers,
    collect() {
      if (chainExpiry !== undefined) this.set(chainExpiry - Date.now() / 1000);
    },
  });
  const csrSignErrors = new Counter<'error'>({ name: 'citadel_server_csr_sign_err_count', help: 'The number of errors occurred when signing the CSR.', labelNames: ['error'], registers });
  for (const error of ['CSR_ERROR', 'TTL_ERROR', 'CERT_GEN_ERROR'] satisfies SignErrorType[]) csrSignErrors.inc({ error }, 0);
  return {
    csrCount: counter('citadel_server_csr_count', 'The number of CSRs received by Citadel server.'),
    authenticationFailures: counter('citadel_server_authentication_failure_count', 'The number of authentication failures.'),
    csrParsingErrors: counter('citadel_server_csr_parsing_err_count', 'The number of errors occurred when parsing the CSR.'),
    csrSignErrors,
    successCertIssuance: counter('citadel_server_success_cert_issuance_count', 'The number of certificates issuances that have succeeded.'),
    recordCertsExpiry(bundle) {
      rootExpiry = rootExpiryOf(bundle).getTime() / 1000;
      // Istio reads the signing (ca-cert) certificate's expiry; for a self-signed CA that is the root.
      chainExpiry = new Date(bundle.signingCert.validTo).getTime() / 1000;
      rootTimestamp.set(rootExpiry);
      chainTimestamp.set(chainExpiry);
    },
  };
}
