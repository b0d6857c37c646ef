import { describe, expect, it } from 'vitest';
import { createOriginalDstPicker, endpointKey } from './lb-original-dst.js';
import type { Endpoint } from './picker.js';

const make = (host: string, port: number, key: string): Endpoint => ({ host, port, key, weight: 1, locality: '//', active: 0 });

describe('original destination picker', () => {
  it('returns the original destination, the same endpoint for the same address', () => {
    const picker = createOriginalDstPicker(make);
    const a = picker.pick(Math.random, { originalDestination: { host: '10.1.2.3', port: 8080 } });
    expect(a).toMatchObject({ host: '10.1.2.3', port: 8080, key: '10.1.2.3:8080' });
    expect(picker.pick(Math.random, { originalDestination: { host: '10.1.2.3', port: 8080 } })).toBe(a);
    expect(picker.pick(Math.random, { originalDestination: { host: '::1', port: 80 } })?.key).toBe('[::1]:80');
  });

  it('picks nothing without an original destination', () => {
    const picker = createOriginalDstPicker(make);
    expect(picker.pick(Math.random)).toBeUndefined();
    expect(picker.pick(Math.random, { originalDestination: { host: '', port: 80 } })).toBeUndefined();
  });

  it('drops idle hosts once it holds many, and says which', () => {
    const released: string[] = [];
    const picker = createOriginalDstPicker(make, (k) => released.push(k));
    for (let i = 0; i < 1025; i++) picker.pick(Math.random, { originalDestination: { host: '10.0.0.1', port: 1000 + i } });
    expect(released.length).toBeGreaterThan(0);
    expect(released[0]).toBe(endpointKey('10.0.0.1', 1000));
  });
});
