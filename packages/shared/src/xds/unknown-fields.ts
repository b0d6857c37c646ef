// Finds what protobufjs's fromObject would silently drop or mangle: unknown field names, an Any whose
// `@type` is not loaded, enum names that do not exist. Generators are code, so these are bugs; this
// check turns them into loud errors instead of a resource quietly missing a field on the wire.

import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';

const ANY = '.google.protobuf.Any';

/** Returns one `path: problem` line per unknown field, unloaded `@type` or unknown enum name in
 *  `value`, checked against `type` recursively (maps, repeated fields and nested Any included). An
 *  empty list means protobufjs will encode every field that was given. */
export function findUnknownFields(type: Type, value: unknown, at = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return [];
  const problems: string[] = [];
  let target = type;
  const record = value as Record<string, unknown>;
  if (type.fullName === ANY && typeof record['@type'] === 'string') {
    const url = record['@type'];
    const found = type.root.lookup(url.slice(url.lastIndexOf('/') + 1));
    if (!(found instanceof protobuf.Type)) return [`${at || '.'}@type: ${url} is not a loaded message type`];
    target = found;
  }
  for (const [key, child] of Object.entries(record)) {
    if (key === '@type' && target !== type) continue;
    const field = target.fields[key];
    const here = at ? `${at}.${key}` : key;
    if (!field) {
      problems.push(`${here}: unknown field of ${target.fullName.slice(1)}`);
      continue;
    }
    if (child === null || child === undefined) continue;
    const resolved = field.resolve().resolvedType;
    if (!resolved) continue;
    const items: [string, unknown][] = field.map
      ? Object.entries(child as Record<string, unknown>).map(([k, v]) => [`${here}[${k}]`, v])
      : field.repeated && Array.isArray(child)
        ? child.map((v, i) => [`${here}[${i}]`, v])
        : [[here, child]];
    for (const [path, item] of items) {
      if (resolved instanceof protobuf.Enum) {
        if (typeof item === 'string' && !Object.hasOwn(resolved.values, item)) problems.push(`${path}: ${item} is not a value of ${resolved.fullName.slice(1)}`);
      } else {
        problems.push(...findUnknownFields(resolved, item, path));
      }
    }
  }
  return problems;
}
