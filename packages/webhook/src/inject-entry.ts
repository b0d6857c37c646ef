// `@weft/webhook/inject`: the injection function and the injector's settings without the server
// (fastify, pino, prom-client are not loaded): what `weftctl kube-inject` imports.

export * from './inject/index.js';
export { InjectionError, WEBHOOK_ERROR_CODES, type WebhookErrorCode } from './errors.js';
export { INJECTOR_SETTINGS, injectOptionsOf, type InjectorConfig } from './config.js';
