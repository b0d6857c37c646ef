// Public surface of the proxy package.
export { main, USAGE } from './main.js';
