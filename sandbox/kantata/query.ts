// Reads: one definition per collection (its view, filters, sort fields and side-loadable associations) and
// one engine that applies Kantata's common parameters — only, search, order, page/per_page, include,
// created_/updated_ after/before and the external_reference_* filters — and builds the envelope.
import type {
  BaseRow,
  ExpenseRow,
  ExternalReferenceRow,
  InvoiceItemRow,
  InvoiceRow,
  KantataStore,
  ResourceRequestRow,
  RoleRow,
  StoryRow,
  Table,
  TimeEntryRow,
  UserRow,
  WorkspaceResourceRow,
  WorkspaceRow,
} from './store.js';
import {
  ancestorIds,
  expenseView,
  externalReferenceView,
  invoiceItemView,
  invoiceView,
  resourceRequestView,
  roleView,
  storyView,
  timeEntryView,
  userView,
  workspaceResourceView,
  workspaceView,
} from './views.js';
import { badRequest, isCalendarDate, notFound, type Envelope, type WireRecord } from './wire.js';

export interface Association<T> {
  /** Top-level key the associated records are side-loaded under. */
  collection: string;
  /** The associated ids of one record. */
  ids(row: T, store: KantataStore): string[];
  /** Field added to the record when included (`participant_ids`); belongs-to associations already carry theirs. */
  field?: string;
  /** Has-one associations add a single id, not a list. */
  single?: boolean;
}

export interface CollectionDef<T extends BaseRow> {
  key: string;
  /** The `subject_type` external references use for this collection. */
  subjectType?: string;
  table(store: KantataStore): Table<T>;
  view(row: T, store: KantataStore): WireRecord;
  associations: Record<string, Association<T>>;
  filters: Record<string, (row: T, value: string, store: KantataStore) => boolean>;
  order: Record<string, (row: T) => string | number | null>;
  defaultOrder: string;
  search?(row: T, term: string, store: KantataStore): boolean;
  /** Records left out unless asked for (archived workspaces). */
  hidden?(row: T, query: URLSearchParams): boolean;
}

const list = (s: string): string[] => s.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
const eqId = (field: string) => (row: object, v: string) => list(v).includes(String((row as Record<string, unknown>)[field]));
const bool = (v: string): boolean => v === 'true' || v === '1';
const contains = (hay: string | null | undefined, term: string): boolean => (hay ?? '').toLowerCase().includes(term.toLowerCase());

function dateBetween(value: string, date: string | null): boolean {
  const [from, to] = value.split(':');
  if ((from && !isCalendarDate(from)) || (to && !isCalendarDate(to))) throw badRequest(`Invalid date range "${value}": expected YYYY-MM-DD:YYYY-MM-DD.`);
  if (date === null) return false;
  return (!from || date >= from) && (!to || date <= to);
}

const stamps = { id: (r: BaseRow) => Number(r.id), created_at: (r: BaseRow) => r.createdMs, updated_at: (r: BaseRow) => r.updatedMs };

function referencedIds(store: KantataStore, subjectType: string, row: BaseRow): string[] {
  return store.external_references.all().filter((r) => r.subject_type === subjectType && r.subject_id === row.id).map((r) => r.id);
}

function externalReferences<T extends BaseRow>(subjectType: string): Association<T> {
  return { collection: 'external_references', field: 'external_reference_ids', ids: (row, store) => referencedIds(store, subjectType, row) };
}

export type AnyCollectionDef = CollectionDef<BaseRow>;

function def<T extends BaseRow>(d: CollectionDef<T>): AnyCollectionDef {
  return d as unknown as AnyCollectionDef;
}

