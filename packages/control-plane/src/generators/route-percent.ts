// Istio percentages as Envoy FractionalPercent: Percent{value} (a double, 0-100) becomes a
// numerator over MILLION, integer percents a numerator over HUNDRED (Istio route.go).

/** envoy.type.v3.FractionalPercent. */
export interface FractionalPercent {
  readonly numerator: number;
  readonly denominator: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION';
}

/**
 * `Percent{value: 12.5}` → `{ numerator: 125000, denominator: MILLION }`, Istio's
 * translatePercentToFractionalPercent. Istio truncates `value * 10000`; we round instead, so a
 * decimal like 33.3 (332999.99… as a double) gives 333000 as the user meant.
 */
export function percentToFractional(value: number | undefined): FractionalPercent {
  return { numerator: Math.max(0, Math.round((value ?? 0) * 10_000)), denominator: 'MILLION' };
}

/** An integer percent (the deprecated `percent` / `mirrorPercent` fields) over HUNDRED. */
export function integerPercentToFractional(value: number): FractionalPercent {
  return { numerator: Math.max(0, Math.trunc(value)), denominator: 'HUNDRED' };
}
