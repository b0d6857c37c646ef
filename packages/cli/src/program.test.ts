import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WEFT_VERSION } from '@weft/shared';
import { run } from './program.js';

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (c: Buffer) => o.push(c));
  err.on('data', (c: Buffer) => e.push(c));
  return { io: { out, err, stdin: new PassThrough() }, out: () => Buffer.concat(o).toString(), err: () => Buffer.concat(e).toString() };
}

describe('weftctl', () => {
  it('prints its version with --version and with `version`', async () => {
    const a = io();
    expect(await run(['--version'], a.io)).toBe(0);
    expect(a.out()).toBe(`weftctl ${WEFT_VERSION}\n`);
    const b = io();
    expect(await run(['version'], b.io)).toBe(0);
    expect(b.out()).toBe(`weftctl ${WEFT_VERSION}\n`);
  });

  it('lists its commands in --help', async () => {
    const a = io();
    expect(await run(['--help'], a.io)).toBe(0);
    const commands = [...a.out().matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['version', 'validate', 'kube-inject', 'up', 'apply', 'get', 'dashboard']));
  });

  it('fails with exit code 2 on an unknown command', async () => {
    const a = io();
    expect(await run(['frobnicate'], a.io)).toBe(2);
    expect(a.err()).toContain("unknown command 'frobnicate'");
  });
});
