// Public surface of the control-plane package.
export { main, USAGE } from './main.js';