export function collectionDefs(): Record<string, AnyCollectionDef> {
  const defs: AnyCollectionDef[] = [
    def<UserRow>({
      key: 'users',
      subjectType: 'User',
      table: (s) => s.users,
      view: (u) => userView(u),
      associations: { external_references: externalReferences('User') },
      filters: { by_email_address: (u, v) => u.email_address.toLowerCase() === v.toLowerCase() },
      order: { ...stamps, full_name: (u) => u.full_name },
      defaultOrder: 'id:asc',
      search: (u, t) => contains(u.full_name, t) || contains(u.email_address, t),
    }),
    def<RoleRow>({
      key: 'roles',
      subjectType: 'Role',
      table: (s) => s.roles,
      view: (r) => roleView(r),
      associations: {},
      filters: {},
      order: { ...stamps, name: (r) => r.name },
      defaultOrder: 'id:asc',
      search: (r, t) => contains(r.name, t),
    }),
    def<WorkspaceRow>({
      key: 'workspaces',
      subjectType: 'Workspace',
      table: (s) => s.workspaces,
      view: (w, s) => workspaceView(w, s),
      associations: {
        creator: { collection: 'users', ids: (w) => [w.creator_id] },
        primary_maven: { collection: 'users', ids: (w) => (w.primary_maven_id ? [w.primary_maven_id] : []) },
        primary_counterpart: { collection: 'users', ids: (w) => (w.primary_counterpart_id ? [w.primary_counterpart_id] : []) },
        participants: { collection: 'users', field: 'participant_ids', ids: (w) => [...w.participant_ids] },
        external_references: externalReferences('Workspace'),
      },
      filters: {
        budgeted: (w, v) => w.budgeted === bool(v),
        status_key: (w, v) => list(v).includes(String(w.status_key)),
        participant_id: (w, v) => list(v).some((id) => w.participant_ids.includes(id)),
      },
      order: { ...stamps, title: (w) => w.title.toLowerCase(), start_date: (w) => w.start_date, due_date: (w) => w.due_date },
      defaultOrder: 'id:asc',
      search: (w, t) => w.id === t || contains(w.title, t) || contains(w.description, t),
      hidden: (w, q) => {
        const archived = q.get('archived');
        if (archived === 'only') return !w.archived;
        if (archived === 'include' || q.get('include_archived') === 'true') return false;
        return w.archived;
      },
    }),
    def<StoryRow>({
      key: 'stories',
      subjectType: 'Story',
      table: (s) => s.stories,
      view: (st, s) => storyView(st, s),
      associations: {
        workspace: { collection: 'workspaces', ids: (st) => [st.workspace_id] },
        parent: { collection: 'stories', ids: (st) => (st.parent_id ? [st.parent_id] : []) },
        root: { collection: 'stories', ids: (st, s) => rootIds(st, s) },
        ancestors: { collection: 'stories', field: 'ancestor_ids', ids: (st, s) => ancestorIds(st, s) },
        sub_stories: { collection: 'stories', field: 'sub_story_ids', ids: (st, s) => s.stories.all().filter((c) => c.parent_id === st.id).map((c) => c.id) },
        assignees: { collection: 'users', field: 'assignee_ids', ids: (st) => [...st.assignee_ids] },
        creator: { collection: 'users', ids: (st) => [st.creator_id] },
        external_references: externalReferences('Story'),
      },
      filters: {
        workspace_id: eqId('workspace_id'),
        story_type: (st, v) => list(v).includes(st.story_type),
        parent_id: eqId('parent_id'),
        with_parent_id: eqId('parent_id'),
        parents_only: (st, v) => !bool(v) || st.parent_id === null,
        state: (st, v) => list(v).includes(st.state),
        active_between: (st, v) => dateBetween(v, st.start_date) || dateBetween(v, st.due_date),
        archived: (st, v) => (v === 'only' ? st.archived : v === 'exclude' ? !st.archived : true),
      },
      order: { ...stamps, title: (st) => st.title.toLowerCase(), position: (st) => st.position, start_date: (st) => st.start_date, due_date: (st) => st.due_date },
      defaultOrder: 'position:asc',
      search: (st, t) => contains(st.title, t) || contains(st.description, t),
    }),
    def<TimeEntryRow>({
      key: 'time_entries',
      subjectType: 'TimeEntry',
      table: (s) => s.time_entries,
      view: (t, s) => timeEntryView(t, s),
      associations: {
        workspace: { collection: 'workspaces', ids: (t) => [t.workspace_id] },
        story: { collection: 'stories', ids: (t) => (t.story_id ? [t.story_id] : []) },
        user: { collection: 'users', ids: (t) => [t.user_id] },
        role: { collection: 'roles', ids: (t) => (t.role_id ? [t.role_id] : []) },
        external_references: externalReferences('TimeEntry'),
      },
      filters: {
        workspace_id: eqId('workspace_id'),
        story_id: eqId('story_id'),
        user_id: eqId('user_id'),
        approved: (t, v) => t.approved === bool(v),
        is_invoiced: (t, v) => (t.invoice_id !== null) === bool(v),
        billable: (t, v) => t.billable === bool(v),
        date_performed_between: (t, v) => dateBetween(v, t.date_performed),
      },
      order: { ...stamps, date_performed: (t) => t.date_performed },
      defaultOrder: 'date_performed:asc',
      search: (t, term) => contains(t.notes, term),
    }),
    def<ExpenseRow>({
      key: 'expenses',
      subjectType: 'Expense',
      table: (s) => s.expenses,
      view: (e) => expenseView(e),
      associations: {
        workspace: { collection: 'workspaces', ids: (e) => [e.workspace_id] },
        story: { collection: 'stories', ids: (e) => (e.story_id ? [e.story_id] : []) },
        user: { collection: 'users', ids: (e) => [e.user_id] },
        external_references: externalReferences('Expense'),
      },
      filters: {
        workspace_id: eqId('workspace_id'),
        user_id: eqId('user_id'),
        story_id: eqId('story_id'),
        is_invoiced: (e, v) => (e.invoice_id !== null) === bool(v),
        billable: (e, v) => e.billable === bool(v),
        date_between: (e, v) => dateBetween(v, e.date),
        category: (e, v) => e.category === v,
      },
      order: { ...stamps, date: (e) => e.date, amount_in_cents: (e) => e.amount_in_cents },
      defaultOrder: 'date:asc',
      search: (e, t) => contains(e.notes, t) || contains(e.category, t),
    }),
    def<InvoiceRow>({
      key: 'invoices',
      subjectType: 'Invoice',
      table: (s) => s.invoices,
      view: (inv, s) => invoiceView(inv, s),
      associations: {
        workspaces: { collection: 'workspaces', ids: (inv) => [...inv.workspace_ids] },
        user: { collection: 'users', ids: (inv) => [inv.user_id] },
        recipient: { collection: 'users', ids: (inv) => (inv.recipient_id ? [inv.recipient_id] : []) },
        time_entries: { collection: 'time_entries', field: 'time_entry_ids', ids: (inv) => [...inv.time_entry_ids] },
        expenses: { collection: 'expenses', field: 'expense_ids', ids: (inv) => [...inv.expense_ids] },
        additional_items: { collection: 'additional_items', field: 'additional_item_ids', ids: (inv) => [...inv.additional_item_ids] },
        fixed_fee_items: { collection: 'fixed_fee_items', field: 'fixed_fee_item_ids', ids: (inv) => [...inv.fixed_fee_item_ids] },
        external_references: externalReferences('Invoice'),
      },
      filters: {
        workspace_id: (inv, v) => list(v).some((id) => inv.workspace_ids.includes(id)),
        status: (inv, v) => list(v).includes(inv.status),
        draft: (inv, v) => (inv.status === 'draft') === bool(v),
        paid: (inv, v) => (inv.status === 'paid') === bool(v),
        unpaid: (inv, v) => (inv.status !== 'paid' && inv.status !== 'draft') === bool(v),
      },
      order: { ...stamps, invoice_date: (inv) => inv.invoice_date, due_date: (inv) => inv.due_date },
      defaultOrder: 'id:asc',
      search: (inv, t) => String(inv.user_invoice_number) === t || contains(inv.message, t) || contains(inv.purchase_order, t),
    }),
    def<InvoiceItemRow>({
      key: 'additional_items',
      table: (s) => s.additional_items,
      view: (i) => invoiceItemView(i, false),
      associations: {},
      filters: { invoice_id: eqId('invoice_id'), workspace_id: eqId('workspace_id') },
      order: { ...stamps },
      defaultOrder: 'id:asc',
    }),
    def<InvoiceItemRow>({
      key: 'fixed_fee_items',
      table: (s) => s.fixed_fee_items,
      view: (i) => invoiceItemView(i, true),
      associations: {},
      filters: { invoice_id: eqId('invoice_id'), workspace_id: eqId('workspace_id') },
      order: { ...stamps },
      defaultOrder: 'id:asc',
    }),
    def<ExternalReferenceRow>({
      key: 'external_references',
      table: (s) => s.external_references,
      view: (r) => externalReferenceView(r),
      associations: {
        subject: { collection: '(subject)', ids: (r) => [r.subject_id] },
      },
      filters: {
        subject_type: (r, v) => r.subject_type === v,
        subject_id: eqId('subject_id'),
        service_name: (r, v) => r.service_name === v,
        service_model: (r, v) => r.service_model === v,
        service_model_ref: (r, v) => r.service_model_ref === v,
        service_model_refs: (r, v) => list(v).includes(r.service_model_ref),
        status: (r, v) => r.status === v,
        external_status: (r, v) => r.external_status === v,
        external_message: (r, v) => r.external_message === v,
      },
      order: { ...stamps },
      defaultOrder: 'id:asc',
    }),
    def<WorkspaceResourceRow>({
      key: 'workspace_resources',
      subjectType: 'WorkspaceResource',
      table: (s) => s.workspace_resources,
      view: (r, s) => workspaceResourceView(r, s),
      associations: {
        workspace: { collection: 'workspaces', ids: (r) => [r.workspace_id] },
        role: { collection: 'roles', ids: (r) => (r.role_id ? [r.role_id] : []) },
        user: { collection: 'users', ids: (r) => (r.user_id ? [r.user_id] : []) },
        external_references: externalReferences('WorkspaceResource'),
      },
      filters: { workspace_id: eqId('workspace_id'), role_id: eqId('role_id'), user_id: eqId('user_id'), unnamed: (r, v) => (r.user_id === null) === bool(v) },
      order: { ...stamps },
      defaultOrder: 'id:asc',
    }),
    def<ResourceRequestRow>({
      key: 'resource_requests',
      table: (s) => s.resource_requests,
      view: (r) => resourceRequestView(r),
      associations: {
        resource: { collection: 'workspace_resources', ids: (r) => [r.resource_id] },
        creator: { collection: 'users', ids: (r) => [r.creator_id] },
        approvers: { collection: 'users', ids: (r) => [...r.approver_ids] },
      },
      filters: {
        pending_requests_only: (r, v) => !bool(v) || r.status === 'pending',
        requests_for_approver: (r, v) => r.approver_ids.includes(v),
        status: (r, v) => list(v).includes(r.status),
      },
      order: { ...stamps },
      defaultOrder: 'id:asc',
    }),
  ];
  return Object.fromEntries(defs.map((d) => [d.key, d]));
}

