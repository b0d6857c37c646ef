import { describe, expect, it } from 'vitest';
import { type AnyMessage, type DiscoveryRequest, TYPE_URL } from '@weft/shared/xds';
import { createSnapshot, type Snapshot } from './snapshot.js';
import { StreamState } from './stream-state.js';

const CDS = TYPE_URL.CLUSTER;
const LDS = TYPE_URL.LISTENER;
const EDS = TYPE_URL.ENDPOINT;

function req(typeUrl: string, fields: Partial<DiscoveryRequest> = {}): DiscoveryRequest {
  return { version_info: '', node: undefined, resource_names: [], type_url: typeUrl, response_nonce: '', error_detail: undefined, ...fields };
}

const res = (name: string, generation = 1): [string, AnyMessage] => [name, { type_url: EDS, value: Buffer.from(`${name}@${generation}`) }];

function snap(generation: number, names = ['a', 'b', 'c']): Snapshot {
  const resources = names.map((n) => res(n, generation));
  return createSnapshot({ [CDS]: resources, [LDS]: resources, [EDS]: resources });
}

let nonces = 0;
const nonce = (): string => `n${++nonces}`;

/** Subscribes and returns the first response. */
function subscribed(typeUrl: string, names: string[] = [], snapshot = snap(1)) {
  const state = new StreamState();
  expect(state.handleRequest(req(typeUrl, { resource_names: names }))).toMatchObject({ kind: 'subscribe', respond: true });
  const first = state.nextResponse(typeUrl, snapshot, nonce);
  if (!first) throw new Error('no first response');
  return { state, first };
}

const names = (r: { resources: AnyMessage[] } | undefined): string[] => (r?.resources ?? []).map((a) => Buffer.from(a.value).toString().split('@')[0] ?? '');

describe('StreamState: ACK / NACK / nonce rules', () => {
  it('first request (empty nonce) subscribes and gets the whole type (legacy wildcard CDS)', () => {
    const { state, first } = subscribed(CDS);
    expect(names(first)).toEqual(['a', 'b', 'c']);
    expect(first.version_info).toBe(snap(1).get(CDS)?.version);
    expect(state.syncStatus()).toEqual([{ typeUrl: CDS, versionSent: first.version_info, versionAcked: undefined, nonce: first.nonce, lastNack: undefined }]);
  });

  it('first request with a nonce from an earlier stream still subscribes', () => {
    const state = new StreamState();
    expect(state.handleRequest(req(CDS, { response_nonce: 'from-old-stream', version_info: 'v0' }))).toEqual({ kind: 'subscribe', respond: true });
  });

  it('latest nonce without error_detail is an ACK and records the version', () => {
    const { state, first } = subscribed(CDS);
    expect(state.handleRequest(req(CDS, { response_nonce: first.nonce, version_info: first.version_info }))).toEqual({ kind: 'ack', version: first.version_info, nonce: first.nonce, respond: false });
    expect(state.syncStatus()[0]?.versionAcked).toBe(first.version_info);
    expect(state.nextResponse(CDS, snap(1), nonce)).toBeUndefined();
  });

  it('latest nonce with error_detail is a NACK: recorded, and the same version is not resent', () => {
    const { state, first } = subscribed(CDS);
    const outcome = state.handleRequest(req(CDS, { response_nonce: first.nonce, error_detail: { code: 3, message: 'bad cluster' } }), new Date('2024-01-02T03:04:05Z'));
    expect(outcome).toEqual({ kind: 'nack', respond: false, nack: { version: first.version_info, nonce: first.nonce, code: 3, message: 'bad cluster', at: '2024-01-02T03:04:05.000Z' } });
    expect(state.syncStatus()[0]).toMatchObject({ versionAcked: undefined, lastNack: { message: 'bad cluster' } });
    expect(state.nextResponse(CDS, snap(1), nonce)).toBeUndefined();
    const next = state.nextResponse(CDS, snap(2), nonce);
    expect(next?.version_info).toBe(snap(2).get(CDS)?.version);
  });

  it.each([
    ['an older nonce', (first: string) => `${first}-old`],
    ['an empty nonce after a response was sent', () => ''],
  ])('ignores a request with %s (stale), subscription change included', (_label, staleNonce) => {
    const { state, first } = subscribed(EDS, ['a']);
    const outcome = state.handleRequest(req(EDS, { response_nonce: staleNonce(first.nonce), resource_names: ['a', 'b'], error_detail: { code: 2, message: 'x' } }));
    expect(outcome).toMatchObject({ kind: 'stale', latestNonce: first.nonce, respond: false });
    expect([...(state.subscription(EDS)?.names ?? [])]).toEqual(['a']);
    expect(state.syncStatus()[0]?.lastNack).toBeUndefined();
  });

  it('a subscription update before any response (empty nonce) is a subscription, not an ACK', () => {
    const state = new StreamState();
    state.handleRequest(req(EDS, { resource_names: ['a'] }));
    expect(state.handleRequest(req(EDS, { resource_names: ['a', 'b'] }))).toEqual({ kind: 'subscribe', respond: true });
    expect(names(state.nextResponse(EDS, snap(1), nonce))).toEqual(['a', 'b']);
    expect(state.syncStatus()[0]?.versionAcked).toBeUndefined();
  });
});

