import { WEFT_VERSION } from '@weft/shared/version';
import { describe, expect, it } from 'vitest';
import { defaultProxyConfig } from '../config.js';
import { buildXdsNode } from './xds-node.js';

describe('buildXdsNode', () => {
  it("builds Istio's node id and metadata from the config", () => {
    const config = defaultProxyConfig({
      podName: 'reviews-v1-7d8f',
      workloadName: 'reviews-v1',
      namespace: 'bookinfo',
      labels: { app: 'reviews', version: 'v1' },
      serviceAccount: 'bookinfo-reviews',
      workloadAddresses: ['10.0.0.7', 'fd00::7'],
      appAddress: '127.0.1.7',
      extraMetadata: { CLUSTER_ID: 'Kubernetes', NAMESPACE: 'overridden' },
    });
    expect(buildXdsNode(config, 'host-1')).toEqual({
      id: 'sidecar~10.0.0.7~reviews-v1-7d8f.bookinfo~bookinfo.svc.cluster.local',
      cluster: 'reviews-v1.bookinfo',
      metadata: {
        CLUSTER_ID: 'Kubernetes',
        NAME: 'reviews-v1-7d8f',
        NAMESPACE: 'bookinfo',
        WORKLOAD_NAME: 'reviews-v1',
        LABELS: { app: 'reviews', version: 'v1' },
        SERVICE_ACCOUNT: 'bookinfo-reviews',
        INSTANCE_IPS: '10.0.0.7,fd00::7',
        PROXY_TYPE: 'sidecar',
        WEFT_APP_ADDRESS: '127.0.1.7',
        WEFT_VERSION,
      },
      userAgentName: 'weft-proxy',
      userAgentVersion: WEFT_VERSION,
    });
  });

  it.each([
    [{}, 'sidecar~127.0.0.1~host-1.default~default.svc.cluster.local', 'host-1.default'],
    [{ workloadName: 'ratings' }, 'sidecar~127.0.0.1~ratings.default~default.svc.cluster.local', 'ratings.default'],
    [{ podName: 'p', mode: 'router' as const, domain: 'mesh.local' }, 'router~127.0.0.1~p.default~mesh.local', 'p.default'],
    [{ nodeId: 'custom-id' }, 'custom-id', 'host-1.default'],
  ])('defaults missing names (%j)', (overrides, id, cluster) => {
    const node = buildXdsNode(defaultProxyConfig(overrides), 'host-1');
    expect([node.id, node.cluster]).toEqual([id, cluster]);
  });

  it('tells weftd where the app listens only for sidecars', () => {
    expect(buildXdsNode(defaultProxyConfig(), 'h').metadata.WEFT_APP_ADDRESS).toBe('127.0.0.1');
    expect(buildXdsNode(defaultProxyConfig({ mode: 'router' }), 'h').metadata).not.toHaveProperty('WEFT_APP_ADDRESS');
  });
});
