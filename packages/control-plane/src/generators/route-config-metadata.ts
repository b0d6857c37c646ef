// The `istio` filter metadata Istio stamps on generated routes and filter chains
// (util.BuildConfigInfoMetadata): which config resource produced them, shown by proxy-config.

import { plainToStruct, type StructMessage } from '@weft/shared/xds';

/** Istio's resource path for a config item, e.g.
 *  `/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews`. */
export function configPath(kindPath: string, namespace: string, name: string): string {
  return `/apis/networking.istio.io/v1/namespaces/${namespace}/${kindPath}/${name}`;
}

/** envoy.config.core.v3.Metadata naming a VirtualService as the source. */
export function virtualServiceMetadata(namespace: string, name: string): { filter_metadata: Record<string, StructMessage> } {
  return { filter_metadata: { istio: plainToStruct({ config: configPath('virtual-service', namespace, name) }) } };
}
