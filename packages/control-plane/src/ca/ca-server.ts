// The CA's gRPC server (Istio's security/pkg/server/ca, on istiod's port 15012): serves
// istio.v1.auth.IstioCertificateService over TLS with a serving certificate the CA issues itself and
// renews at half-life; asks for, but does not require, client certificates (renewals present one,
// bootstrap calls a token). Authenticates, signs, counts, answers in Istio's status codes.

import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { caServiceDefinition, formatSpiffeId, type IstioCertificateRequest, type IstioCertificateResponse } from '@weft/shared/ca';
import { structToPlain } from '@weft/shared/xds';
import type { Logger } from 'pino';
import { authenticateCaller } from './authenticate-caller.js';
import type { CitadelMetrics } from './ca-metrics.js';
import type { CertificateAuthority, ServingCertificate } from './certificate-authority.js';
import type { WorkloadTokenStore } from './workload-tokens.js';

/** Istio's security.ImpersonatedIdentity metadata key: only trusted node agents may use it
 *  (CA_TRUSTED_NODE_ACCOUNTS); weftd trusts none, so a request carrying it is refused, as Istio does
 *  without that setting. */
const IMPERSONATED_IDENTITY = 'ImpersonatedIdentity';

/** A gRPC status the handler rejects with. */
interface StatusRejection {
  readonly code: status;
  readonly details: string;
}

const rejection = (code: status, details: string): StatusRejection => ({ code, details });
const isStatus = (e: unknown): e is StatusRejection => typeof e === 'object' && e !== null && typeof (e as StatusRejection).code === 'number' && typeof (e as StatusRejection).details === 'string';

/** Settings of {@link CaServer}. */
export interface CaServerOptions {
  readonly ca: CertificateAuthority;
  readonly trustDomain: string;
  /** Bootstrap tokens; undefined: only client-certificate (renewal) callers are accepted. */
  readonly tokens: WorkloadTokenStore | undefined;
  readonly metrics: CitadelMetrics;
  readonly logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Names of the serving certificate. */
  readonly servingNames: { readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
  /** How long {@link CaServer.close} waits for calls to end. Default 2000 ms. */
  readonly shutdownGraceMs?: number;
}

/**
 * TLS server credentials that request a client certificate without requiring one (Node's
 * `requestCert: true, rejectUnauthorized: false`): grpc-js then reports a peer certificate only when it
 * verified against the CA's roots. The serving certificate can be replaced while serving.
 */
class OptionalClientCertCredentials extends ServerCredentials {
  constructor(rootCertPem: string, serving: ServingCertificate) {
    super({ requestCert: true, rejectUnauthorized: false }, OptionalClientCertCredentials.contextOf(rootCertPem, serving));
  }

  static contextOf(rootCertPem: string, serving: ServingCertificate) {
    return { ca: Buffer.from(rootCertPem), cert: Buffer.from(serving.certChainPem), key: Buffer.from(serving.privateKeyPem) };
  }

