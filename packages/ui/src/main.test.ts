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

describe('weft-ui main', () => {
  it('prints the version', async () => {
    const out = capture();
    expect(await main(['--version'], out.stream)).toBe(0);
    expect(out.text()).toBe(`weft-ui ${WEFT_VERSION}\n`);
  });

  it.each([['--nope', "Unknown option '--nope'"], ['--port=99999', '--port must be an integer']])('rejects %s with exit code 2', async (arg, msg) => {
    const err = capture();
    expect(await main([arg], capture().stream, err.stream)).toBe(2);
    expect(err.text()).toContain(msg);
  });
});
