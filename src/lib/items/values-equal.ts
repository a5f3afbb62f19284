/** The exact, type-aware comparison lives in one module, shared by upsert, system rows and verify. */
export { valuesEqual } from '../compare/normalize.js';
