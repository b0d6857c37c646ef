// Envoy's x-forwarded-client-cert handling (HCM `forward_client_cert_details` and
// `set_current_client_cert_details`): a header that only proxies of the mesh may vouch for. On a
// connection that is not mutual TLS it is removed in every mode but ALWAYS_FORWARD_ONLY, so a client
// outside the mesh cannot claim an identity; on mutual TLS, APPEND_FORWARD (Istio's sidecar inbound)
// appends this hop's element and SANITIZE_SET (Istio's gateways) replaces the header with it.

import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { HeaderBag } from '../compile/header-mutation.js';
import { sansOf } from '../tls/tls-material.js';

export const XFCC_HEADER = 'x-forwarded-client-cert';

export type XfccMode = 'SANITIZE' | 'FORWARD_ONLY' | 'APPEND_FORWARD' | 'SANITIZE_SET' | 'ALWAYS_FORWARD_ONLY';

/** Which fields of the client certificate this hop's element carries. */
export interface XfccFields {
  readonly subject: boolean;
  readonly cert: boolean;
  readonly chain: boolean;
  readonly dns: boolean;
  readonly uri: boolean;
}

/** An HCM's XFCC policy. */
export interface XfccPolicy {
  readonly mode: XfccMode;
  readonly fields: XfccFields;
}

const MODES = new Set<string>(['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY']);

/** Envoy's default: SANITIZE, no fields. */
export const DEFAULT_XFCC: XfccPolicy = Object.freeze({ mode: 'SANITIZE', fields: Object.freeze({ subject: false, cert: false, chain: false, dns: false, uri: false }) });

const flag = (v: unknown): boolean => v === true || (typeof v === 'object' && v !== null && (v as { value?: unknown }).value === true);

/** The policy of a decoded HCM (`forward_client_cert_details` as an enum name). */
export function xfccPolicyOf(hcm: { readonly forward_client_cert_details?: unknown; readonly set_current_client_cert_details?: unknown }): XfccPolicy {
  const mode = typeof hcm.forward_client_cert_details === 'string' && MODES.has(hcm.forward_client_cert_details) ? (hcm.forward_client_cert_details as XfccMode) : 'SANITIZE';
  const set = (hcm.set_current_client_cert_details ?? {}) as Record<string, unknown>;
  if (mode === 'SANITIZE' && Object.keys(set).length === 0) return DEFAULT_XFCC;
  return { mode, fields: { subject: flag(set.subject), cert: flag(set.cert), chain: flag(set.chain), dns: flag(set.dns), uri: flag(set.uri) } };
}

/**
 * This hop's element for a mutual TLS connection, in Envoy's order (`By`, `Hash`, `Cert`, `Chain`,
 * `Subject`, `URI`, `DNS`), or undefined when the connection is not mutual TLS (no verified client
 * certificate).
 */
export function xfccElementOf(socket: Socket, fields: XfccFields): string | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || tls.authorized !== true || typeof tls.getPeerCertificate !== 'function') return undefined;
  const peer = tls.getPeerCertificate(fields.chain);
  if (!peer || !Buffer.isBuffer(peer.raw)) return undefined;
  const parts: string[] = [];
  const own = tls.getCertificate?.();
  const by = own && typeof own === 'object' && 'subjectaltname' in own ? sansOf(own.subjectaltname).find((s) => s.type === 'URI')?.value : undefined;
  if (by !== undefined) parts.push(`By=${by}`);
  parts.push(`Hash=${createHash('sha256').update(peer.raw).digest('hex')}`);
  if (fields.cert) parts.push(`Cert="${encodeURIComponent(pem(peer.raw))}"`);
  if (fields.chain) {
    let chain = '';
    for (let c: DetailedPeerCertificate | undefined = peer as DetailedPeerCertificate, n = 0; c && Buffer.isBuffer(c.raw) && n < 10; c = c.issuerCertificate === c ? undefined : c.issuerCertificate, n++) chain += pem(c.raw);
    parts.push(`Chain="${encodeURIComponent(chain)}"`);
  }
  const sans = sansOf(peer.subjectaltname);
  if (fields.subject) parts.push(`Subject="${subjectOf(peer.subject)}"`);
  if (fields.uri) for (const s of sans) if (s.type === 'URI') parts.push(`URI=${s.value}`);
  if (fields.dns) for (const s of sans) if (s.type === 'DNS') parts.push(`DNS=${s.value}`);
  return parts.join(';');
}

function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

/** The subject in RFC 2253 order (`CN=a,O=b`), as Envoy prints it; '' for an empty subject. */
function subjectOf(subject: unknown): string {
  if (subject === null || typeof subject !== 'object') return '';
  const rdns = Object.entries(subject as Record<string, string | string[]>).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}=${x}`) : [`${k}=${v}`]));
  return rdns.reverse().join(',').replace(/"/g, '\\"');
}

/** Applies `policy` to a request's headers; `element` is the connection's (undefined: not mutual TLS). */
export function applyXfcc(policy: XfccPolicy, headers: HeaderBag, element: string | undefined): void {
  const mode = policy.mode;
  if (mode === 'ALWAYS_FORWARD_ONLY') return;
  if (element === undefined || mode === 'SANITIZE') {
    if (headers[XFCC_HEADER] !== undefined) delete headers[XFCC_HEADER];
    return;
  }
  if (mode === 'SANITIZE_SET') headers[XFCC_HEADER] = element;
  else if (mode === 'APPEND_FORWARD') {
    const current = headers[XFCC_HEADER];
    const prior = Array.isArray(current) ? current.join(',') : current;
    headers[XFCC_HEADER] = prior === undefined || prior === '' ? element : `${prior},${element}`;
  }
  // FORWARD_ONLY on mutual TLS: as received.
}
