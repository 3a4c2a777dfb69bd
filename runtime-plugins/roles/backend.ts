// What a role node asks of a backend (one connection seen through a role), what a backend answers, and the
// result entries every backend writes to msg.sync.results under role keys (`erp.customer`, `psa.project` …).
import type { SyncError } from '../sync-error.js';
import type { BackendSystem, Capability, Role } from './capabilities.js';
import type { ParsedInput, SyncStatus } from './payloads.js';
import type { LandscapeRule } from './landscape.js';

/** A role result: which system and connection did it, and what it made or found. */
export interface RoleResult {
  system: BackendSystem;
  /** The connection config node's id. */
  connection: string;
  id?: string;
  ids?: string[];
  /** Whether the write created the record (NetSuite's upsert does not say: absent there). */
  created?: boolean;
  key?: string;
  keys?: string[];
  [more: string]: unknown;
}

/** Node settings a capability may read. */
export interface RoleNodeOptions {
  /** update-opportunity-status: a fixed Sync_Status__c, else from the payload or msg.saga. */
  syncStatus?: SyncStatus;
  /** resolve-customer: the key tried after the external ids (default the tax ID). */
  matchOn?: SecondaryKey;
}

/** What identifies a customer after its external ids: its tax ID, its web/e-mail domain, or nothing more. */
export type SecondaryKey = 'taxId' | 'domain' | 'none';

export function secondaryKeyOf(value: unknown): SecondaryKey | undefined {
  return value === 'taxId' || value === 'domain' || value === 'none' ? value : undefined;
}

export interface RunContext {
  /** The unit's msg.sync: correlation id, business key, results of earlier steps. */
  sync: Record<string, unknown> | undefined;
  /** msg.saga: a compensation finds what its step made in `stepResult`. */
  saga: Record<string, unknown> | undefined;
  /** A store-forward delivery paced by this connection's limiter already holds the slot. */
  permitHeld: boolean;
  options: RoleNodeOptions;
}

export interface UnitOutcome {
  /** The new msg.payload (one message) — the result or what was read. */
  payload: unknown;
  /** Entries for msg.sync.results: the role key and the vendor layer's key. */
  results: Record<string, unknown>;
  /** Short text for the node status. */
  summary: string;
}

export interface RoleBackend {
  readonly role: Role;
  readonly system: BackendSystem;
  readonly connectionId: string;
  /** The connection's name (or id), for status and errors. */
  readonly label: string;
  readonly limiterTarget: string;
  run(cap: Capability, input: ParsedInput, ctx: RunContext): Promise<UnitOutcome>;
  /** `batch` capabilities: every record its own outcome, written in bulk. A whole-call failure is thrown. */
  runBatch?(cap: Capability, inputs: readonly ParsedInput[], ctxs: readonly RunContext[]): Promise<Array<UnitOutcome | SyncError>>;
  /** Limit usage for the status (e.g. `api 1,234/15,000`). */
  usage?(): string | undefined;
}

/** Builds the backend of a connection for a role. Called once per (connection node, context). */
export type BackendFactory = (connection: unknown, system: BackendSystem, rule: LandscapeRule) => RoleBackend;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A role result in msg.sync.results, optionally only when the given connection made it. */
export function earlierResult(sync: Record<string, unknown> | undefined, key: string, connection?: string): RoleResult | undefined {
  const results = isRecord(sync?.['results']) ? sync['results'] : undefined;
  const r = results?.[key];
  if (!isRecord(r)) return undefined;
  if (connection !== undefined && r['connection'] !== connection) return undefined;
  return r as RoleResult;
}

/** What a saga step made (msg.saga.stepResult), under a role key. */
export function stepResultOf(saga: Record<string, unknown> | undefined, key: string): RoleResult | undefined {
  const step = isRecord(saga?.['stepResult']) ? saga['stepResult'] : undefined;
  const r = step?.[key];
  return isRecord(r) ? (r as RoleResult) : undefined;
}

/** The ids a result holds (`id`, or `ids`). */
export function idsOf(r: RoleResult | undefined): string[] {
  if (r === undefined) return [];
  if (Array.isArray(r.ids)) return r.ids.filter((x): x is string => typeof x === 'string');
  return typeof r.id === 'string' ? [r.id] : [];
}

export function correlationIdOf(sync: Record<string, unknown> | undefined): string | undefined {
  const id = sync?.['correlationId'];
  return typeof id === 'string' && id !== '' ? id : undefined;
}
