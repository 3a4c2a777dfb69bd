// syncwright-crm: the crm role of the System API layer. Canonical operations (upsert account or contact, read an
// opportunity, write its sync status, billing status, delivery metrics) on the Salesforce connection the system
// landscape chooses, so process flows never name a vendor.
import type { NodeAPI } from 'node-red';
import { registerRoleNode } from '../../runtime-plugins/roles/role-node.js';
import { salesforceBackend } from './salesforce-crm.js';

export = function register(RED: NodeAPI): void {
  registerRoleNode(RED, 'crm', salesforceBackend);
};