function rootIds(st: StoryRow, store: KantataStore): string[] {
  const a = ancestorIds(st, store);
  return a.length > 0 ? [a[a.length - 1]] : [];
}

/** Subject types external references may point at, with their collections. */
export const SUBJECT_COLLECTIONS: Record<string, string> = {
  User: 'users',
  Role: 'roles',
  Workspace: 'workspaces',
  Story: 'stories',
  TimeEntry: 'time_entries',
  Expense: 'expenses',
  Invoice: 'invoices',
  WorkspaceResource: 'workspace_resources',
};

const TIME_FILTERS: Record<string, (ms: number, bound: number) => boolean> = {
  created_after: (ms, b) => ms > b,
  created_before: (ms, b) => ms < b,
  updated_after: (ms, b) => ms > b,
  updated_before: (ms, b) => ms < b,
};

export interface ReadOptions {
  /** Answer for one record (`GET /x/{id}.json`): 404 when it is missing or hidden. */
  id?: string;
  /** Records just written, in this order (create/update answers): no paging or filtering. */
  rows?: BaseRow[];
}

export class QueryEngine {
  constructor(
    private readonly store: KantataStore,
    readonly defs: Record<string, AnyCollectionDef>,
  ) {}

  read(collection: string, query: URLSearchParams, opts: ReadOptions = {}): Envelope {
    const def = this.defs[collection];
    const includes = this.parseIncludes(def, query.get('include'));
    let rows: BaseRow[];
    let count: number;
    let page = 1;
    let perPage = 20;
    if (opts.rows) {
      rows = opts.rows;
      count = rows.length;
    } else if (opts.id !== undefined) {
      const row = def.table(this.store).get(opts.id);
      if (!row || def.hidden?.(row, query)) throw notFound(`${singular(collection)} ${opts.id}`);
      rows = [row];
      count = 1;
    } else {
      const all = this.filter(def, query);
      count = all.length;
      page = positiveInt(query.get('page'), 1);
      perPage = Math.min(200, positiveInt(query.get('per_page'), 20));
      rows = all.slice((page - 1) * perPage, page * perPage);
    }
    return this.envelope(def, rows, includes, { count, page_count: Math.ceil(count / perPage), page_number: page, page_size: perPage });
  }

