// The gRPC service definition of istio.v1.auth.IstioCertificateService (Istio's CA signing API), built
// from Weft's own copy of the proto (protos/istio/v1/auth/ca.proto), and its two messages. weftd serves
// it, workload agents call it; neither side's logic lives here.

import { fileURLToPath } from 'node:url';
import type { MethodDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { Root } from 'protobufjs';
import type { StructMessage } from '../xds/struct.js';

/** Full gRPC path of the signing method. */
export const CREATE_CERTIFICATE_PATH = '/istio.v1.auth.IstioCertificateService/CreateCertificate';

/** istio.v1.auth.IstioCertificateRequest as decoded (snake_case; absent fields defaulted). */
export interface IstioCertificateRequest {
  /** PEM PKCS#10 request. */
  csr: string;
  /** Requested lifetime in seconds; 0 or less asks for the CA's default. */
  validity_duration: number;
  /** Caller metadata (Istio: `ImpersonatedIdentity`, `CertSigner`); undefined when absent. */
  metadata?: StructMessage | undefined;
}

/** istio.v1.auth.IstioCertificateResponse: one PEM certificate per element, leaf first, root last. */
export interface IstioCertificateResponse {
  cert_chain: string[];
}

/** Where the proto is, from both `src/ca/` (tests) and `dist/ca/` (built). */
export const CA_PROTO_FILE = fileURLToPath(new URL('../../protos/istio/v1/auth/ca.proto', import.meta.url));

let cached: Root | undefined;

/** The Root holding the CA service and its messages (plus google.protobuf.Struct, bundled with
 *  protobufjs), field names as written. Loaded synchronously on first use. */
export function caProtoRoot(): Root {
  if (cached) return cached;
  const root = new protobuf.Root();
  root.loadSync(CA_PROTO_FILE, { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

const toBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** The grpc-js service definition of `CreateCertificate`, usable by `Server.addService` and
 *  `Client.makeUnaryRequest`. int64 `validity_duration` is decoded as a number (lifetimes in seconds
 *  are far below 2^53). */
export function caServiceDefinition(): { CreateCertificate: MethodDefinition<IstioCertificateRequest, IstioCertificateResponse> } {
  const root = caProtoRoot();
  const requestType = root.lookupType('istio.v1.auth.IstioCertificateRequest');
  const responseType = root.lookupType('istio.v1.auth.IstioCertificateResponse');
  return {
    CreateCertificate: {
      path: CREATE_CERTIFICATE_PATH,
      requestStream: false,
      responseStream: false,
      originalName: 'createCertificate',
      requestSerialize: (request) => toBuffer(requestType.encode(requestType.fromObject(request)).finish()),
      requestDeserialize: (bytes) => {
        const raw = requestType.toObject(requestType.decode(bytes), { longs: Number, defaults: true }) as IstioCertificateRequest & { metadata?: StructMessage | null };
        return { csr: raw.csr, validity_duration: raw.validity_duration, metadata: raw.metadata ?? undefined };
      },
      responseSerialize: (response) => toBuffer(responseType.encode(responseType.fromObject(response)).finish()),
      responseDeserialize: (bytes) => responseType.toObject(responseType.decode(bytes), { defaults: true }) as IstioCertificateResponse,
    },
  };
}
