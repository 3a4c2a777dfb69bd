export * from './context.js';
export * from './project.js';
export * from './time-expense.js';