describe('StreamState: subscriptions', () => {
  it.each([
    ['a name is added', ['a'], ['a', 'b'], true, ['a', 'b']],
    ['a name is replaced', ['a', 'b'], ['c'], true, ['c']],
    ['a name is removed', ['a', 'b'], ['b'], true, ['b']],
    ['the set is unchanged (reordered)', ['a', 'b'], ['b', 'a'], false, undefined],
    ['the set is emptied (unsubscribe)', ['a', 'b'], [], false, undefined],
  ])('named EDS: when %s, it answers as needed', (_label, initial, next, respond, expected) => {
    const { state, first } = subscribed(EDS, initial);
    const outcome = state.handleRequest(req(EDS, { response_nonce: first.nonce, version_info: first.version_info, resource_names: next }));
    expect(outcome).toMatchObject({ kind: 'ack', respond });
    const response = state.nextResponse(EDS, snap(1), nonce);
    expect(response && names(response)).toEqual(expected);
  });

  it('named EDS subscribed to nothing is not pushed, even when the version changes', () => {
    const { state, first } = subscribed(EDS, ['a']);
    state.handleRequest(req(EDS, { response_nonce: first.nonce, resource_names: [] }));
    expect(state.nextResponse(EDS, snap(2), nonce)).toBeUndefined();
  });

  it('first named request with no names owes nothing', () => {
    const state = new StreamState();
    expect(state.handleRequest(req(EDS))).toEqual({ kind: 'subscribe', respond: false });
    expect(state.nextResponse(EDS, snap(1), nonce)).toBeUndefined();
  });

  it('follows the LDS wildcard rules of the spec: legacy empty, "*" + name, name only, then empty = unsubscribed', () => {
    const { state, first } = subscribed(LDS, []);
    expect(state.subscription(LDS)).toEqual({ wildcard: true, names: new Set() });
    let nonceNow = first.nonce;
    const step = (resourceNames: string[]) => {
      state.handleRequest(req(LDS, { response_nonce: nonceNow, resource_names: resourceNames }));
      const r = state.nextResponse(LDS, snap(1), nonce);
      if (r) nonceNow = r.nonce;
      return r && names(r);
    };
    expect(step(['*', 'a'])).toEqual(['a', 'b', 'c']);
    expect(state.subscription(LDS)).toEqual({ wildcard: true, names: new Set(['a']) });
    expect(step(['a'])).toEqual(['a']);
    expect(step([])).toBeUndefined();
    expect(state.subscription(LDS)).toEqual({ wildcard: false, names: new Set() });
    expect(state.nextResponse(LDS, snap(2), nonce)).toBeUndefined();
  });

  it('a request waits while the snapshot lacks the type, then is answered', () => {
    const state = new StreamState();
    state.handleRequest(req(CDS));
    expect(state.nextResponse(CDS, undefined, nonce)).toBeUndefined();
    expect(state.nextResponse(CDS, createSnapshot({ [LDS]: [] }), nonce)).toBeUndefined();
    expect(names(state.nextResponse(CDS, snap(1), nonce))).toEqual(['a', 'b', 'c']);
  });
});

describe('StreamState: unanswered responses', () => {
  it('counts responses until a request carries their nonce or a later one (stale requests included)', () => {
    const { state, first } = subscribed(CDS);
    const second = state.nextResponse(CDS, snap(2), nonce);
    const third = state.nextResponse(CDS, snap(3), nonce);
    expect(state.unansweredCount()).toBe(3);
    expect(state.handleRequest(req(CDS, { response_nonce: second?.nonce }))).toMatchObject({ kind: 'stale' });
    expect(state.unansweredCount()).toBe(1);
    state.handleRequest(req(CDS, { response_nonce: third?.nonce }));
    expect(state.unansweredCount()).toBe(0);
    expect(first.nonce).not.toBe(third?.nonce);
  });
});

