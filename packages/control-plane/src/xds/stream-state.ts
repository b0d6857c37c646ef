// The state-of-the-world xDS protocol state of one ADS stream: per type URL, what the client subscribes
// to, what was last sent (version, nonce), what it ACKed or NACKed, and which responses it has not
// answered yet. Pure bookkeeping: no gRPC, no timers; ads-connection.ts drives it.

import { type AnyMessage, type DiscoveryRequest, type DiscoveryResponse, isWildcardType } from '@weft/shared/xds';
import { selectNamedResources, type Snapshot, type Subscription } from './snapshot.js';

/** The client's last NACK of a type. */
export interface NackRecord {
  /** The version the client rejected (the one sent with `nonce`). */
  readonly version: string;
  readonly nonce: string;
  /** google.rpc.Status code and message from the request's `error_detail`. */
  readonly code: number;
  readonly message: string;
  /** When the NACK arrived (ISO 8601). */
  readonly at: string;
}

/** Per type: exactly what `/debug/syncz` shows. */
export interface TypeSyncStatus {
  readonly typeUrl: string;
  /** Version of the last response sent; undefined before the first one. */
  readonly versionSent: string | undefined;
  /** Version the client last ACKed (its request's `version_info`). */
  readonly versionAcked: string | undefined;
  /** Nonce of the last response sent. */
  readonly nonce: string | undefined;
  readonly lastNack: NackRecord | undefined;
}

/** What one request meant, after the rules in {@link StreamState.handleRequest}. */
export type RequestOutcome =
  | { readonly kind: 'subscribe'; readonly respond: boolean }
  | { readonly kind: 'stale'; readonly nonce: string; readonly latestNonce: string; readonly respond: false }
  | { readonly kind: 'ack'; readonly version: string; readonly nonce: string; readonly respond: boolean }
  | { readonly kind: 'nack'; readonly nack: NackRecord; readonly respond: boolean };

interface TypeState {
  /** Whether the client ever named resources of this type explicitly (ends the legacy wildcard). */
  explicit: boolean;
  subscription: Subscription;
  versionSent: string | undefined;
  nonceSent: string | undefined;
  versionAcked: string | undefined;
  lastNack: NackRecord | undefined;
  /** A request (the first one, or a subscription change) is waiting for a response. */
  owesResponse: boolean;
  /** Nonces sent and not yet answered by any request, oldest first. */
  unanswered: string[];
  /** Named types (RDS, EDS): the resources this stream was last sent, by name, so that a push carries
   *  only those that changed. Undefined until the first response and after a NACK (next one is whole). */
  sent: Map<string, AnyMessage> | undefined;
  /** Named types: the resources of the snapshot entry the last response was built from. Every
   *  subscribed name it holds is in `sent` with the same resource, so a push need only look at the
   *  names whose resource differs between it and the new entry. */
  sentFrom: ReadonlyMap<string, AnyMessage> | undefined;
  /** The resource_names list the subscription was last computed from. */
  namesFrom: readonly string[] | undefined;
}

// Names whose resource object differs between two resource maps (added or replaced; removed names
// are never sent in SotW), per pair of maps: streams of proxies sharing config share both maps, so a
// push to thousands of streams diffs each pair once instead of every stream's thousands of names.
const changedMemo = new WeakMap<ReadonlyMap<string, AnyMessage>, WeakMap<ReadonlyMap<string, AnyMessage>, readonly string[]>>();

function changedNames(from: ReadonlyMap<string, AnyMessage>, to: ReadonlyMap<string, AnyMessage>): readonly string[] {
  let byTarget = changedMemo.get(from);
  if (!byTarget) changedMemo.set(from, (byTarget = new WeakMap()));
  let names = byTarget.get(to);
  if (!names) {
    const out: string[] = [];
    for (const [name, any] of to) if (from.get(name) !== any) out.push(name);
    byTarget.set(to, (names = out.sort()));
  }
  return names;
}

/** Whether two packed resources are the same bytes (the pack memo often makes them the same object). */
function sameAny(a: AnyMessage | undefined, b: AnyMessage): boolean {
  return a === b || (a !== undefined && a.type_url === b.type_url && Buffer.compare(a.value, b.value) === 0);
}

