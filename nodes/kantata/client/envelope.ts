// Kantata's side-loaded read envelope → a plain list of records in `results` order, with the `include`d
// associations resolved into each record (`story.workspace`, `workspace.participants`).
import { z } from 'zod';
import { SyncError } from '../../../runtime-plugins/sync-error.js';
import { KANTATA_TARGET } from './profile.js';

/** A Kantata record as the API returns it; ids are strings. */
export type KantataRecord = Record<string, unknown> & { id: string };

const IdText = z.union([z.string().min(1), z.number().int()]).transform((v) => String(v));

const Envelope = z.looseObject({
  count: z.number().int().optional(),
  meta: z
    .object({
      count: z.number().int().optional(),
      page_count: z.number().int().optional(),
      page_number: z.number().int().optional(),
      page_size: z.number().int().optional(),
    })
    .optional(),
  results: z.array(z.object({ key: z.string().min(1), id: IdText })),
});

export interface Page {
  records: KantataRecord[];
  /** Total matching records, when Kantata says. */
  count: number | undefined;
  pageCount: number | undefined;
  pageNumber: number | undefined;
}

/** Association name → the top-level key its records are side-loaded under, where the name does not say it. */
const INCLUDE_COLLECTIONS: Readonly<Record<string, string>> = {
  creator: 'users',
  user: 'users',
  recipient: 'users',
  primary_maven: 'users',
  primary_counterpart: 'users',
  participants: 'users',
  assignees: 'users',
  approvers: 'users',
  parent: 'stories',
  root: 'stories',
  ancestors: 'stories',
  sub_stories: 'stories',
  story: 'stories',
  workspace: 'workspaces',
  role: 'roles',
  resource: 'workspace_resources',
};

/** `subject_type` of an external reference → the collection its subject is side-loaded under. */
const SUBJECT_COLLECTIONS: Readonly<Record<string, string>> = {
  Workspace: 'workspaces',
  Story: 'stories',
  TimeEntry: 'time_entries',
  Expense: 'expenses',
  Invoice: 'invoices',
  User: 'users',
  Role: 'roles',
  WorkspaceResource: 'workspace_resources',
};

function singular(name: string): string {
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`;
  if (name.endsWith('s')) return name.slice(0, -1);
  return name;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function collectionOf(body: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const c = body[key];
  return isObject(c) ? c : undefined;
}

function lookup(body: Record<string, unknown>, collection: string | undefined, id: unknown): Record<string, unknown> | undefined {
  if (collection === undefined || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  const found = collectionOf(body, collection)?.[String(id)];
  return isObject(found) ? found : undefined;
}

/** Resolves one `include` name on a record: a belongs-to (`workspace_id`) or a has-many (`participant_ids`). */
function resolveInclude(record: Record<string, unknown>, name: string, body: Record<string, unknown>): unknown {
  let collection = INCLUDE_COLLECTIONS[name] ?? (collectionOf(body, name) ? name : undefined);
  if (name === 'subject' && typeof record['subject_type'] === 'string') collection = SUBJECT_COLLECTIONS[record['subject_type']];
  const single = record[`${name}_id`];
  if (single !== undefined) return lookup(body, collection, single);
  const many = record[`${singular(name)}_ids`] ?? record[`${name}_ids`];
  if (Array.isArray(many)) return many.map((id) => lookup(body, collection, id)).filter((r) => r !== undefined);
  return undefined;
}

/** Flattens one read answer; `include` names the associations asked for. */
export function flattenEnvelope(body: unknown, include: readonly string[] = []): Page {
  const parsed = Envelope.safeParse(body);
  if (!parsed.success) {
    throw new SyncError(`Kantata answered with a body that is not a read envelope (${parsed.error.issues[0]?.message ?? 'invalid'})`, {
      class: 'transient',
      code: 'BAD_ENVELOPE',
      retryable: true,
      target: KANTATA_TARGET,
    });
  }
  const env = parsed.data as z.infer<typeof Envelope> & Record<string, unknown>;
  const records: KantataRecord[] = [];
  for (const { key, id } of env.results) {
    const raw = lookup(env, key, id);
    if (raw === undefined) {
      throw new SyncError(`Kantata listed ${key} ${id} in results but did not send it`, { class: 'transient', code: 'BAD_ENVELOPE', retryable: true, target: KANTATA_TARGET });
    }
    const rawId = raw['id'];
    const record: KantataRecord = { ...raw, id: typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : id };
    for (const name of include) {
      const resolved = resolveInclude(record, name, env);
      if (resolved !== undefined) record[name] = resolved;
    }
    records.push(record);
  }
  return { records, count: env.meta?.count ?? env.count, pageCount: env.meta?.page_count, pageNumber: env.meta?.page_number };
}
