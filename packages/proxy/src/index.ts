// Public surface of the proxy package.
export { main, USAGE, type MainOptions } from './main.js';
export { startProxy, type ProxyHandle, type StartOptions } from './bootstrap/start-proxy.js';
export { PROXY_SETTINGS, defaultProxyConfig, parseProxyCommandLine, type ProxyConfig } from './config.js';
export { AdsClient, type AdsClientEvents, type AdsClientOptions, type AdsClientStats } from './xds-client/ads-client.js';
export type { AcceptedResource, FailedUpdate, KindState, XdsSnapshot } from './xds-client/resource-store.js';
