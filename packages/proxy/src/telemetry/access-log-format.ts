// Envoy's access log formats (SubstitutionFormatString): format strings of command operators
// (`%START_TIME%`, `%REQ(X?Y):Z%`, `%%` for a literal percent) and JSON formats (a Struct whose string
// values are format strings), compiled once per config into a function of one log entry. Parsing,
// operator lookup and JSON key encoding happen here, at compile time; a log line only calls the
// compiled pieces in order (source/common/formatter/substitution_formatter.cc).

import { hostname } from 'node:os';

/** What the command operators read about one request or connection. HTTP and TCP each provide it
 *  (telemetry/access-log.ts); what a side does not know is undefined (logged as `-`, or JSON null). */
export interface AccessLogEntry {
  /** When the request (or connection) started, milliseconds since the epoch. */
  readonly startTime: number;
  readonly durationMs: number;
  /** `HTTP/1.1`, `HTTP/2`...; undefined for TCP. */
  readonly protocol: string | undefined;
  /** A request header by lower-case name; `:method`, `:path`, `:authority`, `:scheme` for the
   *  pseudo-headers. Undefined for TCP. */
  requestHeader(name: string): string | undefined;
  /** A response header (lower-case name) as sent downstream. */
  responseHeader(name: string): string | undefined;
  responseTrailer(name: string): string | undefined;
  /** The status sent downstream; 0 when none was (TCP, or the client left first). */
  readonly responseCode: number;
  /** Envoy's short flags, comma-separated; `-` when none. */
  readonly responseFlags: string;
  readonly responseCodeDetails: string | undefined;
  readonly connectionTerminationDetails: string | undefined;
  readonly upstreamTransportFailureReason: string | undefined;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  /** `ip:port` of the upstream host. */
  readonly upstreamHost: string | undefined;
  readonly upstreamCluster: string | undefined;
  readonly upstreamLocalAddress: string | undefined;
  /** `ip:port` the client connected to (the original destination where the listener knows it). */
  readonly downstreamLocalAddress: string | undefined;
  /** `ip:port` of the client. */
  readonly downstreamRemoteAddress: string | undefined;
  readonly requestedServerName: string | undefined;
  readonly routeName: string | undefined;
  readonly upstreamRequestAttemptCount: number | undefined;
  /** The grpc-status sent downstream (gRPC requests only). */
  readonly grpcStatus: string | undefined;
  /** The client certificate's URI SAN (mutual TLS). */
  readonly downstreamPeerUriSan: string | undefined;
}

/** A value an operator gives: a string, a number (typed in JSON), or nothing. */
type Value = string | number | undefined;
type Operator = (e: AccessLogEntry) => Value;

/** A compiled format: one log line (with its newline, for JSON) per entry. */
export type CompiledFormat = (entry: AccessLogEntry) => string;

/** A format that cannot be compiled, in Envoy's words where Envoy has them. */
export class FormatError extends Error {}

// ---- operators --------------------------------------------------------------------------------

const withoutPort = (address: string | undefined): string | undefined => {
  if (address === undefined) return undefined;
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
};
const portOf = (address: string | undefined): number | undefined => {
  if (address === undefined) return undefined;
  const colon = address.lastIndexOf(':');
  const port = colon < 0 ? NaN : Number(address.slice(colon + 1));
  return Number.isInteger(port) ? port : undefined;
};

/** gRPC status names (Envoy's GRPC_STATUS CAMEL_STRING and SNAKE_STRING forms). */
const GRPC_CAMEL = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];
const GRPC_SNAKE = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

