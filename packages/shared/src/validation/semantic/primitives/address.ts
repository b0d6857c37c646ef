// Network addresses other than bare IPs: unix domain socket paths (`unix://` binds and endpoints) and
// Go's net.SplitHostPort for `host:port` strings.

/** The prefix that marks a unix domain socket address in Istio's APIs. */
export const UNIX_ADDRESS_PREFIX = 'unix://';

/** Istio's ValidateUnixAddress (the part after `unix://`): an absolute file path, or `@abstract`. */
export function validateUnixAddress(addr: string): string | undefined {
  if (addr.length === 0) return 'unix address must not be empty';
  if (addr.startsWith('@')) return undefined;
  if (!addr.startsWith('/') || addr.endsWith('/')) return `${addr} is not an absolute path to a file`;
  return undefined;
}

/** Go's net.SplitHostPort: `host:port`, `[v6]:port` or `:port`; an error string in Go's words. */
export function splitHostPort(hostport: string): { host: string; port: string } | { error: string } {
  const missingPort = { error: `address ${hostport}: missing port in address` };
  const tooManyColons = { error: `address ${hostport}: too many colons in address` };
  const i = hostport.lastIndexOf(':');
  if (i < 0) return missingPort;
  let host: string;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) return { error: `address ${hostport}: missing ']' in address` };
    if (end + 1 === hostport.length) return missingPort;
    if (end + 1 !== i) return hostport[end + 1] === ':' ? tooManyColons : { error: `address ${hostport}: missing port in address` };
    host = hostport.slice(1, end);
    if (host.includes('[') || hostport.slice(end + 1).includes(']')) return { error: `address ${hostport}: unexpected '[' in address` };
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return tooManyColons;
    if (host.includes('[')) return { error: `address ${hostport}: unexpected '[' in address` };
    if (host.includes(']')) return { error: `address ${hostport}: unexpected ']' in address` };
  }
  return { host, port: hostport.slice(i + 1) };
}
