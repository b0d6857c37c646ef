// Evaluates a CRD's x-kubernetes-validations rules with Kubernetes semantics: `self` is the value at
// the rule's schema node (only when present), transition rules (oldSelf) are skipped on create, and
// failures read like the apiserver's (`spec.x: Invalid value: "object": <message>`).

import { celError, isCelError, parse, plan, type CelResult } from '@bufbuild/cel';
import type { JsonSchemaProps, ValidationRule } from '../../api/crd.js';
import { kubernetesCelEnv } from './cel-env.js';
import { checkRule } from './cel-check.js';
import { toCelValue } from './cel-values.js';
import { fieldChild, fieldIndex, fieldKey } from './field-path.js';
import { goQuote } from './go-format.js';
import { walkSchema } from './schema-walk.js';

type Program = (ctx: { self: unknown }) => CelResult;

/** A rule ready to run, a transition rule (skipped), or a rule that does not compile (a Weft bug or a
 *  CRD the apiserver would refuse). */
export type CompiledRule =
  | { readonly kind: 'ready'; readonly rule: ValidationRule; readonly program: Program; readonly messageProgram?: Program }
  | { readonly kind: 'transition'; readonly rule: ValidationRule }
  | { readonly kind: 'invalid'; readonly rule: ValidationRule; readonly error: string };

/** A rule outcome to report: a failed rule (error) or a rule Weft could not compile (internal). */
export interface RuleIssue {
  readonly kind: 'failed' | 'internal';
  readonly path: string;
  readonly message: string;
}

// Parsing and planning depend only on the text; the static check also depends on the schema node,
// so compiled rules are cached per rule object (one per schema node in the generated table).
const programs = new Map<string, { program: Program } | { error: string }>();
const compiled = new WeakMap<ValidationRule, CompiledRule>();

function planText(text: string): { program: Program } | { error: string } {
  let entry = programs.get(text);
  if (!entry) {
    try {
      const parsed = parse(text);
      const run = plan(kubernetesCelEnv(), parsed) as (ctx: Record<string, unknown>) => CelResult;
      entry = { program: (ctx) => run(ctx as Record<string, unknown>) };
    } catch (e) {
      entry = { error: e instanceof Error ? e.message : String(e) };
    }
    programs.set(text, entry);
  }
  return entry;
}

/** Compiles (once, cached) a rule sitting at schema node `schema`. Never throws. */
export function compileRule(rule: ValidationRule, schema: JsonSchemaProps): CompiledRule {
  const hit = compiled.get(rule);
  if (hit) return hit;
  let result: CompiledRule;
  const planned = planText(rule.rule);
  if ('error' in planned) {
    result = { kind: 'invalid', rule, error: `compilation failed: ${planned.error}` };
  } else {
    const check = checkRule(parse(rule.rule).expr, kubernetesCelEnv(), schema);
    if (check.errors.length > 0) result = { kind: 'invalid', rule, error: `compilation failed: ${check.errors.join('; ')}` };
    else if (check.usesOldSelf && rule.optionalOldSelf !== true) result = { kind: 'transition', rule };
    else {
      let messageProgram: Program | undefined;
      if (rule.messageExpression !== undefined) {
        const m = planText(rule.messageExpression);
        if ('error' in m) {
          compiled.set(rule, (result = { kind: 'invalid', rule, error: `messageExpression compilation failed: ${m.error}` }));
          return result;
        }
        messageProgram = m.program;
      }
      result = messageProgram ? { kind: 'ready', rule, program: planned.program, messageProgram } : { kind: 'ready', rule, program: planned.program };
    }
  }
  compiled.set(rule, result);
  return result;
}

/** Every rule in a schema with the schema node it sits on (structural part only, as Kubernetes). */
export function collectRules(root: JsonSchemaProps): { rule: ValidationRule; schema: JsonSchemaProps; at: string }[] {
  const out: { rule: ValidationRule; schema: JsonSchemaProps; at: string }[] = [];
  const visit = (s: JsonSchemaProps, at: string): void => {
    for (const rule of s['x-kubernetes-validations'] ?? []) out.push({ rule, schema: s, at });
    for (const [k, sub] of Object.entries(s.properties ?? {})) visit(sub, fieldChild(at, k));
    if (s.items) visit(s.items, `${at}[*]`);
    if (typeof s.additionalProperties === 'object') visit(s.additionalProperties, `${at}[*]`);
  };
  visit(root, '');
  return out;
}

