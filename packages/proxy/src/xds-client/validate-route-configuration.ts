// What makes a decoded RouteConfiguration unusable: a virtual host without a name or domains, a domain
// claimed twice, a route without a path matcher or an action, a route action without a cluster,
// weighted clusters that add up to nothing. Regexes are checked by validate-nested-messages.ts.

import type { RouteActionShape, RouteConfigurationShape, RouteShape } from './envoy-shapes.js';

const PATH_SPECIFIERS = ['prefix', 'path', 'safe_regex', 'path_separated_prefix', 'connect_matcher', 'path_match_policy'] as const;
const ACTIONS = ['route', 'redirect', 'direct_response', 'filter_action', 'non_forwarding_action'] as const;
const CLUSTER_SPECIFIERS = ['cluster', 'cluster_header', 'weighted_clusters', 'cluster_specifier_plugin', 'inline_cluster_specifier_plugin'] as const;

function routeActionProblems(action: RouteActionShape, at: string): string[] {
  if (!CLUSTER_SPECIFIERS.some((k) => action[k] !== undefined && action[k] !== '')) return [`${at}.route: one of ${CLUSTER_SPECIFIERS.join(', ')} is required`];
  const clusters = action.weighted_clusters?.clusters;
  if (action.weighted_clusters && !action.cluster && !action.cluster_header) {
    if (!clusters || clusters.length === 0) return [`${at}.route.weighted_clusters: at least one cluster is required`];
    const problems = clusters.flatMap((c, i) => (c.name || c.cluster_header ? [] : [`${at}.route.weighted_clusters.clusters[${i}]: name or cluster_header is required`]));
    const total = clusters.reduce((sum, c) => sum + (c.weight?.value ?? 0), 0);
    if (total <= 0) problems.push(`${at}.route.weighted_clusters: Sum of weights in the weighted_cluster must be greater than 0.`);
    return problems;
  }
  return [];
}

function routeProblems(route: RouteShape, at: string): string[] {
  const problems: string[] = [];
  if (!route.match || !PATH_SPECIFIERS.some((k) => route.match?.[k] !== undefined)) problems.push(`${at}.match: one of ${PATH_SPECIFIERS.join(', ')} is required`);
  if (!ACTIONS.some((k) => route[k] !== undefined)) problems.push(`${at}: one of ${ACTIONS.join(', ')} is required`);
  if (route.route) problems.push(...routeActionProblems(route.route, at));
  return problems;
}

/** Every reason `config` cannot be used; empty when it can. */
export function routeConfigurationProblems(config: RouteConfigurationShape): string[] {
  const problems: string[] = [];
  const domains = new Map<string, string>();
  (config.virtual_hosts ?? []).forEach((vh, i) => {
    const at = `virtual_hosts[${i}]`;
    if (!vh.name) problems.push(`${at}: name must not be empty`);
    if (!vh.domains || vh.domains.length === 0) problems.push(`${at} (${vh.name ?? ''}): domains must not be empty`);
    for (const domain of vh.domains ?? []) {
      const key = domain.toLowerCase();
      if (domains.has(key)) problems.push(`Only unique values for domains are permitted. Duplicate entry of domain ${domain} in route ${config.name ?? ''}`);
      else domains.set(key, vh.name ?? '');
    }
    (vh.routes ?? []).forEach((r, j) => problems.push(...routeProblems(r, `${at}.routes[${j}]`)));
  });
  return problems;
}
