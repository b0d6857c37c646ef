// TLS settings rules: ClientTLSSettings (DestinationRule, Sidecar egress proxy) and ServerTLSSettings
// (Gateway servers, Sidecar ingress): which certificate sources each mode needs or forbids.

import { errorFinding, warningFinding, type Finding } from './finding.js';
import { asArray, asBoolean, asEnum, asRecord, asString, isSet } from './read-helpers.js';

/** ClientTLSSettings.TLSmode values in proto order. */
export const CLIENT_TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;
/** ServerTLSSettings.TLSmode values in proto order. */
export const SERVER_TLS_MODES = ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'] as const;
/** ServerTLSSettings.TLSProtocol values in proto order. */
export const TLS_PROTOCOL_VERSIONS = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'] as const;

/** Cipher suites Envoy's BoringSSL knows by name (Istio's security.ValidCipherSuites). */
const VALID_CIPHER_SUITES = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA',
  'AES256-SHA',
  'DES-CBC3-SHA',
]);

/** Istio's IsValidCipherSuite: a known name; expressions starting with `[`, `!`, `+`, `-` pass. */
export function isValidCipherSuite(cs: string): boolean {
  if (cs === '' || cs === 'ALL') return true;
  if (!/^[\p{L}\p{N}]/u.test(cs)) return true;
  return VALID_CIPHER_SUITES.has(cs);
}

const CONFIGMAP_URI = 'configmap://';

function str(tls: Record<string, unknown>, key: string): string {
  return asString(tls[key]) ?? '';
}