function grpcStatusOperator(arg: string | undefined): Operator {
  const form = arg ?? 'CAMEL_STRING';
  if (form === 'NUMBER') return (e) => (e.grpcStatus === undefined || e.grpcStatus === '' ? undefined : Number(e.grpcStatus));
  const names = form === 'SNAKE_STRING' ? GRPC_SNAKE : form === 'CAMEL_STRING' ? GRPC_CAMEL : undefined;
  if (!names) throw new FormatError(`GRPC_STATUS format '${form}' is not supported (CAMEL_STRING, SNAKE_STRING, NUMBER)`);
  return (e) => {
    if (e.grpcStatus === undefined || e.grpcStatus === '') return undefined;
    const n = Number(e.grpcStatus);
    return names[n] ?? e.grpcStatus;
  };
}

/** Operators without arguments, by name (Envoy's StreamInfo formatters). */
const PLAIN: Readonly<Record<string, Operator>> = {
  PROTOCOL: (e) => e.protocol,
  RESPONSE_CODE: (e) => e.responseCode,
  RESPONSE_FLAGS: (e) => e.responseFlags,
  RESPONSE_CODE_DETAILS: (e) => e.responseCodeDetails,
  CONNECTION_TERMINATION_DETAILS: (e) => e.connectionTerminationDetails,
  UPSTREAM_TRANSPORT_FAILURE_REASON: (e) => e.upstreamTransportFailureReason,
  BYTES_RECEIVED: (e) => e.bytesReceived,
  BYTES_SENT: (e) => e.bytesSent,
  DURATION: (e) => Math.floor(e.durationMs),
  UPSTREAM_HOST: (e) => e.upstreamHost,
  UPSTREAM_REMOTE_ADDRESS: (e) => e.upstreamHost,
  UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (e) => withoutPort(e.upstreamHost),
  UPSTREAM_CLUSTER: (e) => e.upstreamCluster,
  UPSTREAM_CLUSTER_RAW: (e) => e.upstreamCluster,
  UPSTREAM_LOCAL_ADDRESS: (e) => e.upstreamLocalAddress,
  UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: (e) => withoutPort(e.upstreamLocalAddress),
  UPSTREAM_REQUEST_ATTEMPT_COUNT: (e) => e.upstreamRequestAttemptCount,
  DOWNSTREAM_LOCAL_ADDRESS: (e) => e.downstreamLocalAddress,
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: (e) => withoutPort(e.downstreamLocalAddress),
  DOWNSTREAM_LOCAL_PORT: (e) => portOf(e.downstreamLocalAddress),
  DOWNSTREAM_REMOTE_ADDRESS: (e) => e.downstreamRemoteAddress,
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (e) => withoutPort(e.downstreamRemoteAddress),
  DOWNSTREAM_REMOTE_PORT: (e) => portOf(e.downstreamRemoteAddress),
  // Without use_remote_address and trusted hops, the remote address is the direct peer.
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS: (e) => e.downstreamRemoteAddress,
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: (e) => withoutPort(e.downstreamRemoteAddress),
  DOWNSTREAM_DIRECT_REMOTE_PORT: (e) => portOf(e.downstreamRemoteAddress),
  DOWNSTREAM_PEER_URI_SAN: (e) => e.downstreamPeerUriSan,
  REQUESTED_SERVER_NAME: (e) => e.requestedServerName,
  ROUTE_NAME: (e) => e.routeName,
};

