// `@weft/shared/ca`: what both ends of the CA signing API need, so a workload's agent can get its
// certificate without depending on the control plane. Istio's IstioCertificateService definition (our
// own proto), SPIFFE IDs, CSR creation and the client. Node-only (node:crypto, node:fs, gRPC).

export { formatSpiffeId, isSameIdentity, parseSpiffeId, type WorkloadIdentity } from './spiffe-id.js';
export { parseCertificatePem, splitPemCertificates, subjectAltNamesOf, workloadIdentitiesOf } from './certificate-pem.js';
export { CA_PROTO_FILE, CREATE_CERTIFICATE_PATH, caProtoRoot, caServiceDefinition, type IstioCertificateRequest, type IstioCertificateResponse } from './ca-service.js';
export { createCsr, toPem, type WorkloadCsr } from './create-csr.js';
export { createCaClient, requestCertificate, type CaClient, type CaClientOptions, type CaCredentials, type CertificateResult } from './ca-client.js';
