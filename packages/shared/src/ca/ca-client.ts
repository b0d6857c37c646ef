// The workload side of the CA signing API: a gRPC client over TLS that sends a CSR with the caller's
// credentials (a bearer token, or the current certificate for renewal) and returns the chain. It does
// not create keys (create-csr.ts) nor decide when to renew (the proxy's agent will).

import { Client, Metadata, credentials as grpcCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { plainToStruct } from '../xds/struct.js';
import { caServiceDefinition, type IstioCertificateRequest, type IstioCertificateResponse } from './ca-service.js';

/** How a workload proves who it is: a bootstrap token (`authorization: Bearer <token>`), or the
 *  certificate the same CA issued it before (mutual TLS; renewal). */
export type CaCredentials = { readonly token: string } | { readonly certChainPem: string; readonly privateKeyPem: string };

/** TLS and call settings. */
export interface CaClientOptions {
  /** PEM trust anchor(s) the CA's serving certificate must chain to (weftd's `root-cert.pem`). */
  readonly rootCertPem: string;
  /** Name the serving certificate must carry; default: the host of the address (an IP SAN for an
   *  address such as 127.0.0.1). weftd's serving certificate also carries `istiod.<ns>.svc` and `localhost`. */
  readonly serverName?: string;
  /** Deadline of each call. Default 10 s. */
  readonly timeoutMs?: number;
}

/** The outcome of a signing call: the chain (one PEM certificate per element, leaf first, root last),
 *  or the gRPC status the CA answered with (UNAUTHENTICATED, INVALID_ARGUMENT, UNAVAILABLE, ...). */
export type CertificateResult =
  | { readonly ok: true; readonly certChain: readonly string[] }
  | { readonly ok: false; readonly code: status; readonly message: string };

/** A connection to one CA; calls share it. */
export interface CaClient {
  /**
   * Asks the CA to sign `csrPem` for `ttlSeconds` (0 or absent: the CA's default; more than its maximum
   * is refused with INVALID_ARGUMENT, as Istio does). `metadata` goes into the request's `metadata`
   * Struct. Never rejects: failures are results.
   */
  requestCertificate(csrPem: string, ttlSeconds?: number, metadata?: Readonly<Record<string, unknown>>): Promise<CertificateResult>;
  /** Closes the connection; pending calls end with CANCELLED or UNAVAILABLE. */
  close(): void;
}

/** Opens (lazily, on the first call) a TLS connection to the CA at `address` (`host:port`). */
export function createCaClient(address: string, credentials: CaCredentials, options: CaClientOptions): CaClient {
  const method = caServiceDefinition().CreateCertificate;
  const channelCredentials =
    'token' in credentials
      ? grpcCredentials.createSsl(Buffer.from(options.rootCertPem))
      : grpcCredentials.createSsl(Buffer.from(options.rootCertPem), Buffer.from(credentials.privateKeyPem), Buffer.from(credentials.certChainPem));
  const channelOptions = options.serverName ? { 'grpc.ssl_target_name_override': options.serverName, 'grpc.default_authority': options.serverName } : {};
  const client = new Client(address, channelCredentials, channelOptions);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    requestCertificate(csrPem, ttlSeconds = 0, metadata) {
      const request: IstioCertificateRequest = { csr: csrPem, validity_duration: Math.max(0, Math.floor(ttlSeconds)), ...(metadata ? { metadata: plainToStruct(metadata) } : {}) };
      const callMetadata = new Metadata();
      if ('token' in credentials) callMetadata.set('authorization', `Bearer ${credentials.token}`);
      return new Promise<CertificateResult>((resolve) => {
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          callMetadata,
          { deadline: Date.now() + timeoutMs },
          (error: ServiceError | null, response?: IstioCertificateResponse) => {
            if (error) resolve({ ok: false, code: error.code, message: error.details || error.message });
            else resolve({ ok: true, certChain: response?.cert_chain ?? [] });
          },
        );
      });
    },
    close: () => client.close(),
  };
}

/** One signing call on a connection of its own (opened and closed here); see {@link CaClient.requestCertificate}. */
export async function requestCertificate(
  address: string,
  credentials: CaCredentials,
  csrPem: string,
  ttlSeconds: number,
  options: CaClientOptions,
): Promise<CertificateResult> {
  const client = createCaClient(address, credentials, options);
  try {
    return await client.requestCertificate(csrPem, ttlSeconds);
  } finally {
    client.close();
  }
}
