// The floor for an HTTP/1.1 proxy on Node, as a reference target of the benchmark (not a product):
// one keep-alive upstream socket per downstream connection, heads found with indexOf, Connection
// dropped, content-length responses only, no routing, no pools, no limits.
// Usage: node raw-node-proxy.mjs <listen port> <upstream port>

import { Buffer } from 'node:buffer';
import { connect, createServer } from 'node:net';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
const HEAD_END = Buffer.from('\r\n\r\n');

createServer({ noDelay: true }, (down) => {
  const up = connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
  let inBuf = Buffer.alloc(0);
  let outBuf = Buffer.alloc(0);
  down.on('data', (d) => {
    inBuf = inBuf.length > 0 ? Buffer.concat([inBuf, d]) : d;
    for (let end = inBuf.indexOf(HEAD_END); end >= 0; end = inBuf.indexOf(HEAD_END)) {
      const lines = inBuf.toString('latin1', 0, end).split('\r\n');
      inBuf = inBuf.subarray(end + 4);
      up.write(`${lines.filter((l) => !/^connection:/i.test(l)).join('\r\n')}\r\nx-forwarded-proto: http\r\n\r\n`, 'latin1');
    }
  });
  up.on('data', (d) => {
    outBuf = outBuf.length > 0 ? Buffer.concat([outBuf, d]) : d;
    for (;;) {
      const end = outBuf.indexOf(HEAD_END);
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(outBuf.toString('latin1', 0, end))?.[1] ?? 0);
      if (outBuf.length < end + 4 + length) return;
      down.write(outBuf.subarray(0, end + 4 + length));
      outBuf = outBuf.subarray(end + 4 + length);
    }
  });
  down.on('close', () => up.destroy());
  up.on('close', () => down.destroy());
  down.on('error', () => undefined);
  up.on('error', () => undefined);
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
