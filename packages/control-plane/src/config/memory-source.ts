// The in-memory config source: code (tests, embedders) applies and deletes resources directly. Each
// resource is validated like a file's (validateResource, same findings); invalid ones are refused.

import { gvkOf, hintForIssue, crdFieldCatalog, validateResource, type Finding, type Issue } from '@weft/shared';
import { createConfigEntry, refKey, type ConfigEntry, type ConfigRef, type ConfigStore } from './config-store.js';

/** What {@link MemorySource.apply} did. */
export interface ApplyResult {
  /** True when every resource was valid and applied; when false, nothing was applied. */
  readonly ok: boolean;
  /** Errors and warnings, per resource (`file` is `memory`, without line and column). */
  readonly findings: readonly Finding[];
  /** Refs of the resources now in force from this call. */
  readonly applied: readonly ConfigRef[];
}

/**
 * A config source held in memory under one store source id (default `memory`). {@link apply} is
 * all-or-nothing, like a file: if any resource is invalid, none is applied and the findings say why.
 */
export class MemorySource {
  private readonly entries = new Map<string, ConfigEntry>();

  constructor(
    private readonly store: ConfigStore,
    readonly sourceId = 'memory',
  ) {}

  /** Validates and applies resources (each `{ apiVersion, kind, metadata, spec }`); a resource with the
   *  ref of one already applied replaces it. */
  apply(...resources: readonly object[]): ApplyResult {
    const findings: Finding[] = [];
    const next: ConfigEntry[] = [];
    for (const resource of resources) {
      const validation = validateResource(resource);
      const entry = createConfigEntry(resource as Record<string, unknown>, { source: this.sourceId });
      const gvk = gvkOf(resource);
      const finding = (issue: Issue, severity: 'error' | 'warning'): Finding => {
        const hint = hintForIssue(issue, gvk, crdFieldCatalog);
        return { file: this.sourceId, line: 0, column: 0, ...entry.ref, path: issue.path, message: issue.message, severity, code: issue.code, ...(hint ? { hint } : {}) };
      };
      findings.push(...validation.errors.map((i) => finding(i, 'error')), ...validation.warnings.map((i) => finding(i, 'warning')));
      next.push(entry);
    }
    if (findings.some((f) => f.severity === 'error')) return { ok: false, findings, applied: [] };
    for (const e of next) this.entries.set(refKey(e.ref), e);
    this.store.replaceSource(this.sourceId, [...this.entries.values()]);
    return { ok: true, findings, applied: next.map((e) => e.ref) };
  }

  /** Removes a resource; returns whether it was there. */
  delete(ref: ConfigRef): boolean {
    if (!this.entries.delete(refKey(ref))) return false;
    this.store.replaceSource(this.sourceId, [...this.entries.values()]);
    return true;
  }

  /** Removes everything this source applied. */
  clear(): void {
    this.entries.clear();
    this.store.removeSource(this.sourceId);
  }

  /** The resources this source holds. */
  list(): ConfigEntry[] {
    return [...this.entries.values()];
  }
}