// The message text Kubernetes uses when naming a rule in an error (ruleErrorString).
function ruleText(rule: ValidationRule): string {
  return rule.message !== undefined && rule.message.trim() !== '' ? rule.message.trim() : rule.rule.trim();
}

function failureMessage(rule: ValidationRule): string {
  return rule.message !== undefined && rule.message.trim() !== '' ? rule.message.trim() : `failed rule: ${rule.rule.trim()}`;
}

/** Appends a rule's fieldPath (`.foo`, `['key']`, `[0]`) to the node path, schema-aware like the apiserver. */
export function appendFieldPath(path: string, fieldPath: string, schema: JsonSchemaProps): string {
  let out = path;
  let s: JsonSchemaProps | undefined = schema;
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < fieldPath.length && (m = re.exec(fieldPath)) !== null) {
    if (m[4] !== undefined) {
      out = fieldIndex(out, Number(m[4]));
      s = s?.items;
      continue;
    }
    const name = m[1] ?? m[2] ?? m[3] ?? '';
    if (s?.properties && Object.hasOwn(s.properties, name)) {
      out = fieldChild(out, name);
      s = s.properties[name];
    } else if (s && typeof s.additionalProperties === 'object') {
      out = fieldKey(out, name);
      s = s.additionalProperties;
    } else {
      out = fieldChild(out, name);
      s = undefined;
    }
  }
  return out;
}

function errorBody(rule: ValidationRule, reason: string | undefined, typeName: string, detail: string): string {
  switch (reason) {
    case 'FieldValueForbidden':
      return `Forbidden: ${detail}`;
    case 'FieldValueRequired':
      return `Required value: ${detail}`;
    case 'FieldValueDuplicate':
      return `Duplicate value: ${goQuote(typeName)}`;
    default:
      return `Invalid value: ${goQuote(typeName)}: ${detail}`;
  }
}

function runtimeErrorText(err: Error): string {
  // cel-go's wording for a missing field is "no such key"; @bufbuild/cel says "field not found".
  return err.message.replace(/^field not found: /, 'no such key: ');
}

/** Evaluates the rules of one schema node against its (present) value. */
export function evaluateNodeRules(schema: JsonSchemaProps, value: unknown, path: string, out: RuleIssue[]): void {
  const rules = schema['x-kubernetes-validations'];
  if (!rules || rules.length === 0) return;
  const typeName = schema.type ?? '';
  let self: unknown;
  let converted = false;
  for (const rule of rules) {
    const c = compileRule(rule, schema);
    if (c.kind === 'transition') continue;
    if (c.kind === 'invalid') {
      out.push({ kind: 'internal', path, message: `x-kubernetes-validations rule ${goQuote(rule.rule)}: ${c.error}` });
      continue;
    }
    if (!converted) {
      self = toCelValue(value, schema);
      converted = true;
    }
    let result: CelResult;
    try {
      result = c.program({ self });
    } catch (e) {
      result = celError(e);
    }
    if (result === true) continue;
    if (isCelError(result)) {
      const text = runtimeErrorText(result);
      const detail = /no matching overload|no such overload/.test(text)
        ? `'${text}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText(rule)}`
        : `${text} evaluating rule: ${ruleText(rule)}`;
      out.push({ kind: 'failed', path, message: `Invalid value: ${goQuote(typeName)}: ${detail}` });
      continue;
    }
    if (result !== false) {
      out.push({ kind: 'internal', path, message: `x-kubernetes-validations rule ${goQuote(rule.rule)} returned a non-bool value` });
      continue;
    }
    let detail = failureMessage(rule);
    if (c.messageProgram) {
      try {
        const m = c.messageProgram({ self });
        if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) detail = m.trim();
      } catch {
        // Kubernetes falls back to the static message when messageExpression fails.
      }
    }
    const at = rule.fieldPath ? appendFieldPath(path, rule.fieldPath, schema) : path;
    out.push({ kind: 'failed', path: at, message: errorBody(rule, rule.reason, typeName, detail) });
  }
}

/** Evaluates every rule of `root` against `obj` (the whole resource). Never throws. */
export function evaluateRules(root: JsonSchemaProps, obj: unknown): RuleIssue[] {
  const out: RuleIssue[] = [];
  walkSchema(root, obj, '', (schema, value, path) => evaluateNodeRules(schema, value, path, out));
  return out;
}