describe('StreamState: pushes of named types carry only what changed', () => {
  /** A snapshot where only `changed` moved to generation 2. */
  const partlyChanged = (changed: string[]): Snapshot => {
    const resources = ['a', 'b', 'c'].map((n) => res(n, changed.includes(n) ? 2 : 1));
    return createSnapshot({ [CDS]: resources, [EDS]: resources });
  };
  const ack = (state: StreamState, typeUrl: string, r: { nonce: string; version_info: string }) => state.handleRequest(req(typeUrl, { response_nonce: r.nonce, version_info: r.version_info, resource_names: typeUrl === EDS ? ['a', 'b', 'c'] : [] }));

  it('an EDS push after an ACK carries only the changed load assignments, under the new version', () => {
    const { state, first } = subscribed(EDS, ['a', 'b', 'c']);
    ack(state, EDS, first);
    const push = state.nextResponse(EDS, partlyChanged(['b']), nonce);
    expect(names(push)).toEqual(['b']);
    expect(push?.version_info).toBe(partlyChanged(['b']).get(EDS)?.version);
  });

  it('CDS (a wildcard type) pushes still carry the whole set', () => {
    const { state, first } = subscribed(CDS);
    ack(state, CDS, first);
    expect(names(state.nextResponse(CDS, partlyChanged(['b']), nonce))).toEqual(['a', 'b', 'c']);
  });

  it('sends nothing when no subscribed resource changed, and the next change is still seen', () => {
    const { state, first } = subscribed(EDS, ['a']);
    state.handleRequest(req(EDS, { response_nonce: first.nonce, version_info: first.version_info, resource_names: ['a'] }));
    expect(state.nextResponse(EDS, partlyChanged(['b']), nonce)).toBeUndefined();
    expect(names(state.nextResponse(EDS, partlyChanged(['a', 'b']), nonce))).toEqual(['a']);
  });

  it('a NACK makes the next response whole again (the client kept older resources)', () => {
    const { state, first } = subscribed(EDS, ['a', 'b', 'c']);
    state.handleRequest(req(EDS, { response_nonce: first.nonce, error_detail: { code: 3, message: 'bad' }, resource_names: ['a', 'b', 'c'] }));
    expect(names(state.nextResponse(EDS, partlyChanged(['b']), nonce))).toEqual(['a', 'b', 'c']);
  });

  it('a stale NACK (of an older partial push) also makes the next response whole', () => {
    const { state, first } = subscribed(EDS, ['a', 'b', 'c']);
    ack(state, EDS, first);
    const p1 = state.nextResponse(EDS, partlyChanged(['a']), nonce);
    const p2 = state.nextResponse(EDS, partlyChanged(['a', 'b']), nonce);
    expect([names(p1), names(p2)]).toEqual([['a'], ['b']]);
    expect(state.handleRequest(req(EDS, { response_nonce: p1?.nonce, error_detail: { code: 3, message: 'bad a' }, resource_names: ['a', 'b', 'c'] }))).toMatchObject({ kind: 'stale' });
    expect(names(state.nextResponse(EDS, partlyChanged(['a', 'b', 'c']), nonce))).toEqual(['a', 'b', 'c']);
  });

  it('a changed subscription is answered with every subscribed resource', () => {
    const { state, first } = subscribed(EDS, ['a']);
    expect(state.handleRequest(req(EDS, { response_nonce: first.nonce, version_info: first.version_info, resource_names: ['a', 'b'] }))).toMatchObject({ respond: true });
    expect(names(state.nextResponse(EDS, snap(1), nonce))).toEqual(['a', 'b']);
  });
});

describe('StreamState: repeated name lists', () => {
  it('an ACK repeating the same (frozen) list keeps the subscription; another list changes it', () => {
    const list = Object.freeze(['a', 'b']) as string[];
    const { state, first } = subscribed(EDS, list);
    const before = state.subscription(EDS);
    expect(state.handleRequest(req(EDS, { resource_names: list, version_info: first.version_info, response_nonce: first.nonce }))).toMatchObject({ kind: 'ack', respond: false });
    expect(state.subscription(EDS)).toBe(before);
    // Same names in a new list: still unchanged, compared by content.
    const second = state.nextResponse(EDS, snap(2), nonce);
    if (!second) throw new Error('no push');
    expect(state.handleRequest(req(EDS, { resource_names: ['a', 'b'], version_info: second.version_info, response_nonce: second.nonce }))).toMatchObject({ kind: 'ack', respond: false });
    // A different list is a subscription change, owed a response with every subscribed name.
    const third = state.nextResponse(EDS, snap(3), nonce);
    if (!third) throw new Error('no push');
    expect(state.handleRequest(req(EDS, { resource_names: Object.freeze(['a', 'b', 'c']) as string[], version_info: third.version_info, response_nonce: third.nonce }))).toMatchObject({ kind: 'ack', respond: true });
    expect(names(state.nextResponse(EDS, snap(3), nonce))).toEqual(['a', 'b', 'c']);
  });
});
