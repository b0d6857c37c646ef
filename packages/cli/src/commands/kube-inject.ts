// `weftctl kube-inject -f <file|dir|->`: istioctl kube-inject on @weft/webhook's injection function
// (the one weft-injector runs). Owns reading, locating problems and writing the YAML; what gets
// injected, and when injection is skipped, is injectObject's. Nothing is written when anything fails.

import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { WEFT_VERSION } from '@weft/shared';
import { findingOfInputProblem, loadSources, type Finding, type LoadedDocument } from '@weft/shared/node';
import { parseCommandLine } from '@weft/shared/settings';
import type { InjectOptions, WebhookErrorCode } from '@weft/webhook/inject';
import type { Io } from '../io.js';
import { createPalette, isTerminal } from '../output/palette.js';
import { formatFinding, type Located } from '../output/validate-text.js';

/**
 * weft-injector settings kube-inject takes on its command line: same flag names, and parsed, checked
 * and defaulted by weft-injector's own declarations (INJECTOR_SETTINGS), so an injection here equals
 * the webhook's. `shownDefault` is only help text (a test holds it to the injector's default), so that
 * `--help` does not have to load @weft/webhook.
 */
export const INJECTOR_FLAGS = [
  { flag: 'proxy-image', valueName: '<image>', what: 'image of the injected istio-proxy container (weft-proxy); sidecar.istio.io/proxyImage wins', shownDefault: `ghcr.io/weft/proxy:${WEFT_VERSION}` },
  { flag: 'proxy-init-image', valueName: '<image>', what: "image of istio-init; it must run Istio's istio-iptables command line", shownDefault: 'the proxy image' },
  { flag: 'istio-namespace', short: '-i', valueName: '<namespace>', what: 'namespace of the control plane Service istiod (weftd), for the default addresses', shownDefault: 'istio-system' },
  { flag: 'ca-address', valueName: '<host:port>', what: 'CA address given to the proxy (CA_ADDR)', shownDefault: 'istiod[-<revision>].<istio-namespace>.svc:15012' },
  { flag: 'discovery-address', valueName: '<host:port>', what: "weftd's plaintext xDS address given to weft-proxy", shownDefault: 'istiod[-<revision>].<istio-namespace>.svc:15010' },
  { flag: 'trust-domain', valueName: '<domain>', what: 'SPIFFE trust domain (TRUST_DOMAIN)', shownDefault: 'cluster.local' },
  { flag: 'mesh-id', valueName: '<id>', what: 'mesh id (ISTIO_META_MESH_ID)', shownDefault: 'the trust domain' },
  { flag: 'cluster-id', valueName: '<id>', what: 'cluster name (ISTIO_META_CLUSTER_ID)', shownDefault: 'Kubernetes' },
  { flag: 'network', valueName: '<name>', what: 'network of the workloads (ISTIO_META_NETWORK, topology.istio.io/network label)', shownDefault: 'none' },
  { flag: 'native-sidecars', valueName: '<true|false>', what: 'the proxy as a Kubernetes native sidecar (Kubernetes 1.29+); sidecar.istio.io/nativeSidecar wins', shownDefault: 'true' },
] as const;

/** istioctl kube-inject flags that read Istio's injector ConfigMap, values or mesh config, which Weft does not have. */
const ISTIO_CONFIG_FLAGS = ['meshConfigFile', 'injectConfigFile', 'valuesFile', 'operatorFileName', 'meshConfigMapName', 'injectConfigMapName', 'webhookConfig'] as const;

/** Options of {@link runKubeInject}, as parsed from the command line. */
export interface KubeInjectOptions {
  /** Files, directories (recursive) or `-` for stdin, in order. */
  readonly filename: readonly string[];
  /** Write here instead of stdout (only when everything succeeded). */
  readonly output?: string;
  /** Control plane revision (istio.io/rev); `default` and '' are the default revision, as in istioctl. */
  readonly revision?: string;
  /** Values of {@link INJECTOR_FLAGS} by flag name; unset ones take weft-injector's default. */
  readonly injector?: Readonly<Partial<Record<(typeof INJECTOR_FLAGS)[number]['flag'], string>>>;
}

/**
 * Injects every workload of every source and writes all documents, in order, each followed by `---`
 * (istioctl's layout), to `options.output` or `io.out`; kinds without pods pass through unchanged.
 * Skips (sidecar.istio.io/inject: "false", host network, system namespaces) are warnings on `io.err`.
 * Resolves to the exit code: 0 written, 1 when a source is unreadable, not YAML or not injectable, or
 * the output cannot be written (every problem is printed, nothing is written), 2 for bad flag values.
 */