  /** Hands a new serving certificate to the listening server (new handshakes use it). */
  replace(rootCertPem: string, serving: ServingCertificate): void {
    this.updateSecureContextOptions(OptionalClientCertCredentials.contextOf(rootCertPem, serving));
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

/** The CA server. */
export class CaServer {
  private server: Server | undefined;
  private credentials: OptionalClientCertCredentials | undefined;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CaServerOptions) {}

  /** Issues the serving certificate and listens on `host:port` (0: a free port); resolves to the port. */
  async listen(port: number, host: string): Promise<number> {
    if (this.server) throw new Error('CaServer.listen called twice');
    const serving = this.options.ca.issueServingCertificate(this.options.servingNames);
    this.credentials = new OptionalClientCertCredentials(this.options.ca.rootCertPem, serving);
    const server = new Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000 });
    server.addService(caServiceDefinition(), {
      CreateCertificate: (call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>, callback: sendUnaryData<IstioCertificateResponse>) => {
        this.createCertificate(call).then(
          (response) => callback(null, response),
          (error: unknown) => {
            if (isStatus(error)) return callback(error);
            // Not a refusal but a failure of ours (the token store could not be read, a bug).
            this.options.logger.error({ err: error, peer: call.getPeer() }, 'CA request failed');
            callback({ code: status.INTERNAL, details: 'internal error' });
          },
        );
      },
    });
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const bound = await new Promise<number>((resolve, reject) => server.bindAsync(address, this.credentials!, (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
    this.scheduleRenewal(serving);
    return bound;
  }

  /** Stops accepting calls; cuts those still open after the grace period. Idempotent. */
  async close(): Promise<void> {
    clearTimeout(this.renewTimer);
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, this.options.shutdownGraceMs ?? 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Issues a new serving certificate and hands it to the listening server (new handshakes get it).
   *  Runs by itself at half the certificate's life, like istiod renews its DNS certificate. */
  renewServingCertificate(): ServingCertificate {
    const next = this.options.ca.issueServingCertificate(this.options.servingNames);
    this.credentials?.replace(this.options.ca.rootCertPem, next);
    return next;
  }

  private scheduleRenewal(serving: ServingCertificate): void {
    const delay = Math.max(60_000, (serving.notAfter.getTime() - Date.now()) / 2);
    this.renewTimer = setTimeout(() => {
      try {
        const next = this.renewServingCertificate();
        this.options.logger.info({ notAfter: next.notAfter.toISOString() }, 'CA serving certificate renewed');
        this.scheduleRenewal(next);
      } catch (e) {
        this.options.logger.error({ err: e }, 'CA serving certificate renewal failed; retrying in a minute');
        this.scheduleRenewal({ ...serving, notAfter: new Date(Date.now() + 120_000) });
      }
    }, Math.min(delay, 2 ** 31 - 1));
    this.renewTimer.unref();
  }

  /** Istio's Server.CreateCertificate: count, authenticate, refuse impersonation, sign, answer. Rejects
   *  with a {@link StatusRejection} for the gRPC status, or anything else for INTERNAL. */
  private async createCertificate(call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>): Promise<IstioCertificateResponse> {
    const { metrics, logger } = this.options;
    metrics.csrCount.inc();
    const peer = call.getPeer();
    const authn = await authenticateCaller(call, { trustDomain: this.options.trustDomain, tokens: this.options.tokens });
    if (!authn.ok) {
      metrics.authenticationFailures.inc();
      logger.warn({ peer, reason: authn.reason }, 'CA request authentication failure');
      throw rejection(status.UNAUTHENTICATED, 'request authenticate failure');
    }
    const request = call.request;
    const impersonated = structToPlain(request.metadata)[IMPERSONATED_IDENTITY];
    if (typeof impersonated === 'string' && impersonated !== '') {
      metrics.authenticationFailures.inc();
      logger.warn({ peer, caller: formatSpiffeId(authn.caller.identity), impersonated }, 'CA impersonation refused: no trusted node accounts');
      throw rejection(status.UNAUTHENTICATED, 'request impersonation authentication failure');
    }
    const signed = this.options.ca.sign(request.csr, authn.caller.identity, request.validity_duration);
    if (!signed.ok) {
      if (signed.error === 'CSR_ERROR') metrics.csrParsingErrors.inc();
      metrics.csrSignErrors.inc({ error: signed.error });
      logger.warn({ peer, caller: formatSpiffeId(authn.caller.identity), error: signed.error, message: signed.message }, 'CSR signing error');
      // Istio's caerror.HTTPErrorCode: CSR and TTL errors are the caller's, generation errors ours.
      throw rejection(signed.error === 'CERT_GEN_ERROR' ? status.INTERNAL : status.INVALID_ARGUMENT, `CSR signing error (${signed.message})`);
    }
    metrics.successCertIssuance.inc();
    logger.debug({ peer, identity: formatSpiffeId(authn.caller.identity), source: authn.caller.source, notAfter: signed.notAfter.toISOString() }, 'certificate issued');
    return { cert_chain: [...signed.certChain] };
  }
}