/** strftime specifiers START_TIME(...) understands (UTC, as Envoy's default), each a function of the
 *  date and its milliseconds. */
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const SPECIFIERS: Readonly<Record<string, (d: Date) => string>> = {
  Y: (d) => String(d.getUTCFullYear()),
  y: (d) => pad(d.getUTCFullYear() % 100),
  m: (d) => pad(d.getUTCMonth() + 1),
  d: (d) => pad(d.getUTCDate()),
  e: (d) => String(d.getUTCDate()).padStart(2, ' '),
  H: (d) => pad(d.getUTCHours()),
  I: (d) => pad(((d.getUTCHours() + 11) % 12) + 1),
  M: (d) => pad(d.getUTCMinutes()),
  S: (d) => pad(d.getUTCSeconds()),
  p: (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
  j: (d) => pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3),
  a: (d) => (DAYS[d.getUTCDay()] ?? '').slice(0, 3),
  A: (d) => DAYS[d.getUTCDay()] ?? '',
  b: (d) => (MONTHS[d.getUTCMonth()] ?? '').slice(0, 3),
  h: (d) => (MONTHS[d.getUTCMonth()] ?? '').slice(0, 3),
  B: (d) => MONTHS[d.getUTCMonth()] ?? '',
  F: (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
  T: (d) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
  R: (d) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
  D: (d) => `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCFullYear() % 100)}`,
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  z: () => '+0000',
  Z: () => 'UTC',
  n: () => '\n',
  t: () => '\t',
  '%': () => '%',
};

/** Fractional seconds with `digits` digits (Envoy's `%3f` and `%E3S` extensions; milliseconds are all
 *  a Date has, so digits past the third are 0). */
const fraction = (d: Date, digits: number): string => pad(d.getUTCMilliseconds(), 3).padEnd(9, '0').slice(0, digits);

/** A START_TIME(...) format compiled into a function of the start time. */
function compileTimeFormat(format: string): (ms: number) => string {
  const parts: ((d: Date) => string)[] = [];
  let literal = '';
  const flush = (): void => {
    if (literal === '') return;
    const text = literal;
    parts.push(() => text);
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== '%') {
      literal += c;
      continue;
    }
    const rest = format.slice(i + 1);
    // %E3S: seconds with 3 fractional digits; %E*S: all (9); %3f: the fraction alone; %f: 9 digits.
    const es = /^E(\d|\*)S/.exec(rest);
    const f = /^(\d)?f/.exec(rest);
    if (es) {
      const digits = es[1] === '*' ? 9 : Number(es[1]);
      flush();
      parts.push((d) => (digits === 0 ? pad(d.getUTCSeconds()) : `${pad(d.getUTCSeconds())}.${fraction(d, digits)}`));
      i += es[0].length;
      continue;
    }
    if (f) {
      const digits = f[1] === undefined ? 9 : Number(f[1]);
      flush();
      parts.push((d) => fraction(d, digits));
      i += f[0].length;
      continue;
    }
    const spec = SPECIFIERS[rest[0] ?? ''];
    if (!spec) throw new FormatError(`START_TIME format '${format}': specifier %${rest[0] ?? ''} is not supported by weft-proxy`);
    flush();
    parts.push(spec);
    i += 1;
  }
  flush();
  return (ms) => {
    const d = new Date(ms);
    let out = '';
    for (const p of parts) out += p(d);
    return out;
  };
}

/** One `%REQ(main?alternative)%` argument: the lower-case header names. Envoy's rules: at most one
 *  alternative, no newlines. */
function headerNames(arg: string | undefined, command: string): { main: string; alternative: string | undefined } {
  if (arg === undefined || arg === '') throw new FormatError(`${command} requires parameters`);
  const parts = arg.split('?');
  if (parts.length > 2) throw new FormatError(`More than 1 alternative header specified in token: ${arg}`);
  if (arg.includes('\n')) throw new FormatError('Invalid header configuration. Format string contains newline.');
  const norm = (h: string): string => {
    const lower = h.toLowerCase();
    // HTTP/1.1's Host is Envoy's :authority.
    return lower === 'host' ? ':authority' : lower;
  };
  return { main: norm(parts[0] as string), alternative: parts[1] === undefined || parts[1] === '' ? undefined : norm(parts[1]) };
}

function truncated(op: Operator, maxLength: number | undefined): Operator {
  if (maxLength === undefined) return op;
  return (e) => {
    const v = op(e);
    return typeof v === 'string' && v.length > maxLength ? v.slice(0, maxLength) : v;
  };
}

/** Commands that take a `:N` length (Envoy's LENGTH_ALLOWED). */
const LENGTH_ALLOWED: ReadonlySet<string> = new Set(['REQ', 'RESP', 'TRAILER']);

