// The system landscape: which connection serves which role, capability and legal entity. Rules are read in
// order; the first that matches a request routes it. So a firm cuts over in phases (customer master on a new
// ERP while billing stays on the old one) and routes legal entities to regional instances by editing rules,
// never process flows. Plain TypeScript: the config node (nodes/landscape) and the role nodes use it.
import { SyncError } from '../sync-error.js';
import { backendFor, capabilityNames, isRole, ROLE_CONNECTIONS, type BackendSystem, type Role } from './capabilities.js';

/** "Any" for capability and legal entity. */
export const ANY = '*';

/** A rule as the editor saves it. */
export interface RuleConfig {
  role?: unknown;
  capability?: unknown;
  legalEntity?: unknown;
  connection?: unknown;
  /** Optional mapping context (JSON) for the connection's account, e.g. a NetSuite account's lists. */
  context?: unknown;
}

export interface LandscapeRule {
  /** 1-based position, as the editor shows it. */
  index: number;
  role: Role;
  capability: string;
  legalEntity: string;
  connection: string;
  context: string;
}

/** What the landscape needs to know of a deployed connection node. */
export interface ConnectionInfo {
  type: string;
  name?: string;
}

export interface Route {
  rule: LandscapeRule;
  system: BackendSystem;
}

const ENTITY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

export function describeRule(r: { index: number; role: unknown; capability: unknown; legalEntity: unknown }): string {
  const any = (v: unknown) => (text(v) === '' || text(v) === ANY ? 'any' : text(v));
  return `rule ${r.index} (${text(r.role) || '?'} · ${any(r.capability)} · ${any(r.legalEntity)})`;
}

function entityMatches(rule: string, entity: string | undefined): boolean {
  if (rule === ANY) return true;
  return entity !== undefined && rule.toUpperCase() === entity.toUpperCase();
}

/**
 * Reads the saved rules. Shape problems (unknown role or capability, a bad legal entity code, no connection)
 * are reported by rule; what needs the deployed connections is checked by `checkConnections`.
 */
export function parseRules(raw: unknown): { rules: LandscapeRule[]; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const rules: LandscapeRule[] = [];
  const list = Array.isArray(raw) ? (raw as unknown[]) : [];
  if (raw !== undefined && !Array.isArray(raw)) problems.push('the rules must be a list');
  list.forEach((item, i) => {
    const r = (typeof item === 'object' && item !== null ? item : {}) as RuleConfig;
    const index = i + 1;
    const name = describeRule({ index, role: r.role, capability: r.capability, legalEntity: r.legalEntity });
    const role = text(r.role);
    if (!isRole(role)) {
      problems.push(`${name}: the role "${role}" must be crm, erp or psa`);
      return;
    }
    const capability = text(r.capability) || ANY;
    if (capability !== ANY && !capabilityNames(role).includes(capability)) {
      problems.push(`${name}: ${role} has no capability "${capability}" (it has ${capabilityNames(role).join(', ')})`);
      return;
    }
    const legalEntity = text(r.legalEntity) || ANY;
    if (legalEntity !== ANY && !ENTITY.test(legalEntity)) {
      problems.push(`${name}: the legal entity "${legalEntity}" is not a code (letters, digits, _ . -), or leave it empty for any`);
      return;
    }
    const connection = text(r.connection);
    if (connection === '') {
      problems.push(`${name}: choose the connection that serves it`);
      return;
    }
    rules.push({ index, role, capability, legalEntity, connection, context: text(r.context) });
  });
  // A rule after a catch-all of its role (any capability, any entity) can never match: say so.
  rules.forEach((r) => {
    const earlier = rules.find((e) => e.index < r.index && e.role === r.role && (e.capability === ANY || e.capability === r.capability) && (e.legalEntity === ANY || e.legalEntity.toUpperCase() === r.legalEntity.toUpperCase()));
    if (earlier) warnings.push(`${describeRule(r)}: never used, ${describeRule(earlier)} above it already matches everything it would`);
  });
  return { rules, problems, warnings };
}

/**
 * Checks every rule's connection: deployed, of a type that serves the rule's role, and with a usable
 * context. `lookup` finds a deployed connection node; `checkContext` parses a context for a backend.
 */
export function checkConnections(rules: readonly LandscapeRule[], lookup: (id: string) => ConnectionInfo | undefined, checkContext?: (system: BackendSystem, context: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const r of rules) {
    const name = describeRule(r);
    const node = lookup(r.connection);
    if (node === undefined) {
      problems.push(`${name}: the connection ${r.connection} is not deployed (deleted, disabled, or not in this flow file)`);
      continue;
    }
    const system = backendFor(r.role, node.type);
    if (system === undefined) {
      problems.push(`${name}: ${node.name ? `"${node.name}" ` : ''}is a ${node.type.replace(/^syncwright-/, '')}, which cannot serve ${r.role}: choose ${ROLE_CONNECTIONS[r.role]}`);
      continue;
    }
    if (r.context !== '') {
      const problem = checkContext?.(system, r.context);
      if (problem !== undefined) problems.push(`${name}: ${problem}`);
    }
  }
  return problems;
}

/** The first rule matching (role, capability, legal entity), or a `data` error saying what is missing. */
export function route(rules: readonly LandscapeRule[], role: Role, capability: string, legalEntity: string | undefined, lookup: (id: string) => ConnectionInfo | undefined, landscapeName = 'the landscape'): Route {
  const rule = rules.find((r) => r.role === role && (r.capability === ANY || r.capability === capability) && entityMatches(r.legalEntity, legalEntity));
  if (rule === undefined) {
    const entity = legalEntity === undefined ? 'no legal entity' : `legal entity ${legalEntity}`;
    throw new SyncError(`${landscapeName} has no rule for ${role} ${capability} with ${entity}: add one (role ${role}, capability ${capability} or any, legal entity ${legalEntity ?? 'any'})`, {
      class: 'data',
      code: 'NO_ROUTE',
      retryable: false,
      target: role,
      fields: ['landscape'],
    });
  }
  const node = lookup(rule.connection);
  const system = node === undefined ? undefined : backendFor(role, node.type);
  if (node === undefined || system === undefined) {
    throw new SyncError(`${landscapeName}: ${describeRule(rule)} names connection ${rule.connection}, which ${node === undefined ? 'is not deployed' : `cannot serve ${role}`}`, {
      class: 'data',
      code: 'NO_CONNECTION',
      retryable: false,
      target: role,
      fields: ['landscape'],
    });
  }
  return { rule, system };
}