export async function runKubeInject(options: KubeInjectOptions, io: Io): Promise<number> {
  // Loaded on use: the injector's module graph (fastify, prom-client) is only needed here.
  const { INJECTOR_SETTINGS, injectOptionsOf, injectObject } = await import('@weft/webhook/inject');
  const argv = [
    ...Object.entries(options.injector ?? {}).flatMap(([flag, value]) => (value === undefined ? [] : [`--${flag}=${value}`])),
    ...(options.revision !== undefined ? [`--revision=${options.revision === 'default' ? '' : options.revision}`] : []),
  ];
  // Environment variables are weft-injector's, not weftctl's: only flags and defaults count here.
  const parsed = parseCommandLine(INJECTOR_SETTINGS, argv, {});
  if (!parsed.ok || parsed.action !== 'run') {
    for (const e of parsed.ok ? [] : parsed.errors) io.err.write(`weftctl kube-inject: ${e}\n`);
    return 2;
  }
  const injectOptions: InjectOptions = injectOptionsOf(parsed.config);

  const loaded = await loadSources(options.filename, { stdin: io.stdin });
  // Unreadable sources first, then each document's findings in source order (as validate prints them).
  const findings: Located[] = loaded.problems.map(findingOfInputProblem);
  const objects: unknown[] = [];
  const inject = (doc: LoadedDocument): unknown => {
    for (const w of doc.syntaxWarnings) findings.push(problemAt(doc, w.position, '', w.message, 'warning'));
    if (doc.syntaxErrors.length > 0) {
      for (const e of doc.syntaxErrors) findings.push(problemAt(doc, e.position, '', e.message, 'error'));
      return undefined;
    }
    const r = injectObject(doc.value, injectOptions);
    if (!r.ok) {
      const where = placeOf(doc.value, r.error.code);
      findings.push(problemAt(doc, doc.locate(where.at), where.shown, r.error.message, 'error', where.hint));
      return undefined;
    }
    // istioctl's wording already names the resource (`Skipping injection because Pod "ns/x" has ...`).
    for (const s of r.skipped) findings.push({ ...problemAt(doc, doc.position, '', s, 'warning'), kind: '', namespace: '', name: '' });
    return r.object;
  };
  const docs = loaded.documents;
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i] as LoadedDocument;
    if (doc.list === undefined) {
      objects.push(inject(doc));
      continue;
    }
    // The loader flattens a List into its items (to locate each); write it back as the List it was.
    let end = i;
    while (end < docs.length && docs[end]?.list === doc.list) end++;
    objects.push({ ...doc.list, items: docs.slice(i, end).map(inject) });
    i = end - 1;
  }

  const palette = createPalette(isTerminal(io.err));
  for (const f of findings) io.err.write(formatFinding(f, palette));
  const n = findings.filter((f) => f.severity === 'error').length;
  if (n > 0) {
    io.err.write(`weftctl kube-inject: ${n} error${n === 1 ? '' : 's'}; nothing written${options.output !== undefined ? ` to ${options.output}` : ''}\n`);
    return 1;
  }
  const text = objects.map((o) => `${formatManifest(o)}---\n`).join('');
  if (options.output === undefined) {
    io.out.write(text);
    return 0;
  }
  try {
    await writeFile(options.output, text);
  } catch (e) {
    io.err.write(`weftctl kube-inject: cannot write ${options.output}: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}

/**
 * One Kubernetes object as YAML for kubectl. Written with YAML 1.1 rules so strings that go-yaml v2
 * (kubectl) would read as booleans or numbers (`on`, `y`, `0755`, `1:20`) are quoted; sequences are
 * not indented under their key, long strings are not folded and shared objects are written out
 * again rather than as anchors, as kubectl writes them.
 */
export function formatManifest(value: unknown): string {
  return stringify(value, { version: '1.1', indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false });
}

function problemAt(doc: LoadedDocument, pos: { line: number; column: number }, path: string, message: string, severity: Finding['severity'], hint?: string): Located {
  const header = headerOf(doc.value ?? doc.partial);
  return { file: doc.file, line: pos.line, column: pos.column, ...header, path, message, severity, ...(hint ? { hint } : {}) };
}

function headerOf(value: unknown): { kind: string; namespace: string; name: string } {
  const v = isRecord(value) ? value : {};
  const meta = isRecord(v.metadata) ? v.metadata : {};
  const text = (x: unknown): string => (typeof x === 'string' ? x : '');
  return { kind: text(v.kind), namespace: text(meta.namespace), name: text(meta.name) };
}

/** Where an injection error points (`at`, a field path located in the source), the path printed, and a hint. */
function placeOf(value: unknown, code: WebhookErrorCode): { at: string; shown: string; hint?: string } {
  const kind = isRecord(value) ? value.kind : undefined;
  // Where injectObject reads the pod: the Pod itself; a CronJob's job template (metadata) and its pod
  // template (spec), as Istio's IntoObject; any other workload's pod template.
  const [meta, spec] =
    kind === 'Pod' ? ['metadata', 'spec'] : kind === 'CronJob' ? ['spec.jobTemplate.metadata', 'spec.jobTemplate.spec.template.spec'] : ['spec.template.metadata', 'spec.template.spec'];
  switch (code) {
    case 'WEFT_ERR_INJECT_BAD_ANNOTATION':
      return { at: `${meta}.annotations`, shown: `${meta}.annotations` };
    case 'WEFT_ERR_INJECT_UNKNOWN_TEMPLATE': {
      const path = `${meta}.annotations["inject.istio.io/templates"]`;
      return { at: path, shown: path, hint: 'Weft has the sidecar and gateway templates; custom templates from an injector ConfigMap are not supported' };
    }
    case 'WEFT_ERR_INJECT_NO_TEMPLATE':
      // The message names the missing field; point at its nearest existing parent.
      return { at: kind === 'CronJob' ? 'spec.jobTemplate.spec.template' : 'spec.template', shown: '' };
    case 'WEFT_ERR_INJECT_BAD_OBJECT':
      return isRecord(value) ? { at: spec, shown: spec } : { at: '', shown: '' };
    default:
      return { at: '', shown: '' };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Registers `kube-inject` on the program. */
export function registerKubeInject(program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('kube-inject')
    .description('inject the Weft sidecar (weft-proxy) into Kubernetes workloads in YAML, as istioctl kube-inject does')
    .requiredOption('-f, --filename <path>', 'a file, a directory (recursive) or - for stdin; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('-o, --output <file>', 'write the injected YAML to this file instead of stdout')
    .option('-r, --revision <name>', 'control plane revision (istio.io/rev); names the default addresses istiod-<revision> (default: the default revision)');
  for (const f of INJECTOR_FLAGS) command.option(`${'short' in f ? `${f.short}, ` : ''}--${f.flag} ${f.valueName}`, `${f.what} (default: ${f.shownDefault})`);
  for (const name of ISTIO_CONFIG_FLAGS) command.addOption(new Option(`--${name} <value>`).hideHelp());
  command
    .addHelpText(
      'after',
      `
Examples:
  # Update resources on the fly before applying.
  kubectl apply -f <(weftctl kube-inject -f deployment.yaml)

  # Keep an injected copy.
  weftctl kube-inject -f samples/bookinfo/platform/kube/bookinfo.yaml -o bookinfo-injected.yaml

  # Update an existing deployment.
  kubectl get deployment -o yaml | weftctl kube-inject -f - | kubectl apply -f -

Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicationControllers,
DeploymentConfigs and Lists of them are injected as weft-injector would inject their pods; other
documents (Services, ConfigMaps, ...) are written back unchanged, in order. Pods that say
sidecar.istio.io/inject: "false", use the host network or run in kube-system are left alone (said on
stderr). Nothing is written when any document cannot be read or injected.
Exit status: 0 written, 1 unreadable, invalid or uninjectable input (or -o not writable), 2 usage errors.`,
    )
    .action(async (opts: Record<string, unknown>) => {
      const istioFlag = ISTIO_CONFIG_FLAGS.find((n) => opts[n] !== undefined);
      if (istioFlag !== undefined) {
        io.err.write(
          `weftctl kube-inject: --${istioFlag} is not supported: Weft injects with its built-in sidecar template and reads no injector ConfigMap, values or mesh config; set what they would with --proxy-image, --ca-address, --trust-domain, --cluster-id, ... (weftctl kube-inject --help)\n`,
        );
        setExit(2);
        return;
      }
      const injector: Partial<Record<(typeof INJECTOR_FLAGS)[number]['flag'], string>> = {};
      for (const f of INJECTOR_FLAGS) {
        const value = opts[camelCase(f.flag)];
        if (typeof value === 'string') injector[f.flag] = value;
      }
      setExit(
        await runKubeInject(
          { filename: opts.filename as string[], output: opts.output as string | undefined, revision: opts.revision as string | undefined, injector },
          io,
        ),
      );
    });
}

/** commander's attribute name of a flag (`proxy-image` → `proxyImage`). */
function camelCase(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
