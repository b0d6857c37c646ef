// `weftctl kube-inject` in-process on real files: Istio's bookinfo manifest and one of Istio's
// injection goldens read in place from ../shared/corpus/istio (or $WEFT_ISTIO_CORPUS; skipped loudly
// when absent), plus stdin, -o, pass-through, Lists, flags, error locations and exit codes.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocuments } from '@weft/shared';
import { captureIo } from '../local/test-io.test-fixtures.js';
import { run } from '../program.js';
import { INJECTOR_FLAGS } from './kube-inject.js';

// Loaded as the command loads it (lazily), which the module-boundary rule wants of every importer.
const { INJECTOR_SETTINGS, injectObject, injectOptionsOf, parseInjectorCommandLine } = await import('@weft/webhook');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads deep into Kubernetes objects

async function weftctl(args: string[], stdinText?: string) {
  const c = captureIo(stdinText);
  const code = await run(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** The documents of YAML text, read with the loader kube-inject reads with (so as kubectl would). */
function docsOf(text: string, file = 'out.yaml'): Obj[] {
  const docs = parseDocuments(text, file);
  expect(docs.flatMap((d) => d.syntaxErrors)).toEqual([]);
  return docs.map((d) => d.value as Obj);
}

/** Like docsOf, but a List stays one document (the loader flattens it into its items). */
function rawDocsOf(text: string): Obj[] {
  const out: Obj[] = [];
  for (const d of parseDocuments(text, 'out.yaml')) {
    if (d.list === undefined) out.push(d.value as Obj);
    else if (out.at(-1) !== d.list) out.push(d.list as Obj);
  }
  return out;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weftctl-kube-inject-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  containers:
  - name: web
    image: nginx
    ports:
    - containerPort: 80
`;

const CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  feature: "on"
  mode: "0755"
  answer: "y"
  json: '{"a": [1, 2]}'
  long: "${'x'.repeat(150)} end"
`;

const OPTED_OUT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
  namespace: shop
spec:
  selector:
    matchLabels: {app: legacy}
  template:
    metadata:
      labels: {app: legacy}
      annotations:
        sidecar.istio.io/inject: "false"
    spec:
      containers:
      - name: legacy
        image: legacy:1
`;

const names = (list: unknown): string[] => (Array.isArray(list) ? list.map((c: Obj) => String(c.name)) : []);

describe('weftctl kube-inject', () => {
  it('reads stdin with -f -, injects the pod and writes YAML documents each followed by ---', async () => {
    const r = await weftctl(['kube-inject', '-f', '-'], POD);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.endsWith('\n---\n')).toBe(true);
    const [pod, ...rest] = docsOf(r.out);
    expect(rest).toEqual([]);
    expect(names(pod?.spec.initContainers)).toEqual(['istio-init', 'istio-proxy']);
    expect(names(pod?.spec.containers)).toEqual(['web']);
    expect(pod?.metadata.labels['security.istio.io/tlsMode']).toBe('istio');
    expect(JSON.parse(pod?.metadata.annotations['sidecar.istio.io/status'] as string)).toMatchObject({ initContainers: ['istio-init', 'istio-proxy'], revision: 'default' });
  });

  it('injects exactly what weft-injector would inject, with its defaults', async () => {
    const r = await weftctl(['kube-inject', '-f', '-'], POD);
    const injector = parseInjectorCommandLine(['--tls-cert-file', 'c.pem', '--tls-key-file', 'k.pem'], {});
    if (!injector.ok || injector.action !== 'run') throw new Error('weft-injector defaults do not parse');
    const want = injectObject(docsOf(POD)[0], injectOptionsOf(injector.config));
    expect(want.ok && docsOf(r.out)[0]).toEqual(want.ok && want.object);
  });

  it('writes to -o instead of stdout, the same bytes', async () => {
    const out = join(dir, 'injected.yaml');
    const toStdout = await weftctl(['kube-inject', '-f', '-'], POD);
    const toFile = await weftctl(['kube-inject', '-f', '-', '-o', out], POD);
    expect(toFile.code).toBe(0);
    expect(toFile.out).toBe('');
    expect(toFile.err).toBe('');
    expect(await readFile(out, 'utf8')).toBe(toStdout.out);
  });

  it('passes other kinds through unchanged and in order, across several -f', async () => {
    const a = await put('a.yaml', `${CONFIG_MAP}---\n${POD}`);
    const b = await put('b.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports: [{port: 80, name: http}]\n');
    const r = await weftctl(['kube-inject', '-f', a, '-f', b]);
    expect(r.code).toBe(0);
    const out = docsOf(r.out);
    expect(out.map((d) => d.kind)).toEqual(['ConfigMap', 'Pod', 'Service']);
    // Strings kubectl (go-yaml v2) would read as booleans or octal numbers come back as strings.
    expect(out[0]).toEqual(docsOf(CONFIG_MAP)[0]);
    expect(out[0]?.data).toMatchObject({ feature: 'on', mode: '0755', answer: 'y' });
    expect(out[2]).toEqual(docsOf(await readFile(b, 'utf8'))[0]);
  });

  it('honours sidecar.istio.io/inject: "false" as istioctl does: unchanged, said on stderr, exit 0', async () => {
    const f = await put('legacy.yaml', OPTED_OUT);
    const r = await weftctl(['kube-inject', '-f', f]);
    expect(r.code).toBe(0);
    expect(docsOf(r.out)).toEqual(docsOf(OPTED_OUT));
    expect(r.err).toBe(`${f}:1:1: warning: Skipping injection because Deployment "shop/legacy" has sidecar injection disabled (annotation sidecar.istio.io/inject=false)\n`);
  });

  it('writes a List back as a List, its workloads injected and its other items unchanged', async () => {
    const list = `apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: ""\nitems:\n${[CONFIG_MAP, POD].map((d) => `- ${d.trimEnd().replace(/\n/g, '\n  ')}\n`).join('')}`;
    const r = await weftctl(['kube-inject', '-f', '-'], `${list}---\n${CONFIG_MAP}`);
    expect(r.code).toBe(0);
    const [outList, after, ...rest] = rawDocsOf(r.out);
    expect(rest).toEqual([]);
    expect(outList).toMatchObject({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' } });
    expect(outList?.items.map((i: Obj) => i.kind)).toEqual(['ConfigMap', 'Pod']);
    expect(outList?.items[0]).toEqual(docsOf(CONFIG_MAP)[0]);
    expect(names(outList?.items[1].spec.initContainers)).toEqual(['istio-init', 'istio-proxy']);
    expect(after).toEqual(docsOf(CONFIG_MAP)[0]);
  });

  it('takes the revision, image and identity settings an Istio user sets (weft-injector flag names)', async () => {
    const r = await weftctl(
      ['kube-inject', '-f', '-', '--revision', 'canary', '--proxy-image', 'registry.local/weft/proxy:dev', '--trust-domain', 'example.org', '--cluster-id', 'east', '--discovery-address', 'weftd.mesh:15010'],
      POD,
    );
    expect(r.err).toBe('');
    const pod = docsOf(r.out)[0] as Obj;
    const proxy = pod.spec.initContainers.find((c: Obj) => c.name === 'istio-proxy') as Obj;
    const env = Object.fromEntries((proxy.env as Obj[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(proxy.image).toBe('registry.local/weft/proxy:dev');
    expect(pod.spec.initContainers[0].image).toBe('registry.local/weft/proxy:dev'); // istio-init follows the proxy image, as in weft-injector
    expect(pod.metadata.annotations['istio.io/rev']).toBe('canary');
    expect(env).toMatchObject({ CA_ADDR: 'istiod-canary.istio-system.svc:15012', TRUST_DOMAIN: 'example.org', ISTIO_META_CLUSTER_ID: 'east', ISTIO_META_MESH_ID: 'example.org' });
    expect(proxy.args.join(' ')).toContain('--discovery-address weftd.mesh:15010');
  });

  it('reads --revision default as the default revision, as istioctl does', async () => {
    const plain = await weftctl(['kube-inject', '-f', '-'], POD);
    const named = await weftctl(['kube-inject', '-f', '-', '-r', 'default'], POD);
    expect(named.out).toBe(plain.out);
  });

  it("shows weft-injector's defaults in --help", async () => {
    const r = await weftctl(['kube-inject', '--help']);
    expect(r.code).toBe(0);
    for (const f of INJECTOR_FLAGS) {
      const setting = INJECTOR_SETTINGS.find((s) => s.flag === f.flag);
      expect(setting, f.flag).toBeDefined();
      if (setting?.default !== '') expect(f.shownDefault, f.flag).toBe(setting?.default);
    }
    expect(r.out.replace(/\s+/g, ' ')).toContain(`(default: ghcr.io/weft/proxy:`);
  });
});

describe('weftctl kube-inject: errors', () => {
  it('names the file and line of invalid YAML, exits 1 and writes nothing to -o', async () => {
    const f = await put('broken.yaml', `${POD}---\napiVersion: v1\nkind: [unclosed\n`);
    const out = join(dir, 'out.yaml');
    const r = await weftctl(['kube-inject', '-f', f, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    // The parser notices the unclosed `[` at the end of the document (validate reports the same place).
    expect(r.err).toContain(`${f}:17:1: Flow sequence in block collection must be sufficiently indented and end with a ]\n`);
    expect(r.err).toContain(`weftctl kube-inject: 1 error; nothing written to ${out}\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('names the resource, field and reason of a workload that cannot be injected, and leaves -o as it was', async () => {
    const bad = OPTED_OUT.replace('sidecar.istio.io/inject: "false"', 'traffic.sidecar.istio.io/includeOutboundIPRanges: "not-a-cidr"');
    const f = await put('bad.yaml', `${CONFIG_MAP}---\n${bad}`);
    const out = await put('out.yaml', 'previous content\n');
    const r = await weftctl(['kube-inject', '-f', f, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:23:7: Deployment shop/legacy: spec.template.metadata.annotations: invalid annotations: `);
    expect(r.err).toContain('includeIPRanges invalid');
    expect(await readFile(out, 'utf8')).toBe('previous content\n');
  });

  it('reports every problem at once: unreadable file, missing template, not an object, an item of a List', async () => {
    const missing = join(dir, 'nope.yaml');
    const f = await put(
      'many.yaml',
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: empty}\nspec: {replicas: 1}\n---\n- just a list\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    annotations: {inject.istio.io/templates: custom}\n  spec: {containers: [{name: a, image: b}]}\n`,
    );
    const r = await weftctl(['kube-inject', '-f', missing, '-f', f]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toEqual([
      `${missing}: cannot read ${missing}: no such file or directory`,
      `${f}:4:1: Deployment empty: spec.template is required value`,
      `${f}:6:1: not a Kubernetes object (a mapping with apiVersion and kind)`,
      `${f}:15:19: Pod p: metadata.annotations["inject.istio.io/templates"]: requested template "custom" not found; have gateway, sidecar`,
      '  hint: Weft has the sidecar and gateway templates; custom templates from an injector ConfigMap are not supported',
      'weftctl kube-inject: 4 errors; nothing written',
      '',
    ]);
  });

  it('exits 1 when -o cannot be written', async () => {
    const r = await weftctl(['kube-inject', '-f', '-', '-o', join(dir, 'no', 'such', 'dir.yaml')], POD);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^weftctl kube-inject: cannot write .*dir\.yaml: /);
  });

  it.each([
    [['kube-inject'], /required option '-f, --filename <path>' not specified/],
    [['kube-inject', '-f', 'x.yaml', 'extra-arg'], /too many arguments/],
    [['kube-inject', '-f', '-', '--ca-address', 'istiod'], /^weftctl kube-inject: --ca-address: "istiod" is not host:port$/m],
    [['kube-inject', '-f', '-', '--revision', 'Not_A_Label'], /^weftctl kube-inject: --revision: "Not_A_Label" is not a revision name/m],
    [['kube-inject', '-f', '-', '--native-sidecars', 'maybe'], /--native-sidecars: "maybe" is not true or false/],
    [['kube-inject', '-f', 'x.yaml', '--injectConfigFile', 'inject.yaml'], /--injectConfigFile is not supported: Weft injects with its built-in sidecar template/],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const r = await weftctl(args, POD);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });
});

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CORPUS = process.env.WEFT_ISTIO_CORPUS ?? join(REPO_ROOT, '..', 'shared', 'corpus', 'istio');
const BOOKINFO = join(CORPUS, 'samples', 'bookinfo', 'platform', 'kube', 'bookinfo.yaml');
const GOLDENS = join(CORPUS, 'pkg', 'kube', 'inject', 'testdata', 'inject');
const present = existsSync(BOOKINFO) && existsSync(join(GOLDENS, 'hello.yaml.injected'));
if (!present) console.warn(`SKIP: Istio corpus not found at ${CORPUS}; weftctl kube-inject corpus tests skipped`);

describe.skipIf(!present)(`weftctl kube-inject on Istio's corpus (${CORPUS})`, () => {
  it('injects every bookinfo Deployment and passes Services and ServiceAccounts through, in order', async () => {
    const r = await weftctl(['kube-inject', '-f', BOOKINFO]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const input = docsOf(await readFile(BOOKINFO, 'utf8'), BOOKINFO);
    const output = docsOf(r.out);
    expect(output.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(input.map((d) => `${d.kind}/${d.metadata.name}`));
    expect(input.filter((d) => d.kind === 'Deployment').length).toBe(6);
    output.forEach((got, i) => {
      const want = input[i] as Obj;
      if (got.kind !== 'Deployment') {
        expect(['Service', 'ServiceAccount']).toContain(got.kind);
        expect(got).toEqual(want);
        return;
      }
      const template = got.spec.template as Obj;
      expect(names(template.spec.initContainers), got.metadata.name).toEqual(['istio-init', 'istio-proxy']);
      expect(names(template.spec.containers)).toEqual(names(want.spec.template.spec.containers));
      expect(template.metadata.labels).toMatchObject({ ...want.spec.template.metadata.labels, 'security.istio.io/tlsMode': 'istio' });
      const status = JSON.parse(template.metadata.annotations['sidecar.istio.io/status'] as string) as Obj;
      expect(status).toMatchObject({ initContainers: ['istio-init', 'istio-proxy'], containers: null, revision: 'default' });
      expect(names(template.spec.volumes)).toEqual(expect.arrayContaining(status.volumes as string[]));
      // Only the pod template changes.
      expect({ ...got, spec: { ...got.spec, template: undefined } }).toEqual({ ...want, spec: { ...want.spec, template: undefined } });
    });
  });

  it("matches Istio's hello.yaml.injected golden on containers, init containers, volumes, labels and annotations", async () => {
    const r = await weftctl(['kube-inject', '-f', join(GOLDENS, 'hello.yaml')]);
    expect(r.code).toBe(0);
    const [got, ...rest] = docsOf(r.out);
    const [want] = docsOf(await readFile(join(GOLDENS, 'hello.yaml.injected'), 'utf8'));
    expect(rest).toEqual([]);
    const g = (got as Obj).spec.template as Obj;
    const w = (want as Obj).spec.template as Obj;
    expect(names(g.spec.containers)).toEqual(names(w.spec.containers));
    expect(names(g.spec.initContainers)).toEqual(names(w.spec.initContainers));
    expect(names(g.spec.volumes)).toEqual(names(w.spec.volumes));
    expect(g.metadata.labels).toEqual(w.metadata.labels);
    expect(Object.keys(g.metadata.annotations as Obj).sort()).toEqual(Object.keys(w.metadata.annotations as Obj).sort());
    const statusOf = (t: Obj): unknown => JSON.parse(t.metadata.annotations['sidecar.istio.io/status'] as string);
    expect(statusOf(g)).toEqual(statusOf(w));
    expect({ ...g.metadata.annotations, 'sidecar.istio.io/status': '' }).toEqual({ ...w.metadata.annotations, 'sidecar.istio.io/status': '' });
  });
});
