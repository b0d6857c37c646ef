// Lookups over the CRD table (schemas.gen.ts): which kinds and versions exist, which are served, their
// schemas and deprecation warnings. Every helper takes an optional catalog so tests and tools can use
// another CRD set; the default is Istio's.

import type { CrdDefinition, CrdVersion, JsonSchemaProps } from './crd.js';
import type { GroupVersionKind } from './gvk.js';
import { CRD_SCHEMAS, CRDS } from './schemas.gen.js';

/** A set of CRDs and the schemas their versions reference by index. */
export interface CrdCatalog {
  readonly crds: readonly CrdDefinition[];
  readonly schemas: readonly JsonSchemaProps[];
}

/** Istio's CRDs, as generated from its CRD file. */
export const ISTIO_CRDS: CrdCatalog = { crds: CRDS, schemas: CRD_SCHEMAS };

function rank(v: string): [number, number, number] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [0, 0, 0];
  const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stage, Number(m[1]), Number(m[3] ?? 0)];
}

/** Orders versions by Kubernetes priority, preferred first (sorting gives v2, v1, v1beta1, v1alpha3,
 *  then non-Kubernetes names): negative when `a` is preferred over `b`. GA beats beta beats alpha,
 *  then the higher major, then the higher minor. */
export function compareKubeVersions(a: string, b: string): number {
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (rb[i] ?? 0) - (ra[i] ?? 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The CRD of `group` + `kind`, or undefined. */
export function findCrd(group: string, kind: string, catalog: CrdCatalog = ISTIO_CRDS): CrdDefinition | undefined {
  return catalog.crds.find((c) => c.group === group && c.kind === kind);
}

/** The CRD and version entry of a GVK (served or not), or undefined when either is unknown. */
export function findCrdVersion(gvk: GroupVersionKind, catalog: CrdCatalog = ISTIO_CRDS): { crd: CrdDefinition; version: CrdVersion } | undefined {
  const crd = findCrd(gvk.group, gvk.kind, catalog);
  const version = crd?.versions.find((v) => v.name === gvk.version);
  return crd && version ? { crd, version } : undefined;
}

/** The served versions of a kind, preferred first (v1, v1beta1, v1alpha3...). */
export function servedVersions(group: string, kind: string, catalog: CrdCatalog = ISTIO_CRDS): string[] {
  const crd = findCrd(group, kind, catalog);
  return (crd?.versions ?? []).filter((v) => v.served).map((v) => v.name).sort(compareKubeVersions);
}

/** The storage version of a kind, or undefined for an unknown kind. */
export function storageVersion(group: string, kind: string, catalog: CrdCatalog = ISTIO_CRDS): string | undefined {
  return findCrd(group, kind, catalog)?.versions.find((v) => v.storage)?.name;
}

/** True when the apiserver would accept this group/version/kind (the CRD serves that version). */
export function isServed(gvk: GroupVersionKind, catalog: CrdCatalog = ISTIO_CRDS): boolean {
  return findCrdVersion(gvk, catalog)?.version.served === true;
}

/** The openAPIV3Schema of a GVK's version, or undefined. */
export function schemaOf(gvk: GroupVersionKind, catalog: CrdCatalog = ISTIO_CRDS): JsonSchemaProps | undefined {
  const found = findCrdVersion(gvk, catalog);
  return found ? catalog.schemas[found.version.schema] : undefined;
}

/** The warning the apiserver sends for a deprecated version: the CRD's deprecationWarning, else its
 *  default `<group>/<version> <Kind> is deprecated`. Undefined when the version is not deprecated. */
export function versionDeprecationWarning(crd: CrdDefinition, version: CrdVersion): string | undefined {
  if (version.deprecated !== true) return undefined;
  return version.deprecationWarning ?? `${crd.group}/${version.name} ${crd.kind} is deprecated`;
}

/** The deprecation warning of a GVK, or undefined when it is not deprecated (or unknown). */
export function deprecationWarning(gvk: GroupVersionKind, catalog: CrdCatalog = ISTIO_CRDS): string | undefined {
  const found = findCrdVersion(gvk, catalog);
  return found ? versionDeprecationWarning(found.crd, found.version) : undefined;
}

/** Every kind in the catalog as `{group, kind}`, in CRD file order. */
export function listKinds(catalog: CrdCatalog = ISTIO_CRDS): { group: string; kind: string }[] {
  return catalog.crds.map((c) => ({ group: c.group, kind: c.kind }));
}
