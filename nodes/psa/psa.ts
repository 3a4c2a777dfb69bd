// syncwright-psa: the psa role of the System API layer. Canonical operations (projects, milestones, time,
// resource requests, approved time, closing a project) on Kantata OX or Certinia PSA, whichever the system
// landscape chooses for the capability and legal entity.
import type { NodeAPI } from 'node-red';
import type { RoleBackend } from '../../runtime-plugins/roles/backend.js';
import type { BackendSystem } from '../../runtime-plugins/roles/capabilities.js';
import type { LandscapeRule } from '../../runtime-plugins/roles/landscape.js';
import { registerRoleNode } from '../../runtime-plugins/roles/role-node.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { certiniaBackend } from './certinia-psa.js';
import { kantataBackend } from './kantata-psa.js';

function psaBackend(connection: unknown, system: BackendSystem, rule: LandscapeRule): RoleBackend {
  if (system === 'kantata') return kantataBackend(connection, rule);
  if (system === 'certinia') return certiniaBackend(connection, rule);
  throw new SyncError(`psa is served by Kantata or Certinia (Salesforce) connections, not ${system}`, { class: 'data', code: 'NO_CONNECTION', retryable: false, target: 'psa', fields: ['landscape'] });
}

export = function register(RED: NodeAPI): void {
  registerRoleNode(RED, 'psa', psaBackend);
};
