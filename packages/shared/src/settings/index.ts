// `@weft/shared/settings`: declaring a binary's settings once and deriving from them the argv + env
// parser, `--help` and its docs/config.md section. Node-only (node:util, node:net): the browser-safe
// main entry `@weft/shared` never reaches it.

export { declareSettingFor, fail, ok, type Parsed, type SettingDeclaration } from './declare.js';
export {
  DNS_LABEL,
  DNS_NAME,
  DNS_SUBDOMAIN,
  anyText,
  count,
  duration,
  formatDuration,
  hostPort,
  ipList,
  matching,
  nonEmpty,
  oneOf,
  optionalPath,
  parseDuration,
  parseLabels,
  port,
} from './parsers.js';
export { parseCommandLine, type CommandLineExtras, type Environment, type ParsedCommandLine } from './parse-command-line.js';
export { describeDefault, renderHelp, wrap, type HelpText } from './render-help.js';
export { renderDocSection, spliceDocSection, type DocSection } from './render-doc.js';