  private filter(def: AnyCollectionDef, q: URLSearchParams): BaseRow[] {
    let rows = def.table(this.store).all();
    if (def.hidden) rows = rows.filter((r) => !def.hidden?.(r, q));
    const only = q.get('only');
    if (only !== null) {
      const ids = new Set(list(only));
      rows = rows.filter((r) => ids.has(r.id));
    }
    for (const [name, test] of Object.entries(def.filters)) {
      const v = q.get(name);
      if (v !== null && v !== '') rows = rows.filter((r) => test(r, v, this.store));
    }
    for (const [name, test] of Object.entries(TIME_FILTERS)) {
      const v = q.get(name);
      if (v === null || v === '') continue;
      const bound = Date.parse(v);
      if (Number.isNaN(bound)) throw badRequest(`Invalid ${name} "${v}": expected an ISO 8601 date-time.`);
      const field = name.startsWith('created') ? 'createdMs' : 'updatedMs';
      rows = rows.filter((r) => test(r[field], bound));
    }
    if (def.subjectType) rows = this.byExternalReference(def.subjectType, rows, q);
    const term = q.get('search');
    if (term && def.search) rows = rows.filter((r) => def.search?.(r, term, this.store));
    return this.sort(def, rows, q.get('order') ?? def.defaultOrder);
  }

