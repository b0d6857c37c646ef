// Istio's `exportTo` visibility for services, VirtualServices and DestinationRules: which
// namespaces may see a resource defined in a given namespace. Pure; no snapshot access.

/**
 * Whether a resource in `ownerNamespace` with the given `exportTo` is visible from
 * `viewerNamespace`. Istio's rules (pkg/config/visibility): `*` is every namespace, `.` the owner's
 * own namespace, `~` nobody, anything else a namespace name. An empty or missing `exportTo` means
 * `defaultExportTo` (MeshConfig defaultServiceExportTo / defaultVirtualServiceExportTo /
 * defaultDestinationRuleExportTo; Weft has one setting for all three).
 */
export function isVisible(
  exportTo: readonly string[] | undefined,
  ownerNamespace: string,
  viewerNamespace: string,
  defaultExportTo: readonly string[],
): boolean {
  const effective = exportTo && exportTo.length > 0 ? exportTo : defaultExportTo;
  return effective.some((e) => e === '*' || (e === '.' ? ownerNamespace === viewerNamespace : e === viewerNamespace));
}
