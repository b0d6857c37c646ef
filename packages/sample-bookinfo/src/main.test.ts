import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { get } from './bookinfo.test-fixtures.js';
import { runSampleProgram } from './main.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Resolves with the first line matching `re` written to `out`. */
function lineMatching(out: PassThrough, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve) => {
    let text = '';
    out.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      const m = re.exec(text);
      if (m) resolve(m);
    });
  });
}

describe('runSampleProgram', () => {
  it('prints the help with the environment variables and exits 0', async () => {
    const out = capture();
    expect(await runSampleProgram('reviews', ['--help'], { env: {}, stdout: out.stream, stderr: capture().stream })).toBe(0);
    expect(out.text()).toContain('Usage: node dist/bin/reviews.js');
    expect(out.text()).toContain('WEFT_SAMPLE_VERSION');
    expect(out.text()).toContain('WEFT_SAMPLE_PROXY');
  });

  it('rejects an argument with exit code 2', async () => {
    const err = capture();
    expect(await runSampleProgram('details', ['--port=1'], { env: {}, stdout: capture().stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toContain('unexpected argument "--port=1"');
  });

  it('reports every bad setting and exits 2 without listening', async () => {
    const err = capture();
    expect(await runSampleProgram('reviews', [], { env: { WEFT_SAMPLE_VERSION: 'v9', WEFT_SAMPLE_PORT: 'x' }, stdout: capture().stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toContain('reviews: WEFT_SAMPLE_PORT:');
    expect(err.text()).toContain('reviews: WEFT_SAMPLE_VERSION: reviews has versions v1, v2, v3, not "v9"');
  });

  it('serves until stopped, printing where it listens, then exits 0', async () => {
    const out = capture();
    const stop = new AbortController();
    const listening = lineMatching(out.stream, /ratings v1 listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    const exit = runSampleProgram('ratings', [], { env: { WEFT_SAMPLE_PORT: '0' }, stdout: out.stream, stderr: capture().stream, signal: stop.signal });
    const url = (await listening)[1] ?? '';
    expect((await get(`${url}/ratings/1`)).json()).toEqual({ id: 1, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    stop.abort();
    expect(await exit).toBe(0);
    await expect(get(`${url}/health`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('exits 1 when the port is taken', async () => {
    const out = capture();
    const stop = new AbortController();
    const listening = lineMatching(out.stream, /listening on http:\/\/127\.0\.0\.1:(\d+)\n/);
    const first = runSampleProgram('details', [], { env: { WEFT_SAMPLE_PORT: '0' }, stdout: out.stream, stderr: capture().stream, signal: stop.signal });
    const port = (await listening)[1] ?? '';
    const err = capture();
    expect(await runSampleProgram('details', [], { env: { WEFT_SAMPLE_PORT: port }, stdout: capture().stream, stderr: err.stream })).toBe(1);
    expect(err.text()).toContain(`cannot listen on 127.0.0.1:${port}`);
    stop.abort();
    expect(await first).toBe(0);
  });
});
