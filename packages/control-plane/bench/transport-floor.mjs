// The transport floor of a push: how long grpc-js takes to carry one response of a given size to
// each of N streams (over C HTTP/2 connections, as the load client opens them, from a process of its
// own), with no generation at all: the server writes one pre-encoded buffer to every stream and the
// client counts bytes. A push of that size to that many proxies cannot converge faster than this on
// the same machine.
//   node bench/transport-floor.mjs [--streams 2000] [--kb 834] [--connections 8]
import * as grpc from '@grpc/grpc-js';
import { Buffer } from 'node:buffer';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { streams: { type: 'string', default: '2000' }, kb: { type: 'string', default: '834' }, connections: { type: 'string', default: '8' }, client: { type: 'string' } } });
const streams = Number(values.streams);
const bytes = Math.round(Number(values.kb) * 1024);
const connections = Number(values.connections);
const PATH = '/weft.bench.Floor/Stream';
const identity = (b) => b;

if (values.client) {
  // Client: open the streams, report when all are open, count bytes, report when all arrived.
  const clients = Array.from({ length: connections }, () => new grpc.Client(`127.0.0.1:${values.client}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': -1 }));
  let received = 0;
  for (let i = 0; i < streams; i++) {
    const call = clients[i % connections].makeBidiStreamRequest(PATH, identity, identity);
    call.on('data', (b) => {
      received += b.length;
      call.write(Buffer.from('ack'));
      if (received >= streams * bytes) process.send?.({ type: 'done' });
    });
    call.on('error', () => undefined);
    call.write(Buffer.from('hello'));
  }
} else {
  const server = new grpc.Server();
  const calls = [];
  let opened = 0;
  let allOpen;
  const opening = new Promise((resolve) => (allOpen = resolve));
  server.register(PATH, (call) => {
    calls.push(call);
    call.on('data', () => undefined);
    call.on('error', () => undefined);
    if (++opened === streams) allOpen();
  }, identity, identity, 'bidi');
  const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const child = fork(new URL(import.meta.url).pathname, [...process.argv.slice(2), '--client', String(port)]);
  await opening;
  const payload = Buffer.alloc(bytes, 7);
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const call of calls) call.write(payload);
  const [message] = await once(child, 'message');
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (message?.type === 'done') {
    console.log(`${streams} streams × ${values.kb} KB over ${connections} connections: ${ms.toFixed(0)} ms to deliver ${((streams * bytes) / 2 ** 30).toFixed(2)} GiB (${((streams * bytes) / 2 ** 20 / (ms / 1000)).toFixed(0)} MiB/s); server CPU ${(used.user / 1e6).toFixed(1)} s user + ${(used.system / 1e6).toFixed(1)} s system`);
  }
  child.kill();
  server.forceShutdown();
}
