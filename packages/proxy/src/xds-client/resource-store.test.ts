import { packAny } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { BLACKHOLE, RATINGS, REVIEWS, edsCluster, loadAssignment } from '../../test/mesh-fixtures.js';
import { decodeResponse, type DecodedResource } from './decode-response.js';
import { kindInfo, type ResourceKind } from './resource-kinds.js';
import { EMPTY_SNAPSHOT, applyResponse, keepSubscribed } from './resource-store.js';

function decode(kind: ResourceKind, resources: Record<string, unknown>[]): DecodedResource[] {
  const result = decodeResponse(kindInfo(kind), resources.map((r) => packAny(kindInfo(kind).typeUrl, r)));
  if (!result.ok) throw new Error(result.error);
  return [...result.resources];
}

const CDS = kindInfo('cluster');
const EDS = kindInfo('endpoint');
const none = new Set<string>();

describe('applyResponse', () => {
  it('takes a CDS response as the whole set: adds, keeps unchanged resources as they were, removes absent ones', () => {
    const v1 = applyResponse(EMPTY_SNAPSHOT, CDS, 'v1', decode('cluster', [edsCluster(REVIEWS), BLACKHOLE]), none, 1000);
    expect(v1).toMatchObject({ changed: true, problems: [] });
    expect(v1.snapshot.cluster).toMatchObject({ versionInfo: 'v1', lastUpdated: 1000 });

    const v2 = applyResponse(v1.snapshot, CDS, 'v2', decode('cluster', [edsCluster(REVIEWS), edsCluster(RATINGS)]), none, 2000);
    expect(v2.changed).toBe(true);
    expect([...v2.snapshot.cluster.resources.keys()]).toEqual([REVIEWS, RATINGS]);
    // Same bytes: the resource keeps its version and time, like Envoy skipping an identical update.
    expect(v2.snapshot.cluster.resources.get(REVIEWS)).toBe(v1.snapshot.cluster.resources.get(REVIEWS));
    expect(v2.snapshot.cluster.resources.get(RATINGS)).toMatchObject({ version: 'v2', lastUpdated: 2000 });

    const same = applyResponse(v2.snapshot, CDS, 'v3', decode('cluster', [edsCluster(REVIEWS), edsCluster(RATINGS)]), none, 3000);
    expect(same.changed).toBe(false);
    expect(same.snapshot.cluster).toMatchObject({ versionInfo: 'v3', lastUpdated: 2000 });
    expect(v1.snapshot.cluster.resources.size).toBe(2);
  });

  it('keeps the last good version of a refused resource and does not add a refused new one', () => {
    const good = applyResponse(EMPTY_SNAPSHOT, CDS, 'v1', decode('cluster', [edsCluster(REVIEWS)]), none, 1000).snapshot;
    const bad = decode('cluster', [{ name: REVIEWS, type: 'EDS' }, { name: 'new', type: 'EDS' }, BLACKHOLE]);
    const outcome = applyResponse(good, CDS, 'v2', bad, none, 2000);
    expect(outcome.problems).toEqual([`cluster '${REVIEWS}': cannot create an EDS cluster without an EDS config`, "cluster 'new': cannot create an EDS cluster without an EDS config"]);
    expect(outcome.snapshot.cluster.versionInfo).toBe('v1');
    expect([...outcome.snapshot.cluster.resources.keys()]).toEqual([REVIEWS, 'BlackHoleCluster']);
    expect(outcome.snapshot.cluster.resources.get(REVIEWS)?.version).toBe('v1');
    expect([...outcome.snapshot.cluster.failures.keys()]).toEqual([REVIEWS, 'new']);
    // A later response without the refused names forgets their failures.
    const later = applyResponse(outcome.snapshot, CDS, 'v3', decode('cluster', [BLACKHOLE]), none, 3000);
    expect(later.snapshot.cluster.failures.size).toBe(0);
  });

  it('merges an EDS response into what is there and ignores names not subscribed to', () => {
    const subscribed = new Set([REVIEWS, RATINGS]);
    const first = applyResponse(EMPTY_SNAPSHOT, EDS, '1', decode('endpoint', [loadAssignment(REVIEWS, ['10.0.0.7'])]), subscribed, 1).snapshot;
    const second = applyResponse(first, EDS, '2', decode('endpoint', [loadAssignment(RATINGS, ['10.0.0.5']), loadAssignment('other', ['10.0.0.1'])]), subscribed, 2).snapshot;
    expect([...second.endpoint.resources.keys()]).toEqual([REVIEWS, RATINGS]);
    expect(keepSubscribed(second, EDS, new Set([RATINGS]), 3).endpoint.resources.has(REVIEWS)).toBe(false);
    expect(keepSubscribed(second, EDS, subscribed, 3)).toBe(second);
  });
});

describe('decodeResponse', () => {
  it('refuses the whole response for a nameless or duplicate resource', () => {
    expect(decodeResponse(CDS, [packAny(CDS.typeUrl, { type: 'EDS' })])).toEqual({ ok: false, error: 'resource 0 of the CDS response has no name' });
    expect(decodeResponse(CDS, [packAny(CDS.typeUrl, BLACKHOLE), packAny(CDS.typeUrl, BLACKHOLE)])).toEqual({ ok: false, error: 'duplicate cluster BlackHoleCluster found' });
  });
});
