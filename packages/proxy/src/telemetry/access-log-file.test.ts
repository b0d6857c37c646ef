// Access log files: one write per event-loop turn whatever the number of lines, lines in order while a
// write is in flight, a full non-blocking pipe retried, a bounded buffer, real appends to a file, and
// Envoy's `/dev/stdout` / `/dev/stderr` mapped to the process's descriptors.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCESS_LOG_BUFFER_LIMIT, AccessLogFile, AccessLogFiles, standardDescriptorOf, type FdWriter } from './access-log-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A writer that records each write and completes it when told (or at once). */
function recordingWriter(auto = true): { writer: FdWriter; writes: { fd: number; data: string }[]; complete: (error?: NodeJS.ErrnoException) => void } {
  const writes: { fd: number; data: string }[] = [];
  const pending: ((e: NodeJS.ErrnoException | null) => void)[] = [];
  return {
    writes,
    writer: (fd, data, done) => {
      writes.push({ fd, data });
      if (auto) setImmediate(() => done(null));
      else pending.push(done);
    },
    complete: (error) => pending.shift()?.(error ?? null),
  };
}

describe('AccessLogFile', () => {
  it('writes every line of one turn in one write, never during the call that logs', async () => {
    const w = recordingWriter();
    const file = new AccessLogFile('/dev/stdout', 1, false, w.writer);
    file.write('a\n');
    file.write('b\n');
    file.write('c\n');
    expect(w.writes).toEqual([]);
    await file.flush();
    expect(w.writes).toEqual([{ fd: 1, data: 'a\nb\nc\n' }]);
    expect(file.writes).toBe(1);
  });

  it('keeps one write in flight; lines logged meanwhile follow in the next one, in order', async () => {
    const w = recordingWriter(false);
    const file = new AccessLogFile('x', 9, false, w.writer);
    file.write('1\n');
    await tick();
    expect(w.writes.map((x) => x.data)).toEqual(['1\n']);
    file.write('2\n');
    file.write('3\n');
    await tick();
    expect(w.writes).toHaveLength(1);
    w.complete();
    await tick();
    expect(w.writes.map((x) => x.data)).toEqual(['1\n', '2\n3\n']);
    w.complete();
    await file.flush();
  });

  it('retries a full non-blocking pipe (EAGAIN) with the same lines first', async () => {
    const w = recordingWriter(false);
    const file = new AccessLogFile('x', 9, false, w.writer);
    file.write('1\n');
    await tick();
    file.write('2\n');
    w.complete(Object.assign(new Error('again'), { code: 'EAGAIN' }));
    await new Promise((r) => setTimeout(r, 30));
    expect(w.writes.map((x) => x.data)).toEqual(['1\n', '1\n2\n']);
    w.complete();
    await file.flush();
  });

  it('drops and counts lines past the buffer limit instead of growing without bound', async () => {
    const w = recordingWriter(false);
    const file = new AccessLogFile('x', 9, false, w.writer);
    const big = 'x'.repeat(ACCESS_LOG_BUFFER_LIMIT / 2);
    file.write(big);
    file.write(big);
    file.write('one more\n');
    expect(file.dropped).toBe(1);
    await tick();
    w.complete();
    await file.flush();
  });
});

describe('AccessLogFiles', () => {
  it("maps Envoy's /dev/stdout and /dev/stderr to the process's descriptors, and writes there", async () => {
    expect([standardDescriptorOf('/dev/stdout'), standardDescriptorOf('/dev/stderr'), standardDescriptorOf('/var/log/a.log')]).toEqual([1, 2, undefined]);
    const w = recordingWriter();
    const files = new AccessLogFiles(w.writer);
    const opened = files.open('/dev/stdout');
    expect(opened.ok).toBe(true);
    if (opened.ok) opened.file.write('line\n');
    await files.flush();
    expect(w.writes).toEqual([{ fd: 1, data: 'line\n' }]);
    // Closing never closes the process's own stdout.
    await files.close();
  });

  it('appends to a file, shared by every logger naming its path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-access-log-'));
    dirs.push(dir);
    const file = path.join(dir, 'access.log');
    const files = new AccessLogFiles();
    const a = files.open(file);
    const b = files.open(file);
    expect(a.ok && b.ok && a.file === b.file).toBe(true);
    if (a.ok) a.file.write('first\n');
    if (b.ok) b.file.write('second\n');
    await files.close();
    expect(readFileSync(file, 'utf8')).toBe('first\nsecond\n');
  });

  it('says why a path cannot be opened', () => {
    const opened = new AccessLogFiles().open('/nonexistent-weft-dir/access.log');
    expect(opened).toMatchObject({ ok: false });
    if (!opened.ok) expect(opened.problem).toMatch(/^access log file '\/nonexistent-weft-dir\/access.log' cannot be opened: ENOENT/);
  });
});
