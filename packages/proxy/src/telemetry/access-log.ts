// Envoy's `access_log` of an HTTP connection manager or a tcp_proxy: each entry compiled once per
// config (file logger only: envoy.extensions.access_loggers.file.v3.FileAccessLog, its format compiled
// by access-log-format.ts, its file shared through access-log-file.ts), and what one finished request
// or connection gives its command operators. Nothing here runs unless a listener has loggers.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { structToPlain, TYPE_URL, type StructMessage } from '@weft/shared/xds';
import type { DownstreamRequest } from '../http/downstream-request.js';
import type { RequestOutcome } from '../outbound/request-outcome.js';
import type { TcpOutcome } from '../tcp/tcp-outcome.js';
import { compileJsonFormat, compileTextFormat, FormatError, type AccessLogEntry, type CompiledFormat, type JsonFormatValue } from './access-log-format.js';
import { processAccessLogFiles, type AccessLogFile, type AccessLogFiles } from './access-log-file.js';

/** Envoy's default format, used by a file logger without a format (SubstitutionFormatUtils::DEFAULT_FORMAT). */
export const ENVOY_DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ' +
  '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/** The loggers of one HCM or tcp_proxy: each entry writes one line to each of them. */
export interface AccessLogger {
  log(entry: AccessLogEntry): void;
}

/** An `access_log` list that compiled, or every reason it did not (a listener refused with a NACK). */
export type CompiledAccessLogs = { readonly ok: true; readonly logger: AccessLogger | undefined } | { readonly ok: false; readonly problems: readonly string[] };

interface SubstitutionFormatShape {
  readonly text_format?: string;
  readonly text_format_source?: { readonly inline_string?: string; readonly inline_bytes?: Uint8Array | string; readonly filename?: string; readonly environment_variable?: string };
  readonly json_format?: StructMessage;
  readonly omit_empty_values?: boolean;
  readonly formatters?: readonly unknown[];
}

interface FileAccessLogShape {
  readonly '@type'?: string;
  readonly path?: string;
  readonly format?: string;
  readonly json_format?: StructMessage;
  readonly typed_json_format?: StructMessage;
  readonly log_format?: SubstitutionFormatShape;
}

interface AccessLogShape {
  readonly name?: string;
  readonly filter?: unknown;
  readonly typed_config?: FileAccessLogShape;
}

/** The text of a DataSource (text_format_source): inline, a file read now, or an environment variable. */
function dataSourceText(source: NonNullable<SubstitutionFormatShape['text_format_source']>): string {
  if (source.inline_string !== undefined) return source.inline_string;
  if (source.inline_bytes !== undefined) return typeof source.inline_bytes === 'string' ? Buffer.from(source.inline_bytes, 'base64').toString('utf8') : Buffer.from(source.inline_bytes).toString('utf8');
  if (source.filename !== undefined) return readFileSync(source.filename, 'utf8');
  if (source.environment_variable !== undefined) {
    const value = process.env[source.environment_variable];
    if (value === undefined) throw new FormatError(`Environment variable doesn't exist: ${source.environment_variable}`);
    return value;
  }
  throw new FormatError('text_format_source: one of inline_string, inline_bytes, filename, environment_variable is required');
}

/** The compiled format of a FileAccessLog: `log_format`, else the deprecated `format` / `json_format`
 *  / `typed_json_format`, else Envoy's default format. */
function formatOf(config: FileAccessLogShape): CompiledFormat {
  const lf = config.log_format;
  if (lf) {
    if ((lf.formatters?.length ?? 0) > 0) throw new FormatError('log_format.formatters (formatter extensions) are not supported by weft-proxy');
    const omit = lf.omit_empty_values === true;
    if (lf.json_format) return compileJsonFormat(structToPlain(lf.json_format) as Record<string, JsonFormatValue>, omit);
    if (lf.text_format_source) return compileTextFormat(dataSourceText(lf.text_format_source), omit);
    if (lf.text_format !== undefined) return compileTextFormat(lf.text_format, omit);
    throw new FormatError('log_format: one of text_format, json_format, text_format_source is required');
  }
  if (config.format !== undefined && config.format !== '') return compileTextFormat(config.format);
  const json = config.typed_json_format ?? config.json_format;
  if (json) return compileJsonFormat(structToPlain(json) as Record<string, JsonFormatValue>);
  return compileTextFormat(ENVOY_DEFAULT_FORMAT);
}

