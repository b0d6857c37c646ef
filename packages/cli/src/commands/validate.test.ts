import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureIo as capture } from '../local/test-io.test-fixtures.js';
import { run } from '../program.js';

async function weftctl(args: string[], stdinText?: string) {
  const c = capture(stdinText);
  const code = await run(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weftctl-validate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
  return file;
}

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: web
  namespace: prod
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "*"
`;

// An unknown kind in an Istio group keeps these cases to the loader and header layer.
const BAD_NAME = `apiVersion: example.istio.io/v1
kind: Frobnicator
metadata:
  name: Bad_Name
  namespace: prod
`;

describe('weftctl validate: loading and reporting', () => {
  it('reports a syntax error with file:line:col and exits 1', async () => {
    const f = await put('broken.yaml', 'apiVersion: v1\nkind: [unclosed\n');
    const r = await weftctl(['validate', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^${escape(f)}:\\d+:\\d+: `, 'm'));
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('0 resources valid, 1 invalid (1 error) in 1 file');
  });

  it('prints the resource, field path, message and a hint', async () => {
    const f = await put('bad.yaml', BAD_NAME);
    const r = await weftctl(['validate', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${f}:4:3: Frobnicator prod/Bad_Name: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain`);
    expect(r.out).toContain(`${f}:2:1: Frobnicator prod/Bad_Name: kind: unknown kind Frobnicator in example.istio.io/v1\n`);
  });

  it('suggests the kind meant on the line after the error', async () => {
    const f = await put('typo.yaml', 'apiVersion: networking.istio.io/v1\nkind: DestinationRul\nmetadata:\n  name: r\n');
    const r = await weftctl(['validate', '-f', f]);
    expect(r.out).toContain(`${f}:2:1: DestinationRul r: kind: unknown kind DestinationRul in networking.istio.io/v1\n  hint: did you mean kind: DestinationRule? (apiVersion: networking.istio.io/v1)\n`);
  });

  it('names a missing file, keeps going with the others, exits 1', async () => {
    const ok = await put('bad.yaml', BAD_NAME);
    const missing = join(dir, 'nope.yaml');
    const r = await weftctl(['validate', '-f', missing, '-f', ok]);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe(`${missing}: cannot read ${missing}: no such file or directory`);
    expect(r.out).toContain(`${ok}:4:3:`);
  });

  it('walks a directory in sorted order', async () => {
    await put('b/second.yaml', BAD_NAME.replace('Bad_Name', 'B_2'));
    await put('a.yaml', BAD_NAME.replace('Bad_Name', 'A_1'));
    await put('notes.txt', 'ignored');
    const r = await weftctl(['validate', '-f', dir]);
    const files = [...r.out.matchAll(/^(\S+?):\d+:\d+:/gm)].map((m) => relative(dir, m[1] ?? ''));
    expect([...new Set(files)]).toEqual(['a.yaml', join('b', 'second.yaml')]);
    expect(r.out).toMatch(/in 2 files\n$/);
  });

  it('reads stdin for -f -', async () => {
    const r = await weftctl(['validate', '-f', '-'], BAD_NAME);
    expect(r.code).toBe(1);
    expect(r.out).toContain('-:4:3: Frobnicator prod/Bad_Name: metadata.name:');
    expect(r.out).toMatch(/in 1 file\n$/);
  });

  it('prints one JSON document with -o json', async () => {
    const f = await put('bad.yaml', `${BAD_NAME}---\n- not an object\n`);
    const r = await weftctl(['validate', '-f', f, '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as { valid: boolean; resources: { kind: string; valid: boolean }[]; findings: Record<string, unknown>[] };
    expect(doc.valid).toBe(false);
    expect(doc.resources.map((x) => [x.kind, x.valid])).toEqual([
      ['Frobnicator', false],
      ['', false],
    ]);
    expect(doc.findings).toContainEqual({
      file: f,
      line: 4,
      column: 3,
      kind: 'Frobnicator',
      namespace: 'prod',
      name: 'Bad_Name',
      path: 'metadata.name',
      message: expect.stringMatching(/^Invalid value: "Bad_Name"/),
      severity: 'error',
      code: 'WEFT_ERR_RESOURCE_HEADER',
    });
    expect(doc.findings).toContainEqual(expect.objectContaining({ line: 7, column: 1, code: 'WEFT_ERR_YAML_NOT_OBJECT' }));
  });

  it('skips Kubernetes kinds outside Istio, saying so, and exits 0', async () => {
    const r = await weftctl(['validate', '-f', '-'], 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n');
    expect(r.out).toBe('"Deployment/prod/web" skipped: not an Istio kind\n0 resources valid, 1 skipped in 1 file\n');
    expect(r.code).toBe(0);
  });

  it('writes no colour codes when stdout is not a terminal', async () => {
    const r = await weftctl(['validate', '-f', '-'], BAD_NAME);
    expect(r.out).not.toContain('\u001b[');
  });

  it('colours the location red when stdout is a terminal', async () => {
    const c = capture(BAD_NAME);
    Object.assign(c.io.out, { isTTY: true });
    expect(await run(['validate', '-f', '-'], c.io)).toBe(1);
    expect(c.out()).toContain('\u001b[31m-:4:3:\u001b[39m Frobnicator prod/Bad_Name: metadata.name:');
  });

  it.each([
    [['validate'], /required option '-f, --filename <path>' not specified/],
    [['validate', '-f', 'x.yaml', '-o', 'yaml'], /argument 'yaml' is invalid. Allowed choices are text, json/],
    [['validate', '-f', 'x.yaml', 'extra-arg'], /too many arguments/],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const r = await weftctl(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });
});

describe('weftctl validate: Istio resources (needs the schema layer)', () => {
  it('says a valid resource is valid, istioctl style, and exits 0', async () => {
    const f = await put('gw.yaml', GATEWAY);
    const r = await weftctl(['validate', '-f', f]);
    expect(r.out).toBe('"Gateway/prod/web" is valid\n1 resource valid in 1 file\n');
    expect(r.code).toBe(0);
  });

  it('a broken document does not hide a valid sibling', async () => {
    const f = await put('mixed.yaml', `${GATEWAY}---\nkind: [\n`);
    const r = await weftctl(['validate', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('"Gateway/prod/web" is valid\n');
    expect(r.out).toMatch(/1 resource valid, 1 invalid \(\d+ errors?\) in 1 file\n$/);
  });
});

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const examples = relative(process.cwd(), join(repoRoot, 'examples'));

describe('weftctl validate examples/', () => {
  it('examples/bookinfo is valid (what `npm run validate:examples` runs)', async () => {
    const r = await weftctl(['validate', '-f', join(examples, 'bookinfo')]);
    expect(r.out).not.toMatch(/^\S+:\d+:\d+:/m);
    expect(r.out).toMatch(/^\d+ resources valid in 5 files\n$/m);
    expect(r.code).toBe(0);
  });

  // Each broken file in examples/invalid says in a comment what is wrong; here is where weftctl must say it.
  const expected: [file: string, line: number, column: number, subject: string, message: RegExp, hint?: string][] = [
    ['bad-enum.yaml', 11, 7, 'DestinationRule default/ratings: spec.trafficPolicy.tls.mode', /Unsupported value: "MUTUAL_ISTIO"/, 'did you mean "ISTIO_MUTUAL"?'],
    ['bad-name.yaml', 6, 3, 'DestinationRule default/Reviews_V1: metadata.name', /^Invalid value: "Reviews_V1": a lowercase RFC 1123 subdomain/],
    ['broken-yaml.yaml', 13, 1, 'Gateway default/broken-gateway', /Flow sequence .* end with a \]/],
    ['mesh-wildcard-host.yaml', 10, 5, 'VirtualService default/catch-all: spec.hosts[0]', /wildcard host \* is not allowed for virtual services bound to the mesh gateway/],
    ['typo-in-field.yaml', 13, 5, 'VirtualService default/details: spec.http[0]', /HTTP route, redirect or direct_response is required/],
    ['typo-in-field.yaml', 13, 5, 'warning: VirtualService default/details: spec.http[0].rout', /unknown field "rout" \(ignored: Kubernetes prunes/, 'did you mean "route"?'],
    ['unknown-kind.yaml', 3, 1, 'VirtualServce default/ratings: kind', /unknown kind VirtualServce/, 'did you mean kind: VirtualService? (apiVersion: networking.istio.io/v1)'],
    ['weight-not-a-number.yaml', 16, 7, 'VirtualService default/reviews: spec.http[0].route[0].weight', /must be of type integer/],
  ];

  it.each(expected)('examples/invalid/%s:%i:%i', async (file, line, column, subject, message, hint) => {
    const r = await weftctl(['validate', '-f', join(examples, 'invalid')]);
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    const prefix = `${join(examples, 'invalid', file)}:${line}:${column}: ${subject}: `;
    const at = lines.findIndex((l) => l.startsWith(prefix) && message.test(l.slice(prefix.length)));
    expect(at, `no line starting ${prefix} matching ${message}\n${r.out}`).toBeGreaterThanOrEqual(0);
    if (hint) expect(lines[at + 1]).toContain(`hint: ${hint}`);
  });

  it('--strict makes an unknown field an error', async () => {
    const f = join(examples, 'invalid', 'typo-in-field.yaml');
    const lax = await weftctl(['validate', '-f', f]);
    const strict = await weftctl(['validate', '--strict', '-f', f]);
    expect(lax.out).toContain('(1 error, 1 warning)');
    expect(strict.out).toContain('(1 error)'); // the schema error stops the semantic layer, as in the API server
    expect(strict.out).toMatch(/typo-in-field\.yaml:13:5: VirtualService default\/details: spec\.http\[0\]\.rout: unknown field "rout"\n/);
  });

  it('examples/invalid: the valid sibling of the broken document is still checked', async () => {
    const r = await weftctl(['validate', '-f', join(examples, 'invalid')]);
    expect(r.out).toContain('"Gateway/default/fine-gateway" is valid\n');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
