export * from './primitives.js';
export * from './envelope.js';
export * from './registry.js';
export * from './validate.js';
export * as v1 from './v1/index.js';