/** One file logger: its format and its file. */
function fileLogger(format: CompiledFormat, file: AccessLogFile): AccessLogger {
  return { log: (entry) => file.write(format(entry)) };
}

const compiledLists = new WeakMap<object, CompiledAccessLogs>();

/**
 * Compiles an `access_log` list (of an HCM or a tcp_proxy). Only Envoy's file logger runs in weft-proxy;
 * another logger type, an access log `filter`, an unknown command operator, a format that does not
 * parse or a file that cannot be opened refuse the list, and with it the listener (Envoy refuses a
 * config it cannot build the same way). Memoized per decoded list, so validation and the data path
 * compile a config once; files are shared through `files`.
 */
export function compileAccessLogs(list: readonly unknown[] | undefined, files: AccessLogFiles = processAccessLogFiles): CompiledAccessLogs {
  if (list === undefined || list.length === 0) return { ok: true, logger: undefined };
  const known = compiledLists.get(list);
  if (known) return known;
  const loggers: AccessLogger[] = [];
  const problems: string[] = [];
  list.forEach((raw, i) => {
    const at = `access_log[${i}]`;
    const log = raw as AccessLogShape;
    const config = log.typed_config;
    if (config?.['@type'] !== TYPE_URL.FILE_ACCESS_LOG) {
      problems.push(`${at}: access logger ${log.name ?? ''} of type ${config?.['@type'] ?? '(none)'} is not supported by weft-proxy (only envoy.access_loggers.file)`);
      return;
    }
    if (log.filter !== undefined && log.filter !== null) {
      problems.push(`${at}: access log filters are not supported by weft-proxy`);
      return;
    }
    if (!config.path) {
      problems.push(`${at}: FileAccessLog.path: value length must be at least 1 characters`);
      return;
    }
    let format: CompiledFormat;
    try {
      format = formatOf(config);
    } catch (e) {
      problems.push(`${at}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const opened = files.open(config.path);
    if (!opened.ok) {
      problems.push(`${at}: ${opened.problem}`);
      return;
    }
    loggers.push(fileLogger(format, opened.file));
  });
  const result: CompiledAccessLogs =
    problems.length > 0
      ? { ok: false, problems }
      : { ok: true, logger: loggers.length === 1 ? loggers[0] : { log: (entry) => { for (const l of loggers) l.log(entry); } } };
  compiledLists.set(list, result);
  return result;
}

// ---- what an entry is made of ------------------------------------------------------------------

/** The downstream connection as access logs see it, read once per connection (only on listeners with
 *  loggers). */
export interface DownstreamConnectionInfo {
  /** `ip:port` the client meant: the original destination when the listener knows it, else the
   *  socket's local address. */
  readonly localAddress: string | undefined;
  readonly remoteAddress: string | undefined;
  /** SNI from TLS termination or the TLS inspector. */
  readonly serverName: string | undefined;
}

/** `ip:port`, with brackets for IPv6; undefined when the address is unknown. */
export function addressText(ip: string | undefined, port: number | undefined): string | undefined {
  if (ip === undefined || ip === '') return undefined;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return port === undefined ? host : `${host}:${port}`;
}

/** Reads what access logs need from an accepted socket (and, for LDS listeners, what the listener
 *  knows about it). */
export function downstreamInfoOf(socket: Socket, context?: { readonly originalDestination?: { readonly host: string; readonly port: number }; readonly serverName?: string }): DownstreamConnectionInfo {
  const tls = (socket as Partial<TLSSocket>).encrypted === true ? (socket as TLSSocket) : undefined;
  const sni = tls && typeof tls.servername === 'string' && tls.servername !== '' ? tls.servername : context?.serverName;
  const dst = context?.originalDestination;
  return {
    localAddress: dst ? addressText(dst.host, dst.port) : addressText(socket.localAddress, socket.localPort),
    remoteAddress: addressText(socket.remoteAddress, socket.remotePort),
    serverName: sni === '' ? undefined : sni,
  };
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Envoy's response code details for the flags a request may end with (Envoy's
 *  StreamInfo::ResponseCodeDetails), when no local reply recorded its own. */
function detailsOf(o: RequestOutcome): string | undefined {
  if (o.responseCodeDetails !== undefined) return o.responseCodeDetails;
  if (o.status === 0) return o.responseFlags.includes('DC') ? 'downstream_remote_disconnect' : undefined;
  return o.attempts > 0 ? 'via_upstream' : undefined;
}

/** One finished HTTP request as the command operators read it. Created only when a logger exists. */
export class HttpAccessLogEntry implements AccessLogEntry {
  constructor(
    private readonly o: RequestOutcome,
    private readonly req: DownstreamRequest | undefined,
    private readonly conn: DownstreamConnectionInfo | undefined,
  ) {}

  get startTime(): number {
    return this.o.startTime ?? Date.now() - this.o.durationMs;
  }
  get durationMs(): number {
    return this.o.durationMs;
  }
  get protocol(): string | undefined {
    return this.req?.protocol;
  }
  requestHeader(name: string): string | undefined {
    const req = this.req;
    if (!req) return undefined;
    switch (name) {
      case ':method':
        return req.method;
      case ':path':
        return req.path;
      case ':authority':
        return req.authority === '' ? undefined : req.authority;
      case ':scheme':
        return req.scheme;
    }
    return first(req.headers[name]);
  }
  responseHeader(name: string): string | undefined {
    return first(this.o.responseHeaders?.[name]);
  }
  responseTrailer(): string | undefined {
    return undefined;
  }
  get responseCode(): number {
    return this.o.status;
  }
  get responseFlags(): string {
    return this.o.responseFlags;
  }
  get responseCodeDetails(): string | undefined {
    return detailsOf(this.o);
  }
  get connectionTerminationDetails(): string | undefined {
    return undefined;
  }
  get upstreamTransportFailureReason(): string | undefined {
    return undefined;
  }
  get bytesReceived(): number {
    return this.o.requestBytes;
  }
  get bytesSent(): number {
    return this.o.responseBytes;
  }
  get upstreamHost(): string | undefined {
    return this.o.upstreamHost;
  }
  get upstreamCluster(): string | undefined {
    return this.o.cluster;
  }
  get upstreamLocalAddress(): string | undefined {
    return undefined;
  }
  get downstreamLocalAddress(): string | undefined {
    return this.conn?.localAddress;
  }
  get downstreamRemoteAddress(): string | undefined {
    return this.conn?.remoteAddress;
  }
  get requestedServerName(): string | undefined {
    return this.conn?.serverName;
  }
  get routeName(): string | undefined {
    return this.o.route === '' ? undefined : this.o.route;
  }
  get upstreamRequestAttemptCount(): number {
    return this.o.attempts;
  }
  get grpcStatus(): string | undefined {
    return this.o.grpcStatus === '' ? undefined : this.o.grpcStatus;
  }
  get downstreamPeerUriSan(): string | undefined {
    return this.o.peerPrincipal;
  }
}

const NO_HEADER = (): undefined => undefined;

/** One finished tcp_proxy connection as the command operators read it (no request: HTTP operators
 *  give `-`, the response code 0, as Envoy's tcp_proxy access logs). */
export function tcpAccessLogEntry(o: TcpOutcome): AccessLogEntry {
  return {
    startTime: o.startTime ?? Date.now() - o.durationMs,
    durationMs: o.durationMs,
    protocol: undefined,
    requestHeader: NO_HEADER,
    responseHeader: NO_HEADER,
    responseTrailer: NO_HEADER,
    responseCode: 0,
    responseFlags: o.responseFlags,
    responseCodeDetails: undefined,
    connectionTerminationDetails: undefined,
    upstreamTransportFailureReason: undefined,
    bytesReceived: o.bytesReceived,
    bytesSent: o.bytesSent,
    upstreamHost: o.upstreamHost,
    upstreamCluster: o.cluster === '' ? undefined : o.cluster,
    upstreamLocalAddress: o.upstreamLocalAddress,
    downstreamLocalAddress: o.downstreamLocalAddress,
    downstreamRemoteAddress: o.downstreamRemoteAddress,
    requestedServerName: o.requestedServerName,
    routeName: undefined,
    upstreamRequestAttemptCount: o.connectAttempts,
    grpcStatus: undefined,
    downstreamPeerUriSan: o.peerPrincipal,
  };
}
