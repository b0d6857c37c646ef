// Public surface of @weft/webhook: the injection function (shared with `weftctl kube-inject`), the
// admission handler, and the weft-injector binary as a library.

export * from './inject/index.js';
export { InjectionError, WEBHOOK_ERROR_CODES, type WebhookErrorCode } from './errors.js';
export { ADMISSION_VERSIONS, handleAdmission, parseInjectEnvs, type AdmissionContext, type Outcome, type Reply } from './webhook/admission.js';
export { createInjectionMetrics, type InjectionMetrics } from './metrics/injection-metrics.js';
export { startInjector, type InjectorHandle, type StartOptions } from './bootstrap/start-injector.js';
export { INJECTOR_SETTINGS, injectOptionsOf, LOG_LEVELS, parseInjectorCommandLine, renderConfigMarkdown, renderUsage, spliceConfigMarkdown, type InjectorConfig, type LogLevel } from './config.js';
export { main, USAGE, type MainOptions } from './main.js';
