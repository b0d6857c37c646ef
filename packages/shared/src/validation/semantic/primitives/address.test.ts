import { describe, expect, it } from 'vitest';
import { splitHostPort, validateUnixAddress } from './address.js';

describe('splitHostPort (Go net.SplitHostPort)', () => {
  it.each([
    ['127.0.0.1:80', { host: '127.0.0.1', port: '80' }],
    ['[::1]:80', { host: '::1', port: '80' }],
    [':80', { host: '', port: '80' }],
    ['127.0.0.1', { error: 'address 127.0.0.1: missing port in address' }],
    ['::1:80', { error: 'address ::1:80: too many colons in address' }],
    ['[::1', { error: "address [::1: missing ']' in address" }],
  ])('%s', (s, want) => expect(splitHostPort(s)).toEqual(want));
});

describe('validateUnixAddress', () => {
  it.each([
    ['/var/run/a.sock', undefined],
    ['@abstract', undefined],
    ['', 'unix address must not be empty'],
    ['relative.sock', 'relative.sock is not an absolute path to a file'],
    ['/var/run/', '/var/run/ is not an absolute path to a file'],
  ])('%j', (s, want) => expect(validateUnixAddress(s)).toBe(want));
});
