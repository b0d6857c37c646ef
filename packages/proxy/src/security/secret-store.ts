// The workload's TLS secrets under the names Istio's agent serves them to Envoy over SDS: `default`
// (the workload certificate chain and its key) and `ROOTCA` (the trust bundle). weft-proxy's agent
// (ca-agent.ts) writes them; TLS contexts that name them by SDS (tls-material.ts) read them. There is
// no SDS server: the agent and the data plane share the process, so the names resolve here.

/** SDS name of the workload certificate (Istio's `default`). */
export const WORKLOAD_CERT_SECRET = 'default';
/** SDS name of the mesh trust bundle (Istio's `ROOTCA`). */
export const ROOT_CA_SECRET = 'ROOTCA';

/** A workload certificate: PEM chain (leaf first), PEM key, and when the leaf expires (ms since epoch). */
export interface WorkloadCertificate {
  readonly certChainPem: string;
  readonly privateKeyPem: string;
  readonly notAfter: number;
  /** The leaf's SPIFFE URI SAN. */
  readonly identity: string;
}

/** The secrets of one proxy. `version` changes with every update, so contexts built from them can be
 *  rebuilt lazily. */
export class SecretStore {
  #certificate: WorkloadCertificate | undefined = undefined;
  #roots: string | undefined = undefined;
  #version = 0;
  readonly #listeners = new Set<() => void>();

  get version(): number {
    return this.#version;
  }

  certificate(): WorkloadCertificate | undefined {
    return this.#certificate;
  }

  /** PEM trust anchors, undefined until known. */
  roots(): string | undefined {
    return this.#roots;
  }

  /** Whether `name` (an SDS secret name) is one this store serves. */
  static serves(name: string): boolean {
    return name === WORKLOAD_CERT_SECRET || name === ROOT_CA_SECRET;
  }

  set(certificate: WorkloadCertificate | undefined, roots: string | undefined): void {
    this.#certificate = certificate;
    this.#roots = roots;
    this.#version++;
    for (const l of this.#listeners) l();
  }

  /** Calls `listener` after every update; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The process's secrets: one proxy per process, one identity. */
export const workloadSecrets = new SecretStore();
