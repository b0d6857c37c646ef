import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinPath } from '../validation/result.js';
import { parseFieldPath, type FieldPathSegment } from './field-path.js';

describe('parseFieldPath', () => {
  it.each<[string, FieldPathSegment[] | undefined]>([
    ['', []],
    ['spec', ['spec']],
    ['spec.http[0].route[1].weight', ['spec', 'http', 0, 'route', 1, 'weight']],
    ['metadata.labels["app.kubernetes.io/name"]', ['metadata', 'labels', 'app.kubernetes.io/name']],
    ['spec.portLevelMtls["8080"].mode', ['spec', 'portLevelMtls', '8080', 'mode']],
    ['spec.headers[x-user]', ['spec', 'headers', 'x-user']],
    ['.spec.hosts[2]', ['spec', 'hosts', 2]],
    ['a["say \\"hi\\"]"]', ['a', 'say "hi"]']],
    ['spec.', undefined],
    ['spec..hosts', undefined],
    ['spec[0', undefined],
    ['a["x"', undefined],
    ['a[1]b', ['a', 1, 'b']],
  ])('%j → %j', (path, expected) => {
    expect(parseFieldPath(path)).toEqual(expected);
  });

  it('reads back whatever joinPath prints', () => {
    const segment = fc.oneof(fc.nat(1000), fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }));
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z_]\w{0,7}$/), fc.array(segment, { maxLength: 6 }), (first, rest) => {
        const path = rest.reduce<string>((p, s) => joinPath(p, s), first);
        expect(parseFieldPath(path)).toEqual([first, ...rest]);
      }),
      { numRuns: 300 },
    );
  });
});
