// apply and get against a real weftd (its built binary) watching a temporary config directory,
// found through a state file as `weftctl up` writes it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryPath, packageDir } from '../local/binaries.js';
import { captureIo } from '../local/test-io.test-fixtures.js';
import { seedConfigDir } from '../local/seed-config.js';
import { acquireMeshLock } from '../local/up-lock.js';
import { run } from '../program.js';

let dir: string;
let configDir: string;
let stateDir: string;
let weftd: ChildProcess | undefined;
let debugUrl = '';

async function weftctl(args: string[], stdinText?: string) {
  const c = captureIo(stdinText);
  const code = await run(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weftctl-apply-get-'));
  configDir = join(dir, 'mesh');
  stateDir = join(dir, 'state');
  await seedConfigDir(configDir, join(packageDir('@weft/sample-bookinfo'), 'config'));
  const child = spawn(process.execPath, [binaryPath('@weft/control-plane', 'weftd'), '--config-dir', configDir, '--xds-port', '0', '--debug-port', '0', '--watch-settle', '20ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
  weftd = child;
  let text = '';
  debugUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`weftd did not get ready:\n${text}`)), 30_000);
    child.stdout?.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /"debug":"([^"]+)".*"msg":"weftd ready"/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    });
    child.once('exit', (code) => reject(new Error(`weftd exited ${code}:\n${text}`)));
  });
  // The state file of a mesh "run" by this test process.
  await acquireMeshLock(join(stateDir, 'up.json'), { pid: process.pid, startedAt: new Date().toISOString(), phase: 'ready', configDir, logsDir: join(stateDir, 'logs'), debugUrl });
}, 60_000);

