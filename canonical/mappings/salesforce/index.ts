export * from './context.js';
export * from './account.js';
export * from './opportunity.js';
export * from './certinia.js';
