// Reading certificates the CA hands out: splitting PEM bundles into single certificates and finding
// the SPIFFE identity in a certificate's URI SANs. Parsing is node:crypto's X509Certificate.

import { X509Certificate } from 'node:crypto';
import { parseSpiffeId, type WorkloadIdentity } from './spiffe-id.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?\r?\n-----END CERTIFICATE-----/g;

/** Every `CERTIFICATE` block of a PEM text, in order, each normalised to end with one newline (other
 *  block types and text between blocks are dropped). */
export function splitPemCertificates(pem: string): string[] {
  return [...pem.matchAll(PEM_CERTIFICATE)].map((m) => `${m[0].replace(/\r\n/g, '\n')}\n`);
}

/**
 * The entries of a certificate's subject alternative name extension, as node:crypto renders them
 * (`URI:spiffe://...`, `DNS:localhost`, `IP Address:127.0.0.1`); a value Node quoted because it holds
 * a comma or a quote is unquoted. Empty without the extension.
 */
export function subjectAltNamesOf(cert: X509Certificate): { readonly type: string; readonly value: string }[] {
  const text = cert.subjectAltName;
  if (!text) return [];
  const out: { type: string; value: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon).trim();
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      // JSON string literal (Node ≥ 17 quotes values with special characters).
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      next = text.indexOf(',', end + 1);
    } else {
      next = text.indexOf(', ', colon + 1);
      value = text.slice(colon + 1, next < 0 ? text.length : next);
    }
    out.push({ type, value });
    if (next < 0) break;
    i = next + (text[next + 1] === ' ' ? 2 : 1);
  }
  return out;
}

/** The SPIFFE identities (`spiffe://td/ns/x/sa/y` URI SANs) of a certificate, optionally only those of
 *  one trust domain. */
export function workloadIdentitiesOf(cert: X509Certificate, trustDomain?: string): WorkloadIdentity[] {
  const ids: WorkloadIdentity[] = [];
  for (const san of subjectAltNamesOf(cert)) {
    if (san.type !== 'URI') continue;
    const id = parseSpiffeId(san.value);
    if (id && (trustDomain === undefined || id.trustDomain === trustDomain)) ids.push(id);
  }
  return ids;
}

/** Parses the first certificate of a PEM text; undefined when there is none or it does not parse. */
export function parseCertificatePem(pem: string): X509Certificate | undefined {
  const first = splitPemCertificates(pem)[0];
  if (!first) return undefined;
  try {
    return new X509Certificate(first);
  } catch {
    return undefined;
  }
}