function sameSubscription(a: Subscription, b: Subscription): boolean {
  if (a.wildcard !== b.wildcard || a.names.size !== b.names.size) return false;
  for (const n of a.names) if (!b.names.has(n)) return false;
  return true;
}

function isActive(s: Subscription): boolean {
  return s.wildcard || s.names.size > 0;
}

/** Protocol state of one stream. Type URLs are independent sub-streams (xDS "ADS"). */
export class StreamState {
  private readonly types = new Map<string, TypeState>();

  /** Applies one DiscoveryRequest (xDS protocol, "ACK/NACK and resource type instance version" and
   *  "How the client specifies what resources to return"). `respond` says the client is owed a
   *  response now; whether one can be built depends on the snapshot ({@link nextResponse}). */
  handleRequest(request: DiscoveryRequest, now: Date = new Date()): RequestOutcome {
    const { type_url: typeUrl, response_nonce: nonce } = request;
    let state = this.types.get(typeUrl);
    if (state) this.markAnswered(state, nonce);

    if (!state) {
      // First request for this type on this stream: a subscription. A non-empty nonce here comes from
      // an earlier stream (nonces do not survive reconnects), so it is not checked.
      state = { explicit: false, subscription: { wildcard: false, names: new Set() }, versionSent: undefined, nonceSent: undefined, versionAcked: undefined, lastNack: undefined, owesResponse: false, unanswered: [], sent: undefined, sentFrom: undefined, namesFrom: undefined };
      this.types.set(typeUrl, state);
      this.applySubscription(state, typeUrl, request.resource_names);
      // A named type subscribed to nothing has nothing to receive.
      state.owesResponse = isActive(state.subscription);
      return { kind: 'subscribe', respond: state.owesResponse };
    }

    const latestNonce = state.nonceSent ?? '';
    if (nonce !== latestNonce) {
      // Stale: a newer response is already on its way and the client will answer it with its current
      // subscription, so this request is ignored entirely (spec: "should not send a response for any
      // request that has a stale nonce"). Before the first response, only '' is current. A stale NACK
      // still means the client kept older resources than we think, so the next response is whole.
      if (request.error_detail) state.sent = undefined;
      return { kind: 'stale', nonce, latestNonce, respond: false };
    }

    const changed = this.applySubscription(state, typeUrl, request.resource_names);
    // A changed subscription owes a response (the server "must resend any newly requested resources"),
    // except when it became empty: an unsubscribe needs no answer, and an empty LDS/CDS response would
    // mean "delete everything".
    if (changed && isActive(state.subscription)) state.owesResponse = true;
    if (!isActive(state.subscription)) state.owesResponse = false;

    if (state.nonceSent === undefined) {
      // Nothing sent yet, so nothing to ACK or NACK: a subscription update before the first response
      // (e.g. EDS names growing while the snapshot is not ready).
      return { kind: 'subscribe', respond: state.owesResponse };
    }
    if (request.error_detail) {
      // NACK of the latest response: remember why, keep the client on its last good version, and do
      // not resend this version; only a new version (or a subscription change) is sent.
      const nack: NackRecord = { version: state.versionSent ?? '', nonce, code: request.error_detail.code, message: request.error_detail.message, at: now.toISOString() };
      state.lastNack = nack;
      // The client kept its older resources; the next response carries every subscribed one again.
      state.sent = undefined;
      return { kind: 'nack', nack, respond: state.owesResponse };
    }
    // ACK of the latest response: the client now runs version_info (normally the version sent with
    // this nonce; after a NACK, requests with that nonce carry the older version still in use).
    state.versionAcked = request.version_info;
    return { kind: 'ack', version: request.version_info, nonce, respond: state.owesResponse };
  }

