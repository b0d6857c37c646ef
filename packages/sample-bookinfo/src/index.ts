// Public API of @weft/sample-bookinfo: the programs' config, their server factory and entry point,
// for orchestrators (weftctl up) and tests that run the sample in-process.

export {
  REVIEWS_VERSIONS,
  SAMPLE_SETTINGS,
  SERVICE_NAMES,
  formatAuthority,
  parseDuration,
  parseSampleConfig,
  parseServiceAddress,
  renderSampleHelp,
  type ConfigResult,
  type Environment,
  type Parsed,
  type ProxyForm,
  type SampleConfig,
  type ServiceAddress,
  type ServiceName,
  type SettingDeclaration,
} from './config.js';
export { runSampleProgram, type ProgramIo } from './main.js';
export { startSampleService } from './start-service.js';
export type { ServiceHandle } from './service-server.js';
export { PROPAGATED_HEADERS, propagatedHeaders } from './trace-headers.js';
export { UNAVAILABLE, endUserOf } from './services/productpage.js';
export { RATINGS_UNAVAILABLE, type Rating, type Review, type ReviewsResponse } from './services/reviews.js';
export { SAMPLE_CONFIG_DIR, SAMPLE_WORKLOADS, type SampleWorkload } from './workloads.js';
