// The Salesforce (and Certinia PSA) connector client: plain TypeScript, no Node-RED.
export * from './auth.js';
export * from './canonical.js';
export * from './client.js';
export * from './errors.js';
export * from './objects.js';
export * from './opportunity.js';
export * from './profile.js';
export * from './soql.js';
