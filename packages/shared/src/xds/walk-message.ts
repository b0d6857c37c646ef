// Visits every nested message of a decoded xDS resource together with its proto type, so checks
// that are about a message type wherever it appears (every RegexMatcher, every Any) need no
// hand-written paths. Decoding is any.ts's job; this only reads the decoded object.

import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { findMessageType } from './load.js';

/** One message met by {@link walkMessage}. */
export interface MessageVisit {
  /** Full proto name without the leading dot: `envoy.type.matcher.v3.RegexMatcher`. An Any whose
   *  `@type` is loaded is visited as that type; one whose type is not loaded as `google.protobuf.Any`
   *  (with `type_url` and `value` fields). */
  readonly typeName: string;
  readonly value: Readonly<Record<string, unknown>>;
  /** Field path from the root, `virtual_hosts[0].routes[2].match.safe_regex`; '' for the root. */
  readonly path: string;
}

function walk(type: Type, value: Record<string, unknown>, path: string, visit: (v: MessageVisit) => void): void {
  let target = type;
  let fields = value;
  if (type.fullName === '.google.protobuf.Any' && typeof value['@type'] === 'string') {
    const url = value['@type'];
    const inner = findMessageType(url.slice(url.lastIndexOf('/') + 1));
    if (inner) {
      const { '@type': _drop, ...rest } = value;
      target = inner;
      fields = rest;
    }
  }
  visit({ typeName: target.fullName.slice(1), value: fields, path });
  for (const [key, child] of Object.entries(fields)) {
    const field = target.fields[key];
    if (!field || child === null || typeof child !== 'object') continue;
    const resolved = field.resolve().resolvedType;
    if (!(resolved instanceof protobuf.Type)) continue;
    const here = path ? `${path}.${key}` : key;
    if (field.map) for (const [k, v] of Object.entries(child as Record<string, unknown>)) walkChild(resolved, v, `${here}[${k}]`, visit);
    else if (field.repeated && Array.isArray(child)) child.forEach((v, i) => walkChild(resolved, v, `${here}[${i}]`, visit));
    else walkChild(resolved, child, here, visit);
  }
}

function walkChild(type: Type, value: unknown, path: string, visit: (v: MessageVisit) => void): void {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) walk(type, value as Record<string, unknown>, path, visit);
}

/**
 * Calls `visit` for the root message (of the type named by `typeUrl`) and then, depth first in field
 * order, for every nested message, including those inside maps, repeated fields and expanded Any
 * fields. Throws a TypeError when `typeUrl` is not loaded (a caller bug).
 */
export function walkMessage(typeUrl: string, message: Readonly<Record<string, unknown>>, visit: (v: MessageVisit) => void): void {
  const type = findMessageType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  if (!type) throw new TypeError(`walkMessage: ${typeUrl} is not a loaded xDS message type`);
  walk(type, message as Record<string, unknown>, '', visit);
}