  /** `external_reference_service_name=…&external_reference_service_model_ref=…`, `has_external_references`. */
  private byExternalReference(subjectType: string, rows: BaseRow[], q: URLSearchParams): BaseRow[] {
    const crit: Array<[string, string[]]> = [];
    for (const f of ['service_name', 'service_model', 'service_model_ref', 'status', 'external_status', 'external_message']) {
      const v = q.get(`external_reference_${f}`);
      if (v !== null && v !== '') crit.push([f, [v]]);
    }
    const refs = q.get('external_reference_service_model_refs');
    if (refs) crit.push(['service_model_ref', list(refs)]);
    const has = q.get('has_external_references');
    if (crit.length === 0 && (has === null || has === '')) return rows;
    const matching = new Set<string>();
    const any = new Set<string>();
    for (const r of this.store.external_references.all()) {
      if (r.subject_type !== subjectType) continue;
      any.add(r.subject_id);
      const rec = r as unknown as Record<string, unknown>;
      if (crit.every(([f, values]) => values.includes(String(rec[f])))) matching.add(r.subject_id);
    }
    let out = rows;
    if (crit.length > 0) out = out.filter((r) => matching.has(r.id));
    if (has !== null && has !== '') out = out.filter((r) => any.has(r.id) === bool(has));
    return out;
  }

