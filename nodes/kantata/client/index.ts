// The Kantata OX client, for the operation node and for the role nodes built on it.
export * from './envelope.js';
export * from './kantata-client.js';
export * from './profile.js';
