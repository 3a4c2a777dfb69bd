// Canonical model v1. Additive changes stay in v1; a breaking change adds canonical/v2 beside it.
export { Account } from './account.js';
export { Contact } from './contact.js';
export { Opportunity, ResourceNeed } from './opportunity.js';
export { SalesLine } from './lines.js';
export { Quote } from './quote.js';
export { Contract } from './contract.js';
export { Project } from './project.js';
export { WorkItem } from './work-item.js';
export { Resource } from './resource.js';
export { ResourceRequest } from './resource-request.js';
export { TimeEntry } from './time-entry.js';
export { Expense } from './expense.js';
export { Invoice, InvoiceLine } from './invoice.js';
export { Payment } from './payment.js';
export { RevenueSchedule } from './revenue-schedule.js';
