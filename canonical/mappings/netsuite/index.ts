export * from './context.js';
export * from './entities.js';
export * from './project.js';
export * from './transactions.js';
export * from './time-expense.js';
