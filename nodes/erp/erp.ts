// syncwright-erp: the erp role of the System API layer. Canonical operations (customers, contacts, projects,
// billing milestones, sales orders, time, expenses, invoice and payment reads, and their compensations) on the
// NetSuite connection the system landscape chooses — by capability and legal entity.
import type { NodeAPI } from 'node-red';
import { registerRoleNode } from '../../runtime-plugins/roles/role-node.js';
import { netsuiteBackend } from './netsuite-erp.js';

export = function register(RED: NodeAPI): void {
  registerRoleNode(RED, 'erp', netsuiteBackend);
};
