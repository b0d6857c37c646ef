// Public surface of the webhook package.
export { main, USAGE } from './main.js';
