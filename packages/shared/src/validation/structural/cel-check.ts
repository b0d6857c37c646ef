// Compile-time checks of a CRD rule, standing in for the type check the apiserver runs when a CRD is
// created (@bufbuild/cel only parses and plans): every identifier is declared, every function exists
// with a matching arity, and `self.a.b` selections name fields the schema declares.

import type { CelEnv, parse } from '@bufbuild/cel';
import type { JsonSchemaProps } from '../../api/crd.js';
import { unescapeCelField } from './cel-values.js';

/** A parsed CEL expression node (the cel.expr.Expr protobuf message). */
export type Expr = ReturnType<typeof parse>['expr'];

/** What the static check learned about a rule. */
export interface RuleCheck {
  /** Problems that would make the apiserver reject the rule. */
  readonly errors: readonly string[];
  /** The rule reads `oldSelf` (a transition rule). */
  readonly usesOldSelf: boolean;
}

// Calls the planner implements itself rather than through the function table.
const PLANNER_OPERATORS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '_[?_]', '_?._', '@not_strictly_false', '__not_strictly_false__']);

/** A schema node, or DYN when the checker cannot tell. */
type Known = JsonSchemaProps | 'dyn';

function qualifiedName(e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly) {
    const base = qualifiedName(e.exprKind.value.operand);
    return base === undefined ? undefined : `${base}.${e.exprKind.value.field}`;
  }
  return undefined;
}

/** Checks `expr` (a parsed rule) against `env` and the schema node `self` is bound to. */
export function checkRule(expr: Expr, env: CelEnv, selfSchema: JsonSchemaProps): RuleCheck {
  const errors: string[] = [];
  let usesOldSelf = false;

  const fieldOf = (t: Known, field: string): Known => {
    if (t === 'dyn' || t['x-kubernetes-preserve-unknown-fields']) return 'dyn';
    if (t.properties) {
      const sub = t.properties[unescapeCelField(field)];
      if (!sub) errors.push(`undefined field '${field}'`);
      return sub ?? 'dyn';
    }
    if (typeof t.additionalProperties === 'object') return t.additionalProperties;
    if (t.type && t.type !== 'object') errors.push(`type '${t.type}' does not support field selection`);
    return 'dyn';
  };

  const visit = (e: Expr | undefined, scope: ReadonlyMap<string, Known>): Known => {
    if (!e) return 'dyn';
    switch (e.exprKind.case) {
      case 'constExpr':
        return 'dyn';
      case 'identExpr': {
        const name = e.exprKind.value.name;
        const local = scope.get(name);
        if (local !== undefined) return local;
        if (name === 'self') return selfSchema;
        if (name === 'oldSelf') {
          usesOldSelf = true;
          return selfSchema;
        }
        errors.push(`undeclared reference to '${name}'`);
        return 'dyn';
      }
      case 'selectExpr': {
        const { operand, field } = e.exprKind.value;
        const t = visit(operand, scope);
        return fieldOf(t, field);
      }
      case 'callExpr': {
        const { target, function: fn, args } = e.exprKind.value;
        if (PLANNER_OPERATORS.has(fn)) {
          const types = args.map((a) => visit(a, scope));
          if (target) visit(target, scope);
          // self[i] / self['key'] keep the element schema for later selections.
          if (fn === '_[_]' && types[0] && types[0] !== 'dyn') {
            const t = types[0];
            if (t.type === 'array' && t.items) return t.items;
            if (typeof t.additionalProperties === 'object') return t.additionalProperties;
          }
          return 'dyn';
        }
        // A qualified function name such as strings.quote(x).
        const qual = target ? qualifiedName(target) : undefined;
        if (qual !== undefined && !scope.has(qual.split('.')[0] ?? '') && qual !== 'self' && env.funcs.find(`${qual}.${fn}`)) {
          args.forEach((a) => visit(a, scope));
          return 'dyn';
        }
        if (target) visit(target, scope);
        args.forEach((a) => visit(a, scope));
        const group = env.funcs.find(fn);
        if (!group) {
          errors.push(`undeclared reference to '${fn}'`);
          return 'dyn';
        }
        const arity = args.length;
        const isMethod = target !== undefined;
        let found = false;
        for (const f of group) {
          if (f.arguments.length === arity && (f.target !== undefined) === isMethod) found = true;
        }
        if (!found) errors.push(`found no matching overload for '${fn}' with ${arity} argument(s)${isMethod ? ' on a receiver' : ''}`);
        return 'dyn';
      }
      case 'listExpr':
        e.exprKind.value.elements.forEach((x) => visit(x, scope));
        return 'dyn';
      case 'structExpr':
        for (const entry of e.exprKind.value.entries) {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value, scope);
          visit(entry.value, scope);
        }
        return 'dyn';
      case 'comprehensionExpr': {
        const c = e.exprKind.value;
        const range = visit(c.iterRange, scope);
        visit(c.accuInit, scope);
        let elem: Known = 'dyn';
        if (range !== 'dyn') {
          if (range.type === 'array' && range.items) elem = range.items;
          else if (range.type === 'object' || range.properties || range.additionalProperties) elem = { type: 'string' };
        }
        const inner = new Map(scope);
        inner.set(c.iterVar, elem);
        if (c.iterVar2) inner.set(c.iterVar2, 'dyn');
        inner.set(c.accuVar, 'dyn');
        visit(c.loopCondition, inner);
        visit(c.loopStep, inner);
        visit(c.result, inner);
        return 'dyn';
      }
      default:
        errors.push(`unsupported expression kind ${String(e.exprKind.case)}`);
        return 'dyn';
    }
  };

  visit(expr, new Map());
  return { errors, usesOldSelf };
}
