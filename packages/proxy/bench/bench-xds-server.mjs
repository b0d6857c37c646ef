// A minimal state-of-the-world ADS server for the benchmark: serves fixed resources (plain Envoy
// objects, packed here) over real gRPC, answers each subscription once, ignores ACKs and keeps NACKs
// (`nacks()`) for the bench to fail on. The proxy may not
// import the control plane, so the benchmark feeds it this way, like the proxy's own tests do.

import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition, isWildcardType, packAny } from '@weft/shared/xds';

const nameOf = (r) => String(r.name ?? r.cluster_name ?? '');

/**
 * Starts the server on 127.0.0.1 (a free port) with `resources`: type URL → plain resources.
 * Returns `{ address, nacks(), close() }`; `nacks()`: every NACK received, `{ type, message }`.
 */
export async function startBenchXdsServer(resources) {
  const packed = new Map(Object.entries(resources).map(([type, list]) => [type, list.map((r) => [nameOf(r), packAny(type, r)])]));
  const server = new grpc.Server();
  let nonce = 0;
  const nacks = [];
  server.addService(adsServiceDefinition(), {
    StreamAggregatedResources(call) {
      const answered = new Map();
      call.on('data', (req) => {
        const type = req.type_url;
        if (req.error_detail) nacks.push({ type, message: req.error_detail.message ?? '' });
        const names = [...(req.resource_names ?? [])].sort().join(',');
        if (answered.get(type) === names) return; // an ACK (or NACK) of what was sent
        answered.set(type, names);
        const wanted = new Set(req.resource_names ?? []);
        const all = packed.get(type) ?? [];
        const chosen = all.filter(([n]) => (isWildcardType(type) && wanted.size === 0) || wanted.has(n)).map(([, any]) => any);
        call.write({ version_info: '1', resources: chosen, type_url: type, nonce: String(++nonce) });
      });
      call.on('error', () => undefined);
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { address: `127.0.0.1:${port}`, nacks: () => [...nacks], close: () => server.forceShutdown() };
}
