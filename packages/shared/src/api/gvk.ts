// Group/version/kind identity of the Istio resources Weft understands, and parsing of apiVersion.

/** A Kubernetes group/version/kind, e.g. `networking.istio.io` / `v1` / `VirtualService`. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Splits `apiVersion` into group and version (`v1` alone means the core group ""). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `group/version, Kind=kind` the way Kubernetes prints a GVK. */
export function formatGvk(gvk: GroupVersionKind): string {
  return `${gvk.group ? `${gvk.group}/` : ''}${gvk.version}, Kind=${gvk.kind}`;
}
