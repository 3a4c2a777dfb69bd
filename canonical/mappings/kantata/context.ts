// What the Kantata OX mappings need to know about an account, and the helpers they share. Kantata holds no
// business keys itself: identity lives in external references, which the connector reads and passes in
// `call.businessKey`.
import { z } from 'zod';
import type { Project } from '../../v1/index.js';
import { foreignKey, opt, VendorId, type MappingCall, type RefValue } from '../common.js';
import type { Scope } from '../errors.js';

export interface KantataUser {
  id: string;
  name: string;
  email?: string;
  /** Business key of the canonical Resource. */
  resourceKey?: string;
}

export interface KantataMappingContext {
  users: readonly KantataUser[];
  /** Project status ids (`status_key`) by canonical project status. */
  projectStatuses: ReadonlyArray<{ key: number; message: string; status: Project['status'] }>;
  /** Expense categories by name; when one matches, `expense_category_id` is written beside `category`. */
  expenseCategories: ReadonlyArray<{ id: string; name: string }>;
}

/** The Kantata sandbox seed. */
export const defaultKantataContext: KantataMappingContext = {
  users: [
    { id: '1001', name: 'Jane Doe', email: 'jane.doe@syncwright.example', resourceKey: 'res:jane.doe' },
    { id: '1002', name: 'Sam Lee', email: 'sam.lee@syncwright.example', resourceKey: 'res:sam.lee' },
  ],
  // Kantata numbers project statuses by colour group (gray 1xx not started, light green 2xx close to starting,
  // green 3xx in progress, yellow 4xx pending action, red 5xx blocked or ended, blue 6xx finished); the
  // sandbox serves these keys. The first entry of a canonical status is the one written; later ones only read.
  projectStatuses: [
    { key: 100, message: 'Not Started', status: 'planned' },
    { key: 300, message: 'In Progress', status: 'active' },
    { key: 400, message: 'On Hold', status: 'on-hold' },
    { key: 600, message: 'Completed', status: 'completed' },
    { key: 501, message: 'Cancelled', status: 'cancelled' },
    { key: 200, message: 'Okay to Start', status: 'planned' },
    { key: 500, message: 'Blocked', status: 'active' },
  ],
  // Kantata's six default expense categories, with the sandbox's ids.
  expenseCategories: [
    { id: '3001', name: 'Entertainment' },
    { id: '3002', name: 'Food' },
    { id: '3003', name: 'Lodging' },
    { id: '3004', name: 'Mileage' },
    { id: '3005', name: 'Travel' },
    { id: '3006', name: 'Other' },
  ],
};

/** Kantata ids are integers on write. */
export function kantataId(id: string, field: string, s: Scope): number {
  if (!/^\d{1,15}$/.test(id)) s.fail(field, `is "${id}", not a Kantata id (digits)`);
  return Number(id);
}

/** The Kantata id of a canonical reference (an explicit parent id first, then its kantata external id). */
export function requireKantataId(ref: RefValue | undefined, field: string, call: MappingCall | undefined, s: Scope): number {
  const id = call?.parents?.[field] ?? ref?.externalIds?.kantata;
  if (id === undefined) return s.fail(field, `has no kantata id: sync the referenced record first or pass its id in call.parents.${field}`);
  return kantataId(id, field, s);
}

/** The user of a resource reference: its Kantata id, else by resource business key, else by e-mail. */
export function userOf(resource: RefValue, field: string, ctx: KantataMappingContext, call: MappingCall | undefined, s: Scope): number {
  const explicit = call?.parents?.[field] ?? resource.externalIds?.kantata;
  if (explicit !== undefined) return kantataId(explicit, field, s);
  const found = ctx.users.find((u) => resource.businessKey !== undefined && u.resourceKey === resource.businessKey);
  if (found === undefined) return s.fail(field, `is ${resource.businessKey ?? 'a resource without key'}: no Kantata user for it in the mapping context`);
  return kantataId(found.id, field, s);
}

export function resourceOf(userId: string, ctx: KantataMappingContext): { businessKey?: string; externalIds: { kantata: string } } {
  const key = ctx.users.find((u) => u.id === userId)?.resourceKey;
  return key === undefined ? { externalIds: { kantata: userId } } : { businessKey: key, externalIds: { kantata: userId } };
}

/** A canonical reference the record does not hold, from `call.refs`. */
export function requireCallRef(field: string, call: MappingCall | undefined, s: Scope): RefValue {
  const found = call?.refs?.[field];
  if (found === undefined) return s.fail(field, `is not held by a Kantata ${s.objectType}: pass the canonical reference in call.refs.${field}`);
  return found;
}

/** Business key of a Kantata record: from its `syncwright` external reference (call.businessKey), else derived from its id. */
export function kantataBusinessKey(id: string | undefined, prefix: string, call: MappingCall | undefined, s: Scope): string {
  if (call?.businessKey !== undefined) return call.businessKey;
  if (id === undefined) return s.fail('id', 'is required when no business key is passed in call.businessKey');
  return foreignKey(prefix, 'kantata', id);
}

export const KDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');
export const KId = VendorId;
export const KCents = z.number().int();

export const kBase = {
  id: opt(KId),
};
