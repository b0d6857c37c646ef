// Field paths the way Kubernetes prints them (k8s.io/apimachinery field.Path): `spec.http[0].route`
// for fields and list items, `spec.selector.matchLabels[app]` for map entries (keys are not quoted).

/** Appends a field name: `spec` + `hosts` -> `spec.hosts`. */
export function fieldChild(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** Appends a list index: `spec.http` + 0 -> `spec.http[0]`. */
export function fieldIndex(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** Appends a map key: `spec.portLevelMtls` + `80` -> `spec.portLevelMtls[80]`. */
export function fieldKey(parent: string, key: string): string {
  return `${parent}[${key}]`;
}
