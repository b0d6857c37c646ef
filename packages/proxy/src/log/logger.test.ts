import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogRegistry, parseLogLevel } from './logger.js';

function sink(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, lines: () => Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean) };
}

const at = () => new Date('2025-01-02T03:04:05.678Z');

describe('log registry', () => {
  it("writes Envoy's line format with fields", () => {
    const out = sink();
    const logs = createLogRegistry('info', out.stream, at);
    logs.get('config').warn('NACK', { type: 'CDS', reason: 'bad regex', version: 3 });
    logs.get('config').debug('hidden');
    expect(out.lines()).toEqual(['[2025-01-02T03:04:05.678Z][warning][config] NACK type=CDS reason="bad regex" version=3']);
  });

  it('changes one logger or all of them at run time', () => {
    const out = sink();
    const logs = createLogRegistry('warning', out.stream, at);
    logs.setLevel('debug', 'admin');
    logs.get('admin').debug('a');
    logs.get('main').info('b');
    logs.setLevel('off');
    logs.get('admin').error('c');
    logs.setLevel('trace');
    logs.get('main').debug('d');
    expect(out.lines().map((l) => l.slice(l.lastIndexOf(']') + 2))).toEqual(['a', 'd']);
    expect(logs.levels()).toEqual([
      ['admin', 'trace'],
      ['config', 'trace'],
      ['main', 'trace'],
      ['upstream', 'trace'],
    ]);
  });

  it.each([
    ['warn', 'warning'],
    ['critical', 'critical'],
    ['off', 'off'],
    ['loud', undefined],
  ])('parses level %s', (text, level) => {
    expect(parseLogLevel(text)).toBe(level);
  });
});
