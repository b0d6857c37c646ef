// Simulated Envoy sidecars for the weftd benchmark, run as a child process (fork) of weftd-bench.mjs:
// one ADS stream per proxy over a few HTTP/2 connections, subscribing like Envoy (wildcard CDS and
// LDS, then EDS for the EDS clusters and RDS for the route names those name) and ACKing every response.
// It decodes only the fields it needs to subscribe, and remembers them per version, so that the load
// generator costs little next to weftd on the same two cores.

import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import * as grpc from '@grpc/grpc-js';
import { plainToStruct, STREAM_AGGREGATED_RESOURCES_PATH, TYPE_URL, xdsProtoRoot } from '@weft/shared/xds';

const now = () => performance.timeOrigin + performance.now();

// ---- protobuf wire format: just enough to read responses and write requests -------------------

/** Iterates the fields of a message: [fieldNumber, wireType, value] (value: number for varints,
 *  Buffer for length-delimited fields). Fixed-width fields are skipped.
 * @param {Buffer} buf */
function* fields(buf) {
  let i = 0;
  const varint = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield [field, wire, varint()];
    else if (wire === 2) {
      const len = varint();
      yield [field, wire, buf.subarray(i, i + len)];
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** @param {number} n */
function varintBytes(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A length-delimited field. @param {number} field @param {Buffer} bytes */
const lengthDelimited = (field, bytes) => [varintBytes(field * 8 + 2), varintBytes(bytes.length), bytes];
/** @param {number} field @param {string} s */
const stringField = (field, s) => (s === '' ? [] : lengthDelimited(field, Buffer.from(s, 'utf8')));

/**
 * A DiscoveryRequest: version_info 1, node 2, resource_names 3, type_url 4, response_nonce 5.
 * @param {{ typeUrl: string, version?: string, nonce?: string, names?: readonly string[], node?: Buffer }} r
 */
function encodeRequest(r) {
  return Buffer.concat([
    ...stringField(1, r.version ?? ''),
    ...(r.node ? lengthDelimited(2, r.node) : []),
    encodedNames(r.names ?? []),
    ...stringField(4, r.typeUrl),
    ...stringField(5, r.nonce ?? ''),
  ]);
}

/** resource_names (field 3) of a name list, encoded once per list: lists are shared per version
 *  (dependentNames) and every ACK repeats them, as Envoy's do. */
const namesMemo = new WeakMap();

/** @param {readonly string[]} names */
function encodedNames(names) {
  let bytes = namesMemo.get(names);
  if (!bytes) namesMemo.set(names, (bytes = Buffer.concat(names.flatMap((n) => lengthDelimited(3, Buffer.from(n, 'utf8'))))));
  return bytes;
}

/** A DiscoveryResponse, resources left as raw Any bytes. @param {Buffer} buf */
function decodeResponse(buf) {
  const response = { version: '', typeUrl: '', nonce: '', /** @type {Buffer[]} */ resources: [] };
  for (const [field, , value] of fields(buf)) {
    if (field === 1) response.version = value.toString('utf8');
    else if (field === 2) response.resources.push(value);
    else if (field === 4) response.typeUrl = value.toString('utf8');
    else if (field === 5) response.nonce = value.toString('utf8');
  }
  return response;
}

/** The value of an Any (type_url 1, value 2). @param {Buffer} any */
function anyValue(any) {
  let typeUrl = '';
  let value = Buffer.alloc(0);
  for (const [field, , v] of fields(any)) {
    if (field === 1) typeUrl = v.toString('utf8');
    else if (field === 2) value = v;
  }
  return { typeUrl, value };
}

const EDS_DISCOVERY_TYPE = 3;

/** EDS names a Cluster asks for: its eds_cluster_config.service_name, else its name, when type is EDS.
 *  Cluster: name 1, type 2, eds_cluster_config 3 { service_name 2 }. @param {Buffer} cluster */
function edsNameOf(cluster) {
  let name = '';
  let type = 0;
  let serviceName = '';
  for (const [field, , v] of fields(cluster)) {
    if (field === 1) name = v.toString('utf8');
    else if (field === 2) type = v;
    else if (field === 3) for (const [f, , x] of fields(v)) if (f === 2) serviceName = x.toString('utf8');
  }
  return type === EDS_DISCOVERY_TYPE ? serviceName || name : undefined;
}

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** RDS names a Listener asks for: HCM rds.route_config_name in any filter chain. Listener:
 *  filter_chains 3, default_filter_chain 25; FilterChain: filters 3; Filter: typed_config 4;
 *  HttpConnectionManager: rds 3 { route_config_name 2 }. @param {Buffer} listener @param {Set<string>} out */
function collectRdsNames(listener, out) {
  for (const [field, , chain] of fields(listener)) {
    if (field !== 3 && field !== 25) continue;
    for (const [f, , filter] of fields(chain)) {
      if (f !== 3) continue;
      for (const [ff, , typed] of fields(filter)) {
        if (ff !== 4) continue;
        const { typeUrl, value } = anyValue(typed);
        if (typeUrl !== HCM_TYPE) continue;
        for (const [hf, , rds] of fields(value)) if (hf === 3) for (const [rf, , n] of fields(rds)) if (rf === 2) out.add(n.toString('utf8'));
      }
    }
  }
}

// ---- simulated proxies -------------------------------------------------------------------------

/** Names to subscribe to, per (type, version): equal versions have equal content. */
const namesByVersion = new Map();

/** @param {string} typeUrl @param {string} version @param {Buffer[]} resources */
function dependentNames(typeUrl, version, resources) {
  const key = `${typeUrl}|${version}`;
  const known = namesByVersion.get(key);
  if (known) return known;
  const names = new Set();
  for (const r of resources) {
    const { value } = anyValue(r);
    if (typeUrl === TYPE_URL.CLUSTER) {
      const n = edsNameOf(value);
      if (n) names.add(n);
    } else collectRdsNames(value, names);
  }
  const sorted = [...names].sort();
  namesByVersion.set(key, sorted);
  return sorted;
}

const sameNames = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

class SimulatedProxy {
  /** @param {{ nodeId: string, metadata: Record<string, unknown> }} spec @param {grpc.Client} client @param {Buffer} nodeBytes @param {Stats} stats */
  constructor(spec, client, nodeBytes, stats) {
    this.id = spec.nodeId;
    this.client = client;
    this.nodeBytes = nodeBytes;
    this.stats = stats;
    this.convergedAt = 0;
    this.lastAckAt = 0;
    this.responsesSinceMark = 0;
    this.stopped = false;
    this.open();
  }

  /** Opens the ADS stream and subscribes, like Envoy after (re)connecting: wildcard CDS and LDS, then
   *  whatever those name. A stream that fails is reopened after a short backoff. */
  open() {
    /** @type {Map<string, { version: string, nonce: string, acked: boolean }>} */
    this.types = new Map();
    this.edsNames = /** @type {string[]} */ ([]);
    this.rdsNames = /** @type {string[]} */ ([]);
    const call = this.client.makeBidiStreamRequest(STREAM_AGGREGATED_RESOURCES_PATH, (b) => b, decodeResponse);
    this.call = call;
    call.on('data', (r) => this.onResponse(r));
    call.on('error', (e) => {
      if (this.stopped) return;
      this.stats.errors++;
      this.stats.lastError = String(e.message ?? e);
      setTimeout(() => {
        if (!this.stopped && this.call === call) this.open();
      }, 250);
    });
    call.write(encodeRequest({ typeUrl: TYPE_URL.CLUSTER, node: this.nodeBytes }));
    call.write(encodeRequest({ typeUrl: TYPE_URL.LISTENER }));
  }

  stop() {
    this.stopped = true;
    this.call.cancel();
  }

  /** @param {ReturnType<typeof decodeResponse>} r */
  onResponse(r) {
    const stats = this.stats;
    stats.responses++;
    stats.lastResponseAt = now();
    this.responsesSinceMark++;
    const state = { version: r.version, nonce: r.nonce, acked: false };
    this.types.set(r.typeUrl, state);
    if (r.typeUrl === TYPE_URL.CLUSTER || r.typeUrl === TYPE_URL.LISTENER) {
      // Like Envoy: ask for the EDS / RDS resources the new clusters / listeners name, then ACK.
      const dependentType = r.typeUrl === TYPE_URL.CLUSTER ? TYPE_URL.ENDPOINT : TYPE_URL.ROUTE;
      const names = dependentNames(r.typeUrl, r.version, r.resources);
      const current = dependentType === TYPE_URL.ENDPOINT ? this.edsNames : this.rdsNames;
      if (!sameNames(names, current)) {
        if (dependentType === TYPE_URL.ENDPOINT) this.edsNames = names;
        else this.rdsNames = names;
        const dep = this.types.get(dependentType);
        if (dep) dep.acked = false;
        this.call.write(encodeRequest({ typeUrl: dependentType, names, version: dep?.version ?? '', nonce: dep?.nonce ?? '' }));
      }
      this.ack(r.typeUrl, state, []);
    } else {
      this.ack(r.typeUrl, state, r.typeUrl === TYPE_URL.ENDPOINT ? this.edsNames : this.rdsNames);
    }
  }

  /** @param {string} typeUrl @param {{ version: string, nonce: string, acked: boolean }} state @param {readonly string[]} names */
  ack(typeUrl, state, names) {
    this.call.write(encodeRequest({ typeUrl, version: state.version, nonce: state.nonce, names }));
    state.acked = true;
    this.lastAckAt = now();
    this.stats.acks++;
    if (!this.convergedAt && this.converged()) {
      this.convergedAt = this.lastAckAt;
      this.stats.converged++;
    }
  }

  /** Every subscribed type answered and ACKed (EDS / RDS only when something names them). */
  converged() {
    const done = (t) => this.types.get(t)?.acked === true;
    return done(TYPE_URL.CLUSTER) && done(TYPE_URL.LISTENER) && (this.edsNames.length === 0 || done(TYPE_URL.ENDPOINT)) && (this.rdsNames.length === 0 || done(TYPE_URL.ROUTE));
  }
}

/** @typedef {{ responses: number, acks: number, converged: number, errors: number, lastError: string, lastResponseAt: number }} Stats */

/** @type {SimulatedProxy[]} */
let proxies = [];
/** @type {grpc.Client[]} */
let clients = [];
/** @type {Stats} */
const stats = { responses: 0, acks: 0, converged: 0, errors: 0, lastError: '', lastResponseAt: 0 };

const send = (m) => process.send?.(m);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @param {{ address: string, proxies: { nodeId: string, metadata: Record<string, unknown> }[], connections: number }} m */
async function start(m) {
  const Node = xdsProtoRoot().lookupType('envoy.config.core.v3.Node');
  // Separate subchannel pools give each client its own HTTP/2 connection.
  clients = Array.from({ length: m.connections }, () => new grpc.Client(m.address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': -1 }));
  const startedAt = now();
  proxies = m.proxies.map((p, i) => {
    const node = Buffer.from(Node.encode(Node.fromObject({ id: p.nodeId, cluster: 'bench', user_agent_name: 'envoy', metadata: plainToStruct(p.metadata) })).finish());
    return new SimulatedProxy(p, /** @type {grpc.Client} */ (clients[i % clients.length]), node, stats);
  });
  while (stats.converged < proxies.length) await sleep(50);
  const times = proxies.map((p) => (p.convergedAt ? p.convergedAt - startedAt : Infinity));
  send({ type: 'converged', startedAt, times, errors: stats.errors, lastError: stats.lastError });
  stats.errors = 0;
}

/** Waits until responses after the mark have stopped for `quietMs` and every proxy has ACKed its
 *  latest responses, then reports each proxy's last ACK time and response count since the mark.
 * @param {{ quietMs: number, timeoutMs: number, markedAt: number }} m */
async function settle(m) {
  const deadline = now() + m.timeoutMs;
  for (;;) {
    await sleep(20);
    const t = now();
    const got = proxies.some((p) => p.responsesSinceMark > 0);
    if (got && t - stats.lastResponseAt >= m.quietMs && proxies.every((p) => p.converged())) break;
    if (t > deadline) break;
  }
  send({
    type: 'settled',
    perProxy: proxies.filter((p) => p.responsesSinceMark > 0).map((p) => ({ responses: p.responsesSinceMark, lastAckAt: p.lastAckAt })),
    unconverged: proxies.filter((p) => !p.converged()).length,
    errors: stats.errors,
  });
}

process.on('message', (m) => {
  if (m.type === 'start') void start(m);
  else if (m.type === 'mark') {
    for (const p of proxies) p.responsesSinceMark = 0;
    send({ type: 'marked' });
  } else if (m.type === 'settle') void settle(m);
  else if (m.type === 'stop') {
    for (const p of proxies) p.stop();
    for (const c of clients) c.close();
    send({ type: 'stopped' });
    setTimeout(() => process.exit(0), 100);
  }
});
send({ type: 'hello' });
