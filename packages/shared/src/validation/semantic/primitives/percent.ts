// Percentages as Istio checks them: integer percents (0..100) and the fractional `Percent` message
// (0, or 0.0001..100).

/** Istio's ValidatePercent for an int32 percent field. */
export function validatePercent(val: number): string | undefined {
  if (val < 0 || val > 100) return `percentage ${val} is not in range 0..100`;
  return undefined;
}

/** Istio's validatePercentage for a `Percent { value: double }`. */
export function validatePercentage(value: number): string | undefined {
  if (value < 0 || value > 100 || (value > 0 && value < 0.0001)) {
    return `percentage ${value} is neither 0.0, nor in range [0.0001, 100.0]`;
  }
  return undefined;
}

/** Formats a float the way Go's `%f` does (six decimals), for messages copied from Istio. */
export function formatGoFloat(value: number): string {
  return value.toFixed(6);
}