  /** Builds the response due for `typeUrl` from `snapshot` and records it as sent with a fresh nonce, or
   *  returns undefined when none is due: the type is not subscribed, the snapshot lacks it (the
   *  request waits), nothing is owed and the version equals the one last sent, or (named types) no
   *  subscribed resource differs from what this stream was last sent.
   *
   *  LDS and CDS responses always carry the whole set. For RDS and EDS, the xDS protocol groups SotW
   *  responses as the incremental variants do ("Grouping Resources into Responses"): a client keeps
   *  the named resources a response leaves out. So a push (nothing owed) carries only the resources
   *  whose bytes changed, as Istio's EDS pushes do; a request (first subscription, a changed
   *  subscription) and the response after a NACK carry every subscribed resource. */
  nextResponse(typeUrl: string, snapshot: Snapshot | undefined, createNonce: () => string): DiscoveryResponse | undefined {
    const state = this.types.get(typeUrl);
    const entry = snapshot?.get(typeUrl);
    if (!state || !entry || !isActive(state.subscription)) return undefined;
    if (!state.owesResponse && entry.version === state.versionSent) return undefined;
    let resources: [string, AnyMessage][];
    if (state.subscription.wildcard) resources = selectNamedResources(entry, state.subscription);
    else {
      const sent = state.sent;
      if (!state.owesResponse && sent && state.sentFrom) {
        resources = [];
        for (const name of changedNames(state.sentFrom, entry.resources)) {
          if (!state.subscription.names.has(name)) continue;
          const any = entry.resources.get(name) as AnyMessage;
          if (!sameAny(sent.get(name), any)) resources.push([name, any]);
        }
        state.sentFrom = entry.resources;
        if (resources.length === 0) return undefined;
        for (const [name, any] of resources) sent.set(name, any);
      } else {
        resources = selectNamedResources(entry, state.subscription);
        state.sent = new Map(resources);
        state.sentFrom = entry.resources;
      }
    }
    const nonce = createNonce();
    state.owesResponse = false;
    state.versionSent = entry.version;
    state.nonceSent = nonce;
    state.unanswered.push(nonce);
    return { version_info: entry.version, resources: resources.map(([, any]) => any), type_url: typeUrl, nonce };
  }

  /** Type URLs this stream has requested, in first-request order. */
  subscribedTypes(): string[] {
    return [...this.types.keys()];
  }

  /** Responses sent on this stream that no request has answered yet (over all types). */
  unansweredCount(): number {
    let n = 0;
    for (const s of this.types.values()) n += s.unanswered.length;
    return n;
  }

  /** The current subscription for a type, if the client requested it. */
  subscription(typeUrl: string): Subscription | undefined {
    return this.types.get(typeUrl)?.subscription;
  }

  /** Per type, for `/debug/syncz`. */
  syncStatus(): TypeSyncStatus[] {
    return [...this.types].map(([typeUrl, s]) => ({ typeUrl, versionSent: s.versionSent, versionAcked: s.versionAcked, nonce: s.nonceSent, lastNack: s.lastNack }));
  }

  /** Any request carrying the nonce of an unanswered response answers it and every older one: the
   *  client processes responses in order, and may answer several with one request (Envoy's paused
   *  EDS ACKs), even when that request is stale. */
  private markAnswered(state: TypeState, nonce: string): void {
    const i = state.unanswered.indexOf(nonce);
    if (i >= 0) state.unanswered.splice(0, i + 1);
  }

  /** Applies `resource_names` with the wildcard rules; returns whether the subscription changed. */
  private applySubscription(state: TypeState, typeUrl: string, resourceNames: readonly string[]): boolean {
    // The decoder hands out the same (frozen) list for the same names: nothing changed.
    if (Object.isFrozen(resourceNames) && resourceNames === state.namesFrom) return false;
    state.namesFrom = resourceNames;
    let next: Subscription;
    if (!isWildcardType(typeUrl)) {
      // RDS/EDS/SDS: always named; an empty list means no resources.
      next = { wildcard: false, names: new Set(resourceNames) };
    } else if (resourceNames.length === 0 && !state.explicit) {
      // Legacy wildcard: LDS/CDS with no names, as long as the client never named any.
      next = { wildcard: true, names: new Set() };
    } else {
      // Explicit: "*" is the wildcard, other entries are names; an empty list now unsubscribes.
      state.explicit = state.explicit || resourceNames.length > 0;
      next = { wildcard: resourceNames.includes('*'), names: new Set(resourceNames.filter((n) => n !== '*')) };
    }
    const changed = !sameSubscription(state.subscription, next);
    // An unchanged subscription keeps its object (sorted names are memoized per subscription).
    if (changed) state.subscription = next;
    return changed;
  }
}
