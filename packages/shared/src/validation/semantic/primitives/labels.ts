// Kubernetes label keys/values as Istio checks them (pkg/config/labels) and workload selectors
// (exact labels only: no wildcards, no empty keys).

import { errorFinding, warningFinding, type Finding } from './finding.js';
import { stringEntries } from './read-helpers.js';

const DNS1123_LABEL = '[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?';
const QUALIFIED_NAME = '(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const TAG_KEY = new RegExp(`^(${DNS1123_LABEL}(?:\\.${DNS1123_LABEL})*/)?(${QUALIFIED_NAME})$`);
const LABEL_VALUE = new RegExp(`^(${QUALIFIED_NAME})?$`);

/** Istio's validateTagKey: `[prefix/]name`, prefix a DNS name of at most 253, name at most 63. */
export function validateLabelKey(k: string): string | undefined {
  const m = TAG_KEY.exec(k);
  if (!m) return `invalid tag key: ${JSON.stringify(k)}`;
  const prefix = m[1] ?? '';
  if (prefix.length > 0 && prefix.length - 1 > 253) return `invalid tag key: ${JSON.stringify(k)} (DNS prefix is too long)`;
  if ((m[2] ?? '').length > 63) return `invalid tag key: ${JSON.stringify(k)} (name is too long)`;
  return undefined;
}

/** A label value: empty, or alphanumerics with `-_.` inside. */
export function validateLabelValue(v: string): string | undefined {
  return LABEL_VALUE.test(v) ? undefined : `invalid tag value: ${JSON.stringify(v)}`;
}

/** A problem with one label: an error finding at `[key]`, with the key also given as `key`. */
export type LabelFinding = Finding & { readonly key: string };

/** Istio's labels.Instance.Validate over a map: every problem as an error at `[key]`. */
export function validateLabels(labels: unknown): LabelFinding[] {
  const out: LabelFinding[] = [];
  for (const [k, v] of stringEntries(labels)) {
    const ke = validateLabelKey(k);
    if (ke) out.push({ ...errorFinding(ke, [k]), key: k });
    const ve = validateLabelValue(v);
    if (ve) out.push({ ...errorFinding(ve, [k]), key: k });
  }
  return out;
}

/** A finding of {@link validateSelectorLabels}: `key` (and `at`) name the label concerned, or are
 *  undefined for the selector as a whole. */
export type SelectorFinding = Finding & { readonly key: string | undefined };

/**
 * Istio's validateWorkloadSelector over `matchLabels`: no empty keys, no `*` in keys or values,
 * and a warning when a selector is given without labels. `matchLabels` may be any value.
 */
export function validateSelectorLabels(matchLabels: unknown): SelectorFinding[] {
  const out: SelectorFinding[] = [];
  const entries = stringEntries(matchLabels);
  for (const [k, v] of entries) {
    if (k === '') out.push({ ...errorFinding(`empty key is not supported in selector: ${JSON.stringify(`${k}=${v}`)}`, [k]), key: k });
    if (k.includes('*') || v.includes('*')) {
      out.push({ ...errorFinding(`wildcard is not supported in selector: ${JSON.stringify(`${k}=${v}`)}`, [k]), key: k });
    }
  }
  if (entries.length === 0) out.push({ ...warningFinding('workload selector specified without labels'), key: undefined });
  return out;
}
