// Public surface of the proxy package.
export { main, USAGE, type MainOptions } from './main.js';
export { startProxy, type ProxyHandle, type StartOptions } from './bootstrap/start-proxy.js';
export { PROXY_SETTINGS, defaultProxyConfig, parseProxyCommandLine, type ProxyConfig } from './config.js';
export { AdsClient, type AdsClientEvents, type AdsClientOptions, type AdsClientStats } from './xds-client/ads-client.js';
export type { AcceptedResource, FailedUpdate, KindState, XdsSnapshot } from './xds-client/resource-store.js';
export { compileConfig, compileSnapshot, type CompileInput, type CompiledConfig } from './compile/compile-config.js';
export { startOutboundListener, type OutboundListenerHandle, type OutboundListenerOptions } from './outbound/outbound-listener.js';
export type { RequestOutcome } from './outbound/request-outcome.js';
export { RESCUE, type LocalReplyReason, type RescueEntry } from './errors/rescue.js';
