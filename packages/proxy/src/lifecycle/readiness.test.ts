import { describe, expect, it } from 'vitest';
import type { AdsClientStats, UpdateStats } from '../xds-client/ads-client.js';
import { configProblem, createReadinessCheck } from './readiness.js';
import { ServerLifecycle } from './server-state.js';

const zero: UpdateStats = { attempt: 0, success: 0, rejected: 0, failure: 0 };
const stats = (cds: Partial<UpdateStats>, lds: Partial<UpdateStats>): AdsClientStats => ({
  connected: true,
  streams: 1,
  updates: { cluster: { ...zero, ...cds }, listener: { ...zero, ...lds }, endpoint: zero, route: zero },
});

describe('readiness', () => {
  it.each([
    [{}, {}, 'config not received from XDS server (is weftd running?): cds updates: 0 successful, 0 rejected; lds updates: 0 successful, 0 rejected'],
    [{ rejected: 1 }, { rejected: 2 }, 'config not received from XDS server (is weftd running?): cds updates: 0 successful, 1 rejected; lds updates: 0 successful, 2 rejected'],
    [{ rejected: 1 }, { success: 1 }, 'config received from XDS server, but was rejected: cds updates: 0 successful, 1 rejected; lds updates: 1 successful, 0 rejected'],
    [{ success: 1 }, {}, 'config not fully received from XDS server: cds updates: 1 successful, 0 rejected; lds updates: 0 successful, 0 rejected'],
    [{ success: 1 }, { success: 3, rejected: 1 }, undefined],
  ])("gives Istio's message for CDS %j and LDS %j", (cds, lds, message) => {
    expect(configProblem(stats(cds, lds))).toBe(message);
  });

  it('latches the first config, then follows the server state until the drain', () => {
    const lifecycle = new ServerLifecycle();
    let current = stats({}, {});
    const check = createReadinessCheck(() => current, () => lifecycle.state);
    expect(check()).toMatch(/^config not received/);
    current = stats({ success: 1 }, { success: 1 });
    expect(check()).toBe('server is not live, current state is: PRE_INITIALIZING');
    lifecycle.advance('INITIALIZING');
    lifecycle.advance('LIVE');
    expect(check()).toBeUndefined();
    // Counters going back (a fresh client after a restart, say) do not make a ready proxy unready.
    current = stats({}, {});
    expect(check()).toBeUndefined();
    expect(lifecycle.advance('INITIALIZING')).toBe(false);
    lifecycle.advance('DRAINING');
    expect(check()).toBe('server is draining');
  });
});