/** The operator of one command; throws FormatError for what Envoy (or weft-proxy) does not know. */
function operatorOf(command: string, arg: string | undefined, maxLength: number | undefined): Operator {
  if (maxLength !== undefined && !LENGTH_ALLOWED.has(command)) throw new FormatError(`${command} does not support a length`);
  switch (command) {
    case 'REQ':
    case 'RESP':
    case 'TRAILER': {
      const { main, alternative } = headerNames(arg, command);
      const read = command === 'REQ' ? (e: AccessLogEntry, h: string) => e.requestHeader(h) : command === 'RESP' ? (e: AccessLogEntry, h: string) => e.responseHeader(h) : (e: AccessLogEntry, h: string) => e.responseTrailer(h);
      const op: Operator = alternative === undefined ? (e) => read(e, main) : (e) => read(e, main) ?? read(e, alternative);
      return truncated(op, maxLength);
    }
    case 'START_TIME': {
      if (arg === undefined || arg === '') return (e) => new Date(e.startTime).toISOString();
      const format = compileTimeFormat(arg);
      return (e) => format(e.startTime);
    }
    case 'GRPC_STATUS':
      return grpcStatusOperator(arg);
    case 'GRPC_STATUS_NUMBER':
      return grpcStatusOperator('NUMBER');
    case 'HOSTNAME': {
      const name = hostname();
      return () => name;
    }
  }
  const plain = PLAIN[command];
  if (!plain) throw new FormatError(`Not supported field in StreamInfo: ${command}`);
  if (arg !== undefined) throw new FormatError(`${command} does not take parameters`);
  return plain;
}

// ---- format strings ---------------------------------------------------------------------------

/** A parsed format string: literal text and operators, in order. */
type Piece = { readonly literal: string } | { readonly op: Operator };

/** Envoy's command syntax: `%NAME%`, `%NAME(arg)%`, `%NAME(arg):N%`. */
const COMMAND = /^%([A-Z]|[A-Z][A-Z0-9_]*[A-Z0-9])(?:\(([^)]*)\))?(?::(\d+))?%/;

/** Parses a format string (SubstitutionFormatParser::parse): `%%` is a literal percent; anything else
 *  starting with `%` must be a command. */
export function parseFormatString(format: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = '';
  for (let pos = 0; pos < format.length; ) {
    const c = format[pos] as string;
    if (c !== '%') {
      literal += c;
      pos++;
      continue;
    }
    if (format[pos + 1] === '%') {
      literal += '%';
      pos += 2;
      continue;
    }
    const m = COMMAND.exec(format.slice(pos));
    if (!m) throw new FormatError(`Incorrect configuration: ${format}. Couldn't find valid command at position ${pos}`);
    if (literal !== '') pieces.push({ literal });
    literal = '';
    pieces.push({ op: operatorOf(m[1] as string, m[2], m[3] === undefined ? undefined : Number(m[3])) });
    pos += m[0].length;
  }
  if (literal !== '' || pieces.length === 0) pieces.push({ literal });
  return pieces;
}

/** Envoy's text form of an operator value: numbers in decimal, nothing as `-` (or '' with
 *  omit_empty_values). */
const text = (v: Value, empty: string): string => (v === undefined ? empty : typeof v === 'number' ? String(v) : v);

/**
 * A format string compiled into a function of an entry. Literal runs are joined at compile time; a
 * line is their concatenation with each operator's text.
 */
export function compileTextFormat(format: string, omitEmptyValues = false): CompiledFormat {
  const empty = omitEmptyValues ? '' : '-';
  const pieces = parseFormatString(format);
  const literals: string[] = [];
  const ops: Operator[] = [];
  // Shape: literals[0] op[0] literals[1] op[1] ... literals[n]: one loop, no branching per piece.
  let pending = '';
  for (const p of pieces) {
    if ('literal' in p) pending += p.literal;
    else {
      literals.push(pending);
      ops.push(p.op);
      pending = '';
    }
  }
  literals.push(pending);
  const n = ops.length;
  return (e) => {
    let line = literals[0] as string;
    for (let i = 0; i < n; i++) line += text((ops[i] as Operator)(e), empty) + (literals[i + 1] as string);
    return line;
  };
}

