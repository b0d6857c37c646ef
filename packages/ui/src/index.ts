// Public surface of the ui package.
export { main, USAGE } from './main.js';
