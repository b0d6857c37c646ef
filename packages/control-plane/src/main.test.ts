import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WEFT_VERSION } from '@weft/shared';
import { WEFTD_SETTINGS } from './config.js';
import { main, USAGE } from './main.js';

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

  it('--help lists every setting with its default and environment variables', async () => {
    const out = capture();
    expect(await main(['--help'], out.stream)).toBe(0);
    expect(out.text()).toBe(USAGE);
    for (const s of WEFTD_SETTINGS) {
      expect(out.text()).toContain(`--${s.flag} ${s.valueName}`);
      for (const env of s.env) expect(out.text()).toContain(env);
    }
    expect(out.text()).toContain('default: 15010; env: WEFT_WEFTD_XDS_PORT');
    expect(out.text()).toContain('default: 100ms; env: WEFT_WEFTD_DEBOUNCE_AFTER, PILOT_DEBOUNCE_AFTER');
  });

  it('rejects bad flags and environment with exit code 2, every problem at once', async () => {
    const out = capture();
    const err = capture();
    expect(await main(['--nope', '--xds-port', 'x'], out.stream, err.stream, { env: { PILOT_DEBOUNCE_AFTER: 'soon' } })).toBe(2);
    expect(err.text()).toContain("weftd: Unknown option '--nope'");
    expect(err.text()).toContain('weftd: --xds-port: "x" is not a port number');
    expect(err.text()).toContain('weftd: PILOT_DEBOUNCE_AFTER: "soon" is not a duration');
    expect(err.text()).toContain('Usage: weftd');
    expect(out.text()).toBe('');
  });

  it('exits 1 when it cannot start', async () => {
    const err = capture();
    const code = await main(['--config-dir', join(tmpdir(), 'weft-does-not-exist-4711'), '--xds-port', '0', '--debug-port', '0'], capture().stream, err.stream, { env: {} });
    expect(code).toBe(1);
    expect(err.text()).toMatch(/^weftd: cannot start: config directory: cannot read .*no such file or directory/);
  });

  it('runs until told to stop, then stops cleanly with exit code 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weftd-main-'));
    try {
      const out = capture();
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const running = main(['--xds-port', '0', '--debug-port', '0'], out.stream, capture().stream, { env: { WEFT_WEFTD_CONFIG_DIR: dir }, stop: stopped });
      const deadline = Date.now() + 10_000;
      while (!out.text().includes('"weftd ready"')) {
        if (Date.now() > deadline) throw new Error(`weftd did not start: ${out.text()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const ready = JSON.parse(out.text().split('\n').find((l) => l.includes('"weftd ready"')) ?? '{}') as { debug: string; configDir: string };
      expect(ready.configDir).toBe(dir);
      expect((await fetch(`http://${ready.debug}/ready`)).status).toBe(200);
      stop();
      expect(await running).toBe(0);
      expect(out.text()).toContain('"weftd stopped"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
