// The backend's API types, seen from the web app (one re-export, so pages import from here).
export type * from '../../src/api-types.js';
