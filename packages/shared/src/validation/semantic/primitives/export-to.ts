// `exportTo` lists (VirtualService, DestinationRule, ServiceEntry): `.`, `*`, `~` (ServiceEntry only)
// or namespace names; no duplicates, `*` alone, `~` alone; selector DestinationRules stay local.

import { isDNS1123Label } from './hosts.js';
import { errorFinding, type Finding } from './finding.js';
import { stringItems } from './read-helpers.js';

/** Options of {@link validateExportTo}. */
export interface ExportToOptions {
  /** The resource's namespace (`.` stands for it); empty when unknown. */
  readonly namespace: string;
  /** ServiceEntry may export to nobody (`~`). */
  readonly isServiceEntry?: boolean;
  /** A DestinationRule with a workloadSelector may only export to its own namespace. */
  readonly isDestinationRuleWithSelector?: boolean;
}

/** Istio's visibility.Instance.Validate for one entry. */
export function validateVisibility(v: string): string | undefined {
  if (v === '.' || v === '*') return undefined;
  if (v === '~') return 'exportTo ~ (none) is not allowed for Istio configuration objects';
  if (!isDNS1123Label(v)) return 'only .,*, or a valid DNS 1123 label is allowed as exportTo entry';
  return undefined;
}

/** Istio's validateExportTo. Findings carry `[index]` of the entry at fault where there is one. */
export function validateExportTo(exportTo: unknown, opts: ExportToOptions): Finding[] {
  const out: Finding[] = [];
  const entries = stringItems(exportTo);
  if (entries.length === 0) return out;
  const { namespace } = opts;
  const seen = new Set<string>();
  for (const [i, e] of entries) {
    // `.` means the current namespace, so `.` and the namespace's own name are duplicates.
    const key = e === '.' && namespace !== '' ? namespace : e;
    if (seen.has(key)) {
      out.push(
        errorFinding(key !== e ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${e}`, [i]),
      );
      continue;
    }
    if (opts.isServiceEntry && e === '~') {
      seen.add(key);
      continue;
    }
    const err = validateVisibility(key);
    if (err) out.push(errorFinding(err, [i]));
    else seen.add(key);
  }
  if (opts.isDestinationRuleWithSelector && seen.size > 0) {
    const local = seen.has(namespace) || (namespace === '' && seen.has('.'));
    if (local) {
      if (seen.size > 1) out.push(errorFinding('destination rule with workload selector cannot have multiple entries in exportTo'));
    } else {
      out.push(errorFinding('destination rule with workload selector cannot have exportTo beyond current namespace'));
    }
  }
  if (seen.has('*') && entries.length > 1) out.push(errorFinding('cannot have both public (*) and non-public exportTo values for a resource'));
  if (seen.has('~') && entries.length > 1) out.push(errorFinding('cannot export service entry to no one (~) and someone'));
  return out;
}
