// DestinationRule tls → a cluster's upstream transport_socket for SIMPLE and MUTUAL TLS with files
// on disk. ISTIO_MUTUAL (mesh certificates over SDS) belongs to the security milestone: it emits no
// transport socket yet, so such clusters speak plaintext, like DISABLE. credentialName (SDS) too.

import type { ClientTLSSettings } from '@weft/shared';
import { TYPE_URL } from '@weft/shared/xds';

/**
 * The transport_socket for `tls`, or undefined for DISABLE, ISTIO_MUTUAL (not yet: see the file
 * header) or no settings. SIMPLE verifies the server with caCertificates (else the system roots,
 * unless insecureSkipVerify), its subjectAltNames (URI for `spiffe://`, else DNS) and caCrl; MUTUAL
 * adds clientCertificate + privateKey. SNI is `tls.sni`, else the service host when it is not a
 * wildcard (Istio leaves it to auto-SNI from the request's Host; a fixed SNI is the plain
 * equivalent for TCP and HTTP alike). `h2` clusters advertise ALPN h2.
 */
export function upstreamTlsSocket(tls: ClientTLSSettings | undefined, host: string, http2: boolean): Record<string, unknown> | undefined {
  if (!tls || (tls.mode !== 'SIMPLE' && tls.mode !== 'MUTUAL')) return undefined;
  const validation: Record<string, unknown> = {};
  if (!tls.insecureSkipVerify) {
    if (tls.caCertificates) validation.trusted_ca = { filename: tls.caCertificates };
    else validation.system_root_certs = {};
    if (tls.subjectAltNames?.length) {
      validation.match_typed_subject_alt_names = tls.subjectAltNames.map((san) => ({ san_type: san.startsWith('spiffe://') ? 'URI' : 'DNS', matcher: { exact: san } }));
    }
    if (tls.caCrl) validation.crl = { filename: tls.caCrl };
  }
  const common: Record<string, unknown> = {};
  if (tls.mode === 'MUTUAL' && tls.clientCertificate && tls.privateKey) {
    common.tls_certificates = [{ certificate_chain: { filename: tls.clientCertificate }, private_key: { filename: tls.privateKey } }];
  }
  if (Object.keys(validation).length > 0) common.validation_context = validation;
  if (http2) common.alpn_protocols = ['h2'];
  const sni = tls.sni ?? (host.startsWith('*') ? undefined : host);
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': TYPE_URL.UPSTREAM_TLS_CONTEXT, common_tls_context: common, ...(sni ? { sni } : {}) },
  };
}
