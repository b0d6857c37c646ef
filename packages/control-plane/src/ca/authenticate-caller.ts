// Who is calling the CA (Istio's security.Authenticate over its authenticators, in Istio's order):
// first a client certificate the TLS handshake verified against the CA's roots (renewal; Istio's
// ClientCertAuthenticator), then a bootstrap token in `authorization: Bearer <token>` (standing in for
// Istio's Kubernetes JWT authenticator). The identity comes from there and nowhere else.

import { X509Certificate } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { workloadIdentitiesOf, type WorkloadIdentity } from '@weft/shared/ca';
import type { WorkloadTokenStore } from './workload-tokens.js';

/** An authenticated caller. */
export interface Caller {
  readonly identity: WorkloadIdentity;
  /** How it proved it: Istio's AuthSourceClientCertificate / AuthSourceIDToken. */
  readonly source: 'client-certificate' | 'token';
}

/** The caller, or why none could be established (logged, never sent: the client only learns
 *  UNAUTHENTICATED, as Istio answers). */
export type AuthenticationResult = { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly reason: string };

/** The parts of a gRPC server call authentication reads. */
export interface AuthenticatedCall {
  readonly metadata: Metadata;
  /** grpc-js: the peer certificate only when the handshake verified it (`socket.authorized`). */
  getAuthContext(): { readonly sslPeerCertificate?: { readonly raw: Buffer } } | null;
}

/** What the authenticators need. */
export interface AuthenticatorOptions {
  readonly trustDomain: string;
  /** Bootstrap tokens; undefined: token authentication is off (only renewals). */
  readonly tokens: WorkloadTokenStore | undefined;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Authenticates a call: a verified client certificate with exactly one SPIFFE identity in the trust
 *  domain, else a known bearer token. Rejects only on token-store I/O errors. */
export async function authenticateCaller(call: AuthenticatedCall, options: AuthenticatorOptions): Promise<AuthenticationResult> {
  const reasons: string[] = [];
  const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
  if (raw) {
    try {
      const ids = workloadIdentitiesOf(new X509Certificate(raw), options.trustDomain);
      if (ids.length === 1) return { ok: true, caller: { identity: ids[0]!, source: 'client-certificate' } };
      reasons.push(`client certificate has ${ids.length} SPIFFE identities in trust domain ${options.trustDomain} (exactly one is needed)`);
    } catch (e) {
      reasons.push(`client certificate does not parse: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else reasons.push('no verified client certificate');

  const header = call.metadata.get('authorization')[0];
  if (typeof header === 'string' && header !== '') {
    const token = BEARER.exec(header)?.[1];
    if (!token) reasons.push('authorization metadata is not "Bearer <token>"');
    else if (!options.tokens) reasons.push('bearer tokens are not accepted (weftd has no --ca-dir)');
    else {
      const subject = await options.tokens.lookup(token);
      if (subject) return { ok: true, caller: { identity: { trustDomain: options.trustDomain, ...subject }, source: 'token' } };
      reasons.push('unknown or revoked bearer token');
    }
  } else reasons.push('no bearer token');
  return { ok: false, reason: reasons.join('; ') };
}
