// The peer's workload identity on a mutual TLS connection: the SPIFFE URI SAN of the certificate the
// handshake verified (Istio's `source.principal`), or undefined for plaintext and unverified peers.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { sansOf } from './tls-material.js';

/** The verified peer certificate's first `spiffe://` URI SAN. */
export function spiffePeerOf(socket: Socket | TLSSocket): string | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || tls.authorized !== true || typeof tls.getPeerCertificate !== 'function') return undefined;
  const cert = tls.getPeerCertificate(false);
  if (!cert || typeof cert !== 'object' || typeof cert.subjectaltname !== 'string') return undefined;
  return sansOf(cert.subjectaltname).find((s) => s.type === 'URI' && s.value.startsWith('spiffe://'))?.value;
}
