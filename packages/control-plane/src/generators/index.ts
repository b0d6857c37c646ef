// Runs every generator for one proxy. Each generator is pure and lives in its own file; this
// file only composes them.

import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import type { GeneratedConfig } from './types.js';

/** Generates the whole xDS config of `proxy` from `snapshot`. Pure: same inputs, same output. */
export function generateProxyConfig(_snapshot: MeshSnapshot, _proxy: ProxyView): GeneratedConfig {
  return { listeners: [], routes: [], clusters: [], endpoints: [] };
}
