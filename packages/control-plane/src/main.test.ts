import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WEFT_VERSION } from '@weft/shared';
import { main } from './main.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('weftd main', () => {
  it('prints the version', async () => {
    const out = capture();
    expect(await main(['--version'], out.stream)).toBe(0);
    expect(out.text()).toBe(`weftd ${WEFT_VERSION}\n`);
  });

  it('rejects an unknown flag with exit code 2 and the usage', async () => {
    const out = capture();
    const err = capture();
    expect(await main(['--nope'], out.stream, err.stream)).toBe(2);
    expect(err.text()).toContain("Unknown option '--nope'");
    expect(err.text()).toContain('Usage: weftd');
  });
});
