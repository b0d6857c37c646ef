// Public surface of the traffic simulator: simulate() over Envoy-shaped config, explain() for
// messages, and the weighted-pick arithmetic. Nothing here depends on generators or snapshots.

export { simulate, type SimulationFailure, type SimulationResult } from './simulate.js';
export { explain } from './explain.js';
export type { CallMode, CallProtocol, NormalizedRequest, SimulationRequest, TlsMode } from './request.js';
export type { EnvoyConfig } from './envoy-shapes.js';
export type { ConnectionView } from './listener-filters.js';
export type { DirectResponseResult, HeaderAddition, RedirectResult, RouteOutcome, WeightedClusterResult } from './route-action.js';
export { clusterShares, pickWeightedCluster, type WeightedClusterCandidate } from './weighted-clusters.js';
