import { describe, expect, it } from 'vitest';
import { createProxyView } from './proxy-view.js';

describe('createProxyView', () => {
  it('reads an Istio node id', () => {
    const v = createProxyView('sidecar~127.0.0.11~reviews-v1.bookinfo~bookinfo.svc.cluster.local');
    expect(v).toMatchObject({ type: 'sidecar', namespace: 'bookinfo', workloadName: 'reviews-v1', ipAddresses: ['127.0.0.11'], serviceAccount: 'default' });
  });

  it('prefers metadata and recognises routers and proxyless gRPC', () => {
    const v = createProxyView('router~127.0.0.2~gw.istio-system~istio-system.svc.cluster.local', {
      NAMESPACE: 'istio-system',
      LABELS: { istio: 'ingressgateway', bad: 1 },
      INSTANCE_IPS: '127.0.0.2, 127.0.0.3',
      SERVICE_ACCOUNT: 'ingress',
      GENERATOR: 'grpc',
    });
    expect(v).toMatchObject({ type: 'router', labels: { istio: 'ingressgateway' }, ipAddresses: ['127.0.0.2', '127.0.0.3'], serviceAccount: 'ingress', generator: 'grpc' });
    expect(Object.isFrozen(v)).toBe(true);
  });

  it('defaults what a short id does not say', () => {
    expect(createProxyView('anything')).toMatchObject({ type: 'sidecar', namespace: 'default', workloadName: '', ipAddresses: [] });
  });
});
