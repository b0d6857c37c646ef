// What RBAC reads from a downstream connection (Envoy's Network::Connection as the RBAC matchers see
// it): the peer, the destination the client meant, SNI and the peer certificate. Read once per
// connection, and only on chains that have RBAC filters; the engine itself (src/rbac/) never touches
// sockets.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RbacAttributes, RbacPeerCertificate } from '../rbac/index.js';
import type { TcpConnectionContext } from '../tcp/tcp-proxy.js';

/** The connection-level RbacAttributes: shared by every request of an HTTP connection. */
export type RbacConnection = Pick<RbacAttributes, 'directRemoteIp' | 'destinationIp' | 'destinationPort' | 'requestedServerName' | 'peerCertificate'>;

/** Entries of Node's `subjectaltname` (`DNS:a, URI:spiffe://x, IP Address:1.2.3.4`); values that need
 *  it arrive JSON-quoted (`URI:"..."`). */
function altNames(text: string | undefined): { uri: string[]; dns: string[] } {
  const out = { uri: [] as string[], dns: [] as string[] };
  for (const entry of (text ?? '').split(', ')) {
    const colon = entry.indexOf(':');
    if (colon < 0) continue;
    const kind = entry.slice(0, colon);
    let value = entry.slice(colon + 1);
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    if (kind === 'URI') out.uri.push(value);
    else if (kind === 'DNS') out.dns.push(value);
  }
  return out;
}

/** The verified peer certificate of a TLS socket: `{}` when the client sent none (Envoy's `ssl()` is
 *  still set: an `authenticated` principal without a name matches any TLS connection). The subject is
 *  in RFC 2253 order (last RDN first), as Envoy prints it. */
function peerCertificateOf(socket: TLSSocket): RbacPeerCertificate {
  const cert = socket.getPeerX509Certificate?.();
  if (!cert) return {};
  const { uri, dns } = altNames(cert.subjectAltName);
  // Istio's workload certificates have an empty subject (node reports it as undefined).
  const subject = typeof cert.subject === 'string' ? cert.subject : '';
  return { uriSans: uri, dnsSans: dns, subject: subject.split('\n').reverse().join(',') };
}

/**
 * The RBAC view of a connection: direct remote IP = the socket's peer; destination = the original
 * destination when the listener knows it (capture, or a listener bound to the address the client
 * dialled), else the socket's local address; SNI from TLS termination or the TLS inspector; the peer
 * certificate when TLS was terminated (undefined for plaintext: no `authenticated` principal matches).
 */
export function rbacConnectionOf(socket: Socket, context: Pick<TcpConnectionContext, 'originalDestination' | 'serverName'>): RbacConnection {
  const tls = (socket as Partial<TLSSocket>).encrypted === true ? (socket as TLSSocket) : undefined;
  const sni = tls && typeof tls.servername === 'string' ? tls.servername : (context.serverName ?? '');
  return {
    directRemoteIp: socket.remoteAddress,
    destinationIp: context.originalDestination?.host ?? socket.localAddress,
    destinationPort: context.originalDestination?.port ?? socket.localPort,
    requestedServerName: sni,
    ...(tls ? { peerCertificate: peerCertificateOf(tls) } : {}),
  };
}
