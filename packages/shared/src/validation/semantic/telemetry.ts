// Istio's semantic validation of Telemetry (pkg/config/validation ValidateTelemetry): scope
// (selector vs targetRef), provider names, metric tag overrides, tracing sampling and custom tags,
// and access-log filters, which must parse as CEL.

import { parse as parseCel } from '@bufbuild/cel';
import type { Collector } from '../result.js';
import { joinPath } from '../result.js';
import type { KindValidator } from './context.js';
import { invalidDurationMessage, parseDuration } from './primitives/duration.js';
import { asArray, asNumber, asRecord, asString, isSet, recordItems } from './primitives/read-helpers.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { checkPolicyScope } from './security/policy-scope.js';

/** Semantic rules for Telemetry. */
export const validateTelemetry: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  const spec = res.spec === undefined || res.spec === null ? {} : asRecord(res.spec);
  if (!spec) return;
  checkPolicyScope(c, spec);
  checkMetrics(c, spec.metrics);
  checkTracing(c, spec.tracing);
  checkAccessLogging(c, spec.accessLogging);
};

function checkMetrics(c: Collector, metrics: unknown): void {
  for (const [i, m] of recordItems(metrics)) {
    const path = joinPath('spec.metrics', i);
    checkProviders(c, m.providers, joinPath(path, 'providers'));
    const interval = asString(m.reportingInterval);
    if (interval !== undefined && parseDuration(interval) === undefined) {
      c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'reportingInterval'), invalidDurationMessage(interval));
    }
    (asArray(m.overrides) ?? []).forEach((raw, j) => {
      const at = joinPath(joinPath(path, 'overrides'), j);
      if (raw === null || raw === undefined) {
        c.error('WEFT_ERR_SEMANTIC', at, 'tagOverrides may not be null');
        return;
      }
      const o = asRecord(raw);
      if (!o) return;
      const tags = asRecord(o.tagOverrides) ?? {};
      for (const [tagName, tag] of Object.entries(tags)) {
        const tp = joinPath(joinPath(at, 'tagOverrides'), tagName);
        if (tagName === '') c.warn('WEFT_ERR_SEMANTIC', tp, 'tagOverrides.name may not be empty');
        if (tag === null || tag === undefined) {
          c.error('WEFT_ERR_SEMANTIC', tp, 'tagOverrides may not be null');
          continue;
        }
        const t = asRecord(tag);
        if (!t) continue;
        // UPSERT is the default operation (enum value 0).
        const operation = asString(t.operation) ?? 'UPSERT';
        const value = asString(t.value) ?? '';
        if (operation === 'UPSERT' && value === '') c.error('WEFT_ERR_SEMANTIC', joinPath(tp, 'value'), 'tagOverrides.value must be set when operation is UPSERT');
        if (operation === 'REMOVE' && value !== '') c.error('WEFT_ERR_SEMANTIC', joinPath(tp, 'value'), 'tagOverrides.value may only be set when operation is UPSERT');
      }
      const match = asRecord(o.match);
      if (match && 'customMetric' in match && (asString(match.customMetric) ?? '') === '') {
        c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(at, 'match'), 'customMetric'), 'customMetric may not be empty');
      }
    });
  }
}

function checkTracing(c: Collector, tracing: unknown): void {
  const list = asArray(tracing) ?? [];
  if (list.length > 1) c.warn('WEFT_ERR_SEMANTIC', 'spec.tracing', 'multiple tracing is not currently supported');
  for (const [i, t] of recordItems(tracing)) {
    const path = joinPath('spec.tracing', i);
    if ((asArray(t.providers)?.length ?? 0) > 1) c.warn('WEFT_ERR_SEMANTIC', joinPath(path, 'providers'), 'multiple providers is not currently supported');
    checkProviders(c, t.providers, joinPath(path, 'providers'));
    const pct = asNumber(t.randomSamplingPercentage);
    if (pct !== undefined && (pct < 0 || pct > 100)) {
      c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'randomSamplingPercentage'), 'randomSamplingPercentage must be in range [0.0, 100.0]');
    }
    const tags = asRecord(t.customTags) ?? {};
    for (const [name, tag] of Object.entries(tags)) {
      const at = joinPath(joinPath(path, 'customTags'), name);
      if (name === '') c.error('WEFT_ERR_SEMANTIC', at, 'tag name may not be empty');
      if (tag === null || tag === undefined) {
        c.error('WEFT_ERR_SEMANTIC', at, `tag '${name}' may not have a nil value`);
        continue;
      }
      const tr = asRecord(tag);
      if (!tr) continue;
      const literal = asRecord(tr.literal);
      const header = asRecord(tr.header);
      const environment = asRecord(tr.environment);
      if (literal && (asString(literal.value) ?? '') === '') c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(at, 'literal'), 'value'), 'literal tag value may not be empty');
      if (header && (asString(header.name) ?? '') === '') c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(at, 'header'), 'name'), 'header tag name may not be empty');
      if (environment && (asString(environment.name) ?? '') === '') {
        c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(at, 'environment'), 'name'), 'environment tag name may not be empty');
      }
    }
  }
}

function checkAccessLogging(c: Collector, logging: unknown): void {
  for (const [i, l] of recordItems(logging)) {
    const path = joinPath('spec.accessLogging', i);
    const filter = asRecord(l.filter);
    if (filter) {
      const expression = asString(filter.expression) ?? '';
      const err = celParseError(expression);
      if (err) c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(path, 'filter'), 'expression'), `must be a valid CEL expression, ${err}`);
    }
    checkProviders(c, l.providers, joinPath(path, 'providers'));
  }
}

/** Istio's validateTelemetryFilter: the expression must parse (types are not checked). */
function celParseError(expression: string): string | undefined {
  try {
    parseCel(expression);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Istio's validateTelemetryProviders: every provider reference has a name. */
function checkProviders(c: Collector, providers: unknown, path: string): void {
  (asArray(providers) ?? []).forEach((p, i) => {
    const r = asRecord(p);
    if (!isSet(p) || (r && (asString(r.name) ?? '') === '')) c.error('WEFT_ERR_SEMANTIC', joinPath(path, i), 'providers.name may not be empty');
  });
}