afterAll(async () => {
  if (weftd && weftd.exitCode === null) {
    const exited = new Promise((r) => weftd?.once('exit', r));
    weftd.kill('SIGKILL');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

const REVIEWS_V3 = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v3
`;

describe('weftctl get (a real weftd)', () => {
  it('lists VirtualServices as a table with gateways, hosts and source file', async () => {
    const r = await weftctl(['get', 'vs', '--state-dir', stateDir]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(['NAMESPACE   NAME       GATEWAYS               HOSTS   SOURCE', 'default     bookinfo   ["bookinfo-gateway"]   ["*"]   gateway.yaml:21', ''].join('\n'));
  });

  it('lists DestinationRules, ServiceEntries, WorkloadEntries and Gateways by short name', async () => {
    const dr = await weftctl(['get', 'dr', '--state-dir', stateDir]);
    expect(dr.out.split('\n')[0]).toBe('NAMESPACE   NAME          HOST          SUBSETS    SOURCE');
    expect(dr.out).toContain('default     reviews       reviews       v1,v2,v3   destination-rules.yaml:16\n');
    const se = await weftctl(['get', 'se', '--state-dir', stateDir]);
    expect(se.out).toMatch(/^default +details +\["details.default.svc.cluster.local"\] +MESH_INTERNAL +STATIC +services.yaml:\d+$/m);
    const we = await weftctl(['get', 'we', '--state-dir', stateDir]);
    expect(we.out).toMatch(/^default +reviews-v2 +127\.0\.10\.4 +app=reviews,version=v2,security.istio.io\/tlsMode=istio +bookinfo-reviews +workloads.yaml:\d+$/m);
    const gw = await weftctl(['get', 'gw', '--state-dir', stateDir]);
    expect(gw.out).toMatch(/^default +bookinfo-gateway +istio=ingressgateway +8080\/HTTP +\["\*"\] +gateway.yaml:4$/m);
  });

  it('prints a List with -o json and -o yaml, and filters by name and namespace', async () => {
    const json = await weftctl(['get', 'destinationrules', 'reviews', '-o', 'json', '--state-dir', stateDir]);
    const list = JSON.parse(json.out) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['reviews']);
    const yaml = await weftctl(['get', 'gateways', '-o', 'yaml', '--debug-url', debugUrl]);
    expect(yaml.out).toMatch(/^apiVersion: v1\nkind: List\nitems:\n {2}- apiVersion: networking.istio.io\/v1\n {4}kind: Gateway\n/);
    const none = await weftctl(['get', 'vs', '-n', 'prod', '--state-dir', stateDir]);
    expect([none.code, none.out, none.err]).toEqual([0, '', 'No resources found in namespace prod.\n']);
    const missing = await weftctl(['get', 'vs', 'nope', '--state-dir', stateDir]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('"nope" not found');
  });

  it('rejects an unknown kind with exit 2, and says when no mesh runs', async () => {
    const r = await weftctl(['get', 'pods', '--state-dir', stateDir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown resource type "pods"');
    const none = await weftctl(['get', 'vs', '--state-dir', join(dir, 'nowhere')]);
    expect(none.code).toBe(1);
    expect(none.err).toContain('no mesh is running');
  });
});

describe('weftctl apply', () => {
  it('refuses invalid input with file:line:col, resource and field, and writes nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, REVIEWS_V3.replace('  - route:', '  - timeout: forever\n    route:'));
    const before = await readdir(configDir);
    const r = await weftctl(['apply', '-f', bad, '--state-dir', stateDir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:9:5: VirtualService reviews: spec.http[0].timeout: Invalid value: "string"`);
    expect(r.err).toContain('0 resources valid, 1 invalid (1 error) in 1 file');
    expect(r.err).toContain('nothing applied');
    expect(r.out).toBe('');
    expect(await readdir(configDir)).toEqual(before);
  });

  it('refuses a file with one invalid resource among valid ones', async () => {
    const r = await weftctl(['apply', '-f', '-', '--state-dir', stateDir], `${REVIEWS_V3}---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: x\nspec:\n  host: ""\n`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^-:\d+:\d+: DestinationRule x: spec.host: /m);
  });

  it('creates a new resource, weftd puts it in force, and `get` shows it', async () => {
    const file = join(dir, 'reviews-v3.yaml');
    await writeFile(file, REVIEWS_V3);
    const r = await weftctl(['apply', '-f', file, '--state-dir', stateDir]);
    expect(r).toMatchObject({ code: 0, err: '' });
    const written = join(configDir, 'applied', 'virtualservice-default-reviews.yaml');
    expect(r.out).toBe(`virtualservice.networking.istio.io/reviews created (${written})\n`);
    expect(await readFile(written, 'utf8')).toContain('subset: v3');
    const get = await weftctl(['get', 'vs', 'reviews', '--state-dir', stateDir]);
    expect(get.out).toMatch(/^default +reviews +\["reviews"\] +applied\/virtualservice-default-reviews.yaml:2$/m);
    const again = await weftctl(['apply', '-f', file, '--state-dir', stateDir]);
    expect(again.out).toBe('virtualservice.networking.istio.io/reviews unchanged\n');
  });

  it('replaces a resource of a multi-document file, keeping the others', async () => {
    const gw = await readFile(join(configDir, 'gateway.yaml'), 'utf8');
    const r = await weftctl(['apply', '-f', '-', '--state-dir', stateDir], gw.replace('prefix: /static', 'prefix: /assets'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('gateway.networking.istio.io/bookinfo-gateway unchanged\n');
    expect(r.out).toContain(`virtualservice.networking.istio.io/bookinfo configured (${join(configDir, 'applied', 'virtualservice-default-bookinfo.yaml')}, moved out of ${join(configDir, 'gateway.yaml')})`);
    const left = await readFile(join(configDir, 'gateway.yaml'), 'utf8');
    expect(left).toContain('kind: Gateway');
    expect(left).not.toContain('kind: VirtualService');
    const json = JSON.parse((await weftctl(['get', 'vs', 'bookinfo', '-o', 'json', '--state-dir', stateDir])).out) as { items: unknown[] };
    expect(JSON.stringify(json.items)).toContain('/assets');
  });

  it('needs a running mesh or --config-dir', async () => {
    const r = await weftctl(['apply', '-f', '-', '--state-dir', join(dir, 'nowhere')], REVIEWS_V3);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no mesh is running');
  });
});

describe('argument parsing', () => {
  it.each([
    [['apply'], "required option '-f, --filename <path>' not specified"],
    [['get'], "missing required argument 'kind'"],
    [['get', 'vs', '-o', 'wide'], "argument 'wide' is invalid"],
    [['up', '--frobnicate'], "unknown option '--frobnicate'"],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const r = await weftctl(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  it('documents up', async () => {
    const r = await weftctl(['up', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--config-dir <dir>');
    expect(r.out).toContain('--verbose');
  });
});