  private sort(def: AnyCollectionDef, rows: BaseRow[], order: string): BaseRow[] {
    const [field, dirRaw = 'asc'] = order.split(':');
    const key = def.order[field];
    const dir = dirRaw.toLowerCase();
    if (!key || (dir !== 'asc' && dir !== 'desc')) {
      throw badRequest(`Invalid order "${order}". Valid values: ${Object.keys(def.order).map((f) => `${f}:asc, ${f}:desc`).join(', ')}.`);
    }
    const sign = dir === 'asc' ? 1 : -1;
    return [...rows].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka !== kb) {
        if (ka === null) return 1;
        if (kb === null) return -1;
        return (ka < kb ? -1 : 1) * sign;
      }
      return (Number(a.id) - Number(b.id)) * sign;
    });
  }

  private parseIncludes(def: AnyCollectionDef, raw: string | null): string[] {
    if (raw === null || raw === '') return [];
    const names = list(raw);
    for (const name of names) {
      if (!def.associations[name]) {
        const known = Object.keys(def.associations);
        throw badRequest(`Cannot include "${name}" on ${def.key}.${known.length > 0 ? ` Valid includes: ${known.join(', ')}.` : ''}`);
      }
    }
    return names;
  }

  private envelope(def: AnyCollectionDef, rows: BaseRow[], includes: string[], meta: Envelope['meta']): Envelope {
    const primary: Record<string, WireRecord> = {};
    const env: Envelope = { count: meta.count, meta, results: [] };
    const sideLoads = new Map<string, Map<string, WireRecord>>();
    for (const row of rows) {
      const rec = def.view(row, this.store);
      for (const name of includes) {
        const assoc = def.associations[name];
        const ids = assoc.ids(row, this.store);
        if (assoc.field) rec[assoc.field] = ids;
        for (const id of ids) this.sideLoad(sideLoads, assoc.collection === '(subject)' ? subjectCollection(row) : assoc.collection, id);
      }
      primary[row.id] = rec;
      env.results.push({ key: def.key, id: row.id });
    }
    env[def.key] = primary;
    for (const [collection, recs] of sideLoads) {
      const target = (env[collection] as Record<string, WireRecord> | undefined) ?? {};
      for (const [id, rec] of recs) if (!(id in target)) target[id] = rec;
      env[collection] = target;
    }
    return env;
  }

  private sideLoad(into: Map<string, Map<string, WireRecord>>, collection: string, id: string): void {
    const def = this.defs[collection];
    const row = def?.table(this.store).get(id);
    if (!def || !row) return;
    let recs = into.get(collection);
    if (!recs) into.set(collection, (recs = new Map<string, WireRecord>()));
    if (!recs.has(id)) recs.set(id, def.view(row, this.store));
  }
}

function subjectCollection(row: BaseRow): string {
  const subjectType = (row as unknown as { subject_type?: string }).subject_type ?? '';
  return SUBJECT_COLLECTIONS[subjectType] ?? '';
}

function positiveInt(raw: string | null, fallback: number): number {
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`Invalid page parameter "${raw}": expected a positive integer.`);
  return n;
}

export function singular(collection: string): string {
  const names: Record<string, string> = {
    stories: 'Story',
    time_entries: 'TimeEntry',
    users: 'User',
    roles: 'Role',
    workspaces: 'Workspace',
    expenses: 'Expense',
    invoices: 'Invoice',
    external_references: 'ExternalReference',
    workspace_resources: 'WorkspaceResource',
    resource_requests: 'ResourceRequest',
    additional_items: 'AdditionalItem',
    fixed_fee_items: 'FixedFeeItem',
  };
  return names[collection] ?? collection;
}