/** Istio's agent.ValidateTLS for ClientTLSSettings. `configNamespace` is the resource's namespace. */
export function validateClientTLS(settings: unknown, configNamespace: string): Finding[] {
  const out: Finding[] = [];
  const tls = asRecord(settings);
  if (!tls) return out;
  const mode = asEnum(tls.mode, CLIENT_TLS_MODES);
  const credentialName = str(tls, 'credentialName');
  if (credentialName.startsWith(CONFIGMAP_URI)) {
    const parts = credentialName.slice(CONFIGMAP_URI.length).split('/');
    if (parts.length <= 1) {
      out.push(errorFinding(`invalid configmap:// credentialName: invalid resource name ${JSON.stringify(credentialName)}. Expected namespace and name`, ['credentialName']));
    } else if (parts[0] === '') {
      out.push(errorFinding(`invalid configmap:// credentialName: invalid resource name ${JSON.stringify(credentialName)}. Expected namespace`, ['credentialName']));
    } else if (parts[1] === '') {
      out.push(errorFinding(`invalid configmap:// credentialName: invalid resource name ${JSON.stringify(credentialName)}. Expected name`, ['credentialName']));
    } else if (parts[0] !== configNamespace || configNamespace === '') {
      out.push(errorFinding(`invalid configmap:// credentialName: namespace must match the configuration namespace ${JSON.stringify(configNamespace)}`, ['credentialName']));
    }
  }
  const caCertificates = str(tls, 'caCertificates');
  if (asBoolean(tls.insecureSkipVerify) === true) {
    if (mode === 'SIMPLE' && (caCertificates !== '' || credentialName !== '' || isSet(tls.subjectAltNames))) {
      out.push(errorFinding('cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true'));
    }
    if (mode === 'MUTUAL' && (caCertificates !== '' || isSet(tls.subjectAltNames))) {
      out.push(errorFinding('cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true'));
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && credentialName !== '') {
    if (str(tls, 'clientCertificate') !== '' || caCertificates !== '' || str(tls, 'privateKey') !== '' || str(tls, 'caCrl') !== '') {
      out.push(errorFinding('cannot specify client certificates or CA certificate or CA CRL If credentialName is set'));
    }
    // Credentials come from the named secret: the file fields are not required.
    return out;
  }
  if (mode === 'MUTUAL') {
    if (str(tls, 'clientCertificate') === '') out.push(errorFinding('client certificate required for mutual tls'));
    if (str(tls, 'privateKey') === '') out.push(errorFinding('private key required for mutual tls'));
  }
  return out;
}

/** Istio's validateTLSOptions for ServerTLSSettings (Gateway servers, Sidecar ingress). */
export function validateServerTLS(settings: unknown): Finding[] {
  const out: Finding[] = [];
  const tls = asRecord(settings);
  if (!tls) return out;
  const mode = asEnum(tls.mode, SERVER_TLS_MODES);
  const minVersion = asEnum(tls.minProtocolVersion, TLS_PROTOCOL_VERSIONS);
  const cipherSuites = (asArray(tls.cipherSuites) ?? []).filter((x): x is string => typeof x === 'string');
  if ((minVersion === 'TLSV1_0' || minVersion === 'TLSV1_1') && cipherSuites.length === 0) {
    out.push(warningFinding('TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.'));
  }
  const invalid = new Set<string>();
  const valid = new Set<string>();
  const duplicate = new Set<string>();
  for (const cs of cipherSuites) {
    if (!isValidCipherSuite(cs)) invalid.add(cs);
    else if (valid.has(cs)) duplicate.add(cs);
    else valid.add(cs);
  }
  if (invalid.size > 0) out.push(warningFinding(`ignoring invalid cipher suites: [${[...invalid].sort().join(' ')}]`, ['cipherSuites']));
  if (duplicate.size > 0) out.push(warningFinding(`ignoring duplicate cipher suites: [${[...duplicate].sort().join(' ')}]`, ['cipherSuites']));

  const serverCertificate = str(tls, 'serverCertificate');
  const privateKey = str(tls, 'privateKey');
  const caCertificates = str(tls, 'caCertificates');
  const credentialName = str(tls, 'credentialName');
  const credentialNames = asArray(tls.credentialNames) ?? [];
  const tlsCertificates = asArray(tls.tlsCertificates) ?? [];
  const caCrl = str(tls, 'caCrl');

  if (mode === 'ISTIO_MUTUAL') {
    // ISTIO_MUTUAL uses the workload's own certificates: any other certificate source is a mistake.
    if (serverCertificate !== '') out.push(errorFinding('ISTIO_MUTUAL TLS cannot have associated server certificate', ['serverCertificate']));
    if (privateKey !== '') out.push(errorFinding('ISTIO_MUTUAL TLS cannot have associated private key', ['privateKey']));
    if (caCertificates !== '') out.push(errorFinding('ISTIO_MUTUAL TLS cannot have associated CA bundle', ['caCertificates']));
    if (tlsCertificates.length > 0) out.push(errorFinding('ISTIO_MUTUAL TLS cannot have associated tlsCertificates', ['tlsCertificates']));
    if (credentialName !== '') out.push(errorFinding('ISTIO_MUTUAL TLS cannot have associated credentialName', ['credentialName']));
    if (credentialNames.length > 0) out.push(errorFinding('ISTIO_MUTUAL TLS cannot have associated credentialNames', ['credentialNames']));
    return out;
  }
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    if (caCrl !== '' || serverCertificate !== '' || privateKey !== '' || caCertificates !== '' || tlsCertificates.length > 0 || credentialName !== '' || credentialNames.length > 0) {
      // Istio warns rather than rejects, for backwards compatibility.
      out.push(warningFinding(`${mode} mode does not use certificates, they will be ignored`));
    }
  }
  let sources = 0;
  if (serverCertificate !== '' && privateKey !== '') sources++;
  if (credentialName !== '') sources++;
  if (credentialNames.length > 0) sources++;
  if (tlsCertificates.length > 0) sources++;
  if (sources > 1) out.push(errorFinding('only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified'));

  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  // With a credentialName the certificates are fetched from a secret, so none are required here.
  if (terminating && (credentialName !== '' || credentialNames.length > 0)) return out;
  if (terminating) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS';
    if (mode !== 'SIMPLE' && caCertificates === '') out.push(errorFinding(`${prefix} requires a client CA bundle`));
    if (tlsCertificates.length > 2) out.push(warningFinding(`${prefix} can support up to 2 server certificates`, ['tlsCertificates']));
    const certs =
      tlsCertificates.length > 0
        ? tlsCertificates.map((c) => {
            const r = asRecord(c);
            return { serverCertificate: asString(r?.serverCertificate) ?? '', privateKey: asString(r?.privateKey) ?? '' };
          })
        : [{ serverCertificate, privateKey }];
    for (const cert of certs) {
      if (cert.serverCertificate === '') out.push(errorFinding(`${prefix} requires a server certificate`));
      if (cert.privateKey === '') out.push(errorFinding(`${prefix} requires a private key`));
    }
  }
  if (caCrl !== '') {
    if (credentialName !== '') out.push(errorFinding('CRL is not supported with credentialName. CRL has to be specified in the credential', ['caCrl']));
    if (mode === 'SIMPLE') out.push(errorFinding('CRL is not supported with SIMPLE TLS', ['caCrl']));
  }
  return out;
}
