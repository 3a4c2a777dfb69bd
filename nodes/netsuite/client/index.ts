// The NetSuite client, for the NetSuite nodes and the role nodes built on them. No Node-RED import.
export * from './account.js';
export * from './auth.js';
export * from './client.js';
export * from './profile.js';
export * from './suiteql.js';
