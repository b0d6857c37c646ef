// XXH64, the hash Envoy uses for ring hash and maglev tables and for route hash policies, from the
// xxhash-wasm package (the reference C code compiled to WebAssembly; grpc-js-xds uses it for the same
// job). The module instantiates the WebAssembly once at load (top-level await); calls are synchronous.

import xxhash from 'xxhash-wasm';

const api = await xxhash();

/** XXH64 of the UTF-8 bytes of `input` with `seed` (Envoy's HashUtil::xxHash64). */
export function xxHash64(input: string, seed = 0n): bigint {
  return api.h64(input, seed);
}

/** XXH64 of the concatenation of `parts` (Envoy's xxHash64 over a span of strings: one stream,
 *  no separators). */
export function xxHash64Concat(parts: readonly string[]): bigint {
  if (parts.length === 1) return api.h64(parts[0] ?? '');
  const h = api.create64(0n);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `value` as 16 lower-case hex digits (Envoy's Hex::uint64ToHex). */
export function hex64(value: bigint): string {
  return value.toString(16).padStart(16, '0');
}
