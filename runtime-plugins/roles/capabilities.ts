// The System API layer's catalogue: the three roles (crm, erp, psa), what each can be asked to do
// (capabilities), what a capability takes and which backends carry it out. Process flows name roles and
// capabilities, never vendors; the landscape picks the connection.
import type { SchemaId } from '../../canonical/registry.js';

export const ROLES = ['crm', 'erp', 'psa'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** The system a connection is, seen from a role: a Salesforce connection serves crm, and psa as Certinia. */
export type BackendSystem = 'salesforce' | 'netsuite' | 'kantata' | 'certinia';

/** Connection config node types, by what they are. */
export const CONNECTION_TYPES = {
  salesforce: 'syncwright-salesforce-connection',
  netsuite: 'syncwright-netsuite-connection',
  kantata: 'syncwright-kantata-connection',
} as const;

/** The backend a connection node of `type` is for `role`, or undefined when it cannot serve the role. */
export function backendFor(role: Role, type: string | undefined): BackendSystem | undefined {
  if (role === 'crm') return type === CONNECTION_TYPES.salesforce ? 'salesforce' : undefined;
  if (role === 'erp') return type === CONNECTION_TYPES.netsuite ? 'netsuite' : undefined;
  if (type === CONNECTION_TYPES.kantata) return 'kantata';
  if (type === CONNECTION_TYPES.salesforce) return 'certinia';
  return undefined;
}

/** In words, which connections serve a role (for errors). */
export const ROLE_CONNECTIONS: Record<Role, string> = {
  crm: 'a Salesforce connection',
  erp: 'a NetSuite connection',
  psa: 'a Kantata connection, or a Salesforce connection (Certinia PSA)',
};

/**
 * What a capability takes in msg.payload:
 * - a canonical schema id: validated with validateCanonical;
 * - `billing-status`: a canonical Invoice or Payment (by msg.sync.schema, else by its fields);
 * - the others: small request shapes of this layer (runtime-plugins/roles/payloads.ts).
 */
export type CapabilityInput = SchemaId | 'billing-status' | 'opportunity-status' | 'delivery-metrics' | 'record-ref' | 'approved-time-query' | 'resource-request-query' | 'compensation';

/**
 * How many objects one message carries:
 * - `one`: one object (an array is refused, unless it is a store-forward batch delivery);
 * - `list`: one object or an array of them, done together (the milestones of a project); one result;
 * - `batch`: one object or an array, each record its own outcome (`msg.results`), written in bulk.
 */
export type CapabilityShape = 'one' | 'list' | 'batch';

export interface Capability {
  role: Role;
  name: string;
  input: CapabilityInput;
  shape: CapabilityShape;
  kind: 'write' | 'read' | 'compensation';
  /** Where the result goes in msg.sync.results. */
  resultKey: string;
  /** For a compensation: the result key of what it undoes (its ids, and the connection that made them). */
  undoes?: string;
}

function c(role: Role, name: string, input: CapabilityInput, shape: CapabilityShape, kind: Capability['kind'], resultKey: string, undoes?: string): Capability {
  return undoes === undefined ? { role, name, input, shape, kind, resultKey } : { role, name, input, shape, kind, resultKey, undoes };
}

export const CAPABILITIES: Readonly<Record<Role, readonly Capability[]>> = {
  crm: [
    c('crm', 'upsert-account', 'syncwright/account@1', 'one', 'write', 'crm.account'),
    c('crm', 'upsert-contact', 'syncwright/contact@1', 'one', 'write', 'crm.contact'),
    c('crm', 'read-account', 'record-ref', 'one', 'read', 'crm.account'),
    c('crm', 'read-opportunity', 'record-ref', 'one', 'read', 'crm.opportunity'),
    c('crm', 'update-opportunity-status', 'opportunity-status', 'one', 'write', 'crm.opportunityStatus'),
    c('crm', 'write-billing-status', 'billing-status', 'batch', 'write', 'crm.billingStatus'),
    c('crm', 'write-delivery-metrics', 'delivery-metrics', 'batch', 'write', 'crm.deliveryMetrics'),
  ],
  erp: [
    c('erp', 'resolve-customer', 'syncwright/account@1', 'one', 'read', 'erp.customerMatch'),
    c('erp', 'upsert-customer', 'syncwright/account@1', 'one', 'write', 'erp.customer'),
    c('erp', 'upsert-contact', 'syncwright/contact@1', 'one', 'write', 'erp.contact'),
    c('erp', 'upsert-project', 'syncwright/project@1', 'one', 'write', 'erp.project'),
    c('erp', 'create-billing-milestones', 'syncwright/work-item@1', 'list', 'write', 'erp.milestones'),
    c('erp', 'create-sales-order', 'syncwright/opportunity@1', 'one', 'write', 'erp.salesOrder'),
    c('erp', 'post-time-entries', 'syncwright/time-entry@1', 'list', 'write', 'erp.timeEntries'),
    c('erp', 'post-expenses', 'syncwright/expense@1', 'list', 'write', 'erp.expenses'),
    c('erp', 'read-invoice', 'record-ref', 'one', 'read', 'erp.invoice'),
    c('erp', 'read-payment', 'record-ref', 'one', 'read', 'erp.payment'),
    c('erp', 'read-approved-expenses', 'approved-time-query', 'one', 'read', 'erp.approvedExpenses'),
    c('erp', 'delete-billing-milestones', 'compensation', 'one', 'compensation', 'erp.milestones', 'erp.milestones'),
    c('erp', 'close-project', 'compensation', 'one', 'compensation', 'erp.project', 'erp.project'),
  ],
  psa: [
    c('psa', 'upsert-project', 'syncwright/project@1', 'one', 'write', 'psa.project'),
    c('psa', 'create-milestones', 'syncwright/work-item@1', 'list', 'write', 'psa.milestones'),
    c('psa', 'post-time-entries', 'syncwright/time-entry@1', 'list', 'write', 'psa.timeEntries'),
    c('psa', 'upsert-resource-request', 'syncwright/resource-request@1', 'one', 'write', 'psa.resourceRequest'),
    c('psa', 'read-approved-time', 'approved-time-query', 'one', 'read', 'psa.approvedTime'),
    c('psa', 'read-resource-requests', 'resource-request-query', 'one', 'read', 'psa.resourceRequests'),
    c('psa', 'close-project', 'compensation', 'one', 'compensation', 'psa.project', 'psa.project'),
  ],
};

export function capabilityOf(role: Role, name: unknown): Capability | undefined {
  return CAPABILITIES[role].find((cap) => cap.name === name);
}

export function capabilityNames(role: Role): string[] {
  return CAPABILITIES[role].map((cap) => cap.name);
}