// ---- JSON formats -----------------------------------------------------------------------------

/** A google.protobuf.Value of a JSON format, in its plain JSON form. */
export type JsonFormatValue = string | number | boolean | null | JsonFormatValue[] | { [key: string]: JsonFormatValue };

/** Renders one JSON value of the output. */
type JsonPart = (e: AccessLogEntry) => string | undefined;

/** Envoy's typed JSON value of one operator: numbers stay numbers, nothing is null. */
const jsonValue = (v: Value): string => (v === undefined ? 'null' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : JSON.stringify(v));

function compileJsonValue(value: JsonFormatValue, omitEmpty: boolean, at: string): JsonPart {
  if (typeof value === 'string') {
    const pieces = parseFormatString(value);
    const ops = pieces.filter((p): p is { op: Operator } => 'op' in p);
    if (ops.length === 0) {
      // Literal text (a `%%` in it is still an escaped percent).
      const constant = JSON.stringify(pieces.map((p) => ('literal' in p ? p.literal : '')).join(''));
      return () => constant;
    }
    // One operator alone keeps its type (Envoy's formatValueWithContext); nothing is null, and with
    // omit_empty_values the key is left out.
    const only = pieces.length === 1 ? ops[0] : undefined;
    if (only) return omitEmpty ? (e) => {
      const v = only.op(e);
      return v === undefined ? undefined : jsonValue(v);
    } : (e) => jsonValue(only.op(e));
    // Several pieces: a string, each missing value as `-` (or '').
    const line = compileTextFormat(value, omitEmpty);
    return (e) => JSON.stringify(line(e));
  }
  if (typeof value === 'number') {
    const constant = Number.isFinite(value) ? String(value) : 'null';
    return () => constant;
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileJsonValue(v, omitEmpty, `${at}[${i}]`));
    return (e) => {
      let out = '[';
      let first = true;
      for (const item of items) {
        const v = item(e);
        if (v === undefined) continue;
        out += first ? v : `,${v}`;
        first = false;
      }
      return `${out}]`;
    };
  }
  if (value !== null && typeof value === 'object') return compileJsonObject(value, omitEmpty, at);
  // Envoy's StructFormatter: "Only string values, nested structs, list values and number values are
  // supported in structured access log format."
  throw new FormatError(`${at}: only string values, nested structs, list values and number values are supported in structured access log format`);
}

function compileJsonObject(object: { readonly [key: string]: JsonFormatValue }, omitEmpty: boolean, at: string): JsonPart {
  // Envoy writes the keys sorted (JsonFormatBuilder: "Sort the keys to make the output deterministic").
  const keys = Object.keys(object).sort();
  const heads = keys.map((k) => `${JSON.stringify(k)}:`);
  const values = keys.map((k) => compileJsonValue(object[k] as JsonFormatValue, omitEmpty, at === '' ? k : `${at}.${k}`));
  const n = keys.length;
  return (e) => {
    let out = '{';
    let first = true;
    for (let i = 0; i < n; i++) {
      const v = (values[i] as JsonPart)(e);
      if (v === undefined) continue;
      out += first ? (heads[i] as string) + v : `,${heads[i] as string}${v}`;
      first = false;
    }
    return `${out}}`;
  };
}

/** A JSON format (`json_format`) compiled into a function giving one JSON object and a newline per
 *  entry, as Envoy's JsonFormatterImpl writes it. */
export function compileJsonFormat(format: { readonly [key: string]: JsonFormatValue }, omitEmptyValues = false): CompiledFormat {
  const object = compileJsonObject(format, omitEmptyValues, '');
  return (e) => `${object(e) as string}\n`;
}
