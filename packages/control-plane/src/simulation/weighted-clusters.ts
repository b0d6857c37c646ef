// Weighted cluster selection: the candidates with their weights, and Envoy's pick for a given random
// value (WeightedClusterUtil::pickCluster), so tests can check the distribution arithmetic exactly.

/** One candidate of a weighted_clusters action (HTTP route or tcp_proxy). */
export interface WeightedClusterCandidate {
  readonly name: string;
  readonly weight: number;
}

/** Envoy's pick: `selected = random % total`, then the first cluster whose cumulative weight range
 *  `[begin, begin + weight)` contains `selected`. The total is the sum of the weights (the deprecated
 *  `total_weight` no longer changes selection). `random` is Envoy's 64-bit stream random value (or the
 *  value of `random_value_specifier`'s header); any non-negative integer works here. Returns undefined
 *  when every weight is 0 (Envoy rejects such config). */
export function pickWeightedCluster(
  clusters: readonly WeightedClusterCandidate[],
  random: number | bigint,
): WeightedClusterCandidate | undefined {
  const total = clusters.reduce((sum, c) => sum + BigInt(c.weight), 0n);
  if (total === 0n) return undefined;
  const r = BigInt(random);
  const selected = ((r % total) + total) % total;
  let begin = 0n;
  for (const c of clusters) {
    const end = begin + BigInt(c.weight);
    if (selected >= begin && selected < end) return c;
    begin = end;
  }
  return undefined;
}

/** Each candidate's share of traffic in percent (weight / total × 100), the number a test compares with
 *  a VirtualService's weights. */
export function clusterShares(clusters: readonly WeightedClusterCandidate[]): ReadonlyMap<string, number> {
  const total = clusters.reduce((sum, c) => sum + c.weight, 0);
  const shares = new Map<string, number>();
  for (const c of clusters) shares.set(c.name, (shares.get(c.name) ?? 0) + (total === 0 ? 0 : (c.weight * 100) / total));
  return shares;
}
