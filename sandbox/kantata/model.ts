// Writes: creating (one or in bulk), updating and deleting records with Kantata's validations, external
// references (create_or_update, also inline on create/update), and the create counts the core keeps.
import type { Clock } from '../core/clock.js';
import { Input, isObject, type Params } from './params.js';
import { QueryEngine, SUBJECT_COLLECTIONS, collectionDefs } from './query.js';
import {
  KantataStore,
  REFERENCE_STATUSES,
  RESOURCE_REQUEST_STATUSES,
  STORY_STATES,
  STORY_TYPES,
  type BaseRow,
  type ExpenseRow,
  type ExternalReferenceRow,
  type ResourceRequestRow,
  type StoryRow,
  type Table,
  type TimeEntryRow,
  type WorkspaceResourceRow,
  type WorkspaceRow,
} from './store.js';
import { EXPENSE_CATEGORIES, WORKSPACE_STATUSES } from './views.js';
import { badRequest, invalid, notFound, type KantataErrorItem } from './wire.js';

/** Where create counts go (the SandboxServer). */
export interface CreateCounter {
  countCreate(type: string, externalKey: string | undefined): void;
  rekeyCreate(type: string, from: string, to: string): void;
}

/** The service name whose references carry Syncwright's business keys. */
export const SYNCWRIGHT_SERVICE = 'syncwright';
export const BULK_LIMIT = 300;

type Fields<T extends BaseRow> = Omit<T, 'id' | 'createdMs' | 'updatedMs'>;

interface ReferenceInput {
  service_name: string;
  service_model: string;
  service_model_ref: string;
  status?: ExternalReferenceRow['status'];
  external_link?: string | null;
  external_message?: string | null;
  external_status?: string | null;
  locked?: boolean;
}

interface Writer<T extends BaseRow> {
  singular: string;
  plural: string;
  /** Count type for create counts (`workspace`, `story`…). */
  countType: string;
  subjectType?: string;
  table(store: KantataStore): Table<T>;
  create(input: Input, principal: string): Fields<T> | undefined;
  update?(row: T, input: Input): Partial<Fields<T>> | undefined;
  /** Why a record may not be changed or deleted (approved or invoiced time), if it may not. */
  locked?(row: T): string | undefined;
  /** Why a record may not be deleted though it may be changed (a story with time logged), if it may not. */
  undeletable?(row: T): string | undefined;
  /** Removes what hangs off a deleted record. */
  cascade?(row: T): void;
}

const PRIORITIES = ['low', 'normal', 'high', 'critical'] as const;
const CURRENCY_RE = /^[A-Z]{3}$/;

export class KantataModel {
  readonly store = new KantataStore();
  readonly query: QueryEngine;
  /** `type:id` → the key its create is counted under (`#id` until a syncwright reference names it). */
  private readonly countedAs = new Map<string, string>();
  private readonly writers: Record<string, Writer<BaseRow>>;

  constructor(
    private readonly clock: Clock,
    private readonly counter: CreateCounter,
  ) {
    this.query = new QueryEngine(this.store, collectionDefs());
    this.writers = {
      workspaces: this.workspaceWriter(),
      stories: this.storyWriter(),
      time_entries: this.timeEntryWriter(),
      expenses: this.expenseWriter(),
      workspace_resources: this.workspaceResourceWriter(),
      resource_requests: this.resourceRequestWriter(),
    };
  }

  now(): number {
    return this.clock.now();
  }

  clear(): void {
    this.store.clear();
    this.countedAs.clear();
  }

  // ---- generic create / update / delete ----

  /** `{"story":{…}}` or `{"stories":[…]}` (at most 300, all or nothing). */
  create(collection: string, body: Params, principal: string): BaseRow[] {
    const w = this.writer(collection);
    const single = body[w.singular];
    const many = body[w.plural];
    let items: unknown[];
    let bulk = false;
    if (Array.isArray(many)) {
      items = many;
      bulk = true;
    } else if (isObject(single)) items = [single];
    else if (isObject(many)) items = Object.values(many); // Rails form bodies may send `stories[0][title]`
    else throw badRequest(`param is missing or the value is empty: ${w.singular}`);
    if (items.length === 0) throw badRequest(`param is missing or the value is empty: ${w.plural}`);
    if (items.length > BULK_LIMIT) throw invalid([{ type: 'validation', message: `Bulk create is limited to ${BULK_LIMIT} objects; got ${items.length}` }]);

    const errors: KantataErrorItem[] = [];
    const prepared: Array<{ fields: Fields<BaseRow>; refs: ReferenceInput[] }> = [];
    items.forEach((raw, i) => {
      const input = new Input(isObject(raw) ? raw : {}, bulk ? i : undefined);
      if (!isObject(raw)) input.fail(w.singular, `Each ${w.singular} must be an object`);
      const fields = isObject(raw) ? w.create(input, principal) : undefined;
      const refs = this.inlineReferences(input, w);
      errors.push(...input.errors);
      if (fields && input.errors.length === 0) prepared.push({ fields, refs });
    });
    if (errors.length > 0) throw invalid(errors);

    const now = this.now();
    return prepared.map(({ fields, refs }) => {
      const table = w.table(this.store);
      const row = table.put({ ...fields, id: table.nextId(), createdMs: now, updatedMs: now });
      const key = refs.find((r) => r.service_name.toLowerCase() === SYNCWRIGHT_SERVICE)?.service_model_ref ?? `#${row.id}`;
      this.counter.countCreate(w.countType, key);
      this.countedAs.set(`${w.countType}:${row.id}`, key);
      if (w.subjectType) for (const ref of refs) this.writeReference(w.subjectType, row.id, ref);
      return row;
    });
  }

  update(collection: string, id: string, body: Params): BaseRow {
    const w = this.writer(collection);
    const row = w.table(this.store).get(id);
    if (!row) throw notFound(`${w.subjectType ?? w.singular} ${id}`);
    const raw = body[w.singular];
    if (!isObject(raw)) throw badRequest(`param is missing or the value is empty: ${w.singular}`);
    const lock = w.locked?.(row);
    if (lock) throw invalid([{ type: 'validation', message: lock }]);
    const input = new Input(raw);
    const changes = w.update?.(row, input);
    const refs = this.inlineReferences(input, w);
    if (input.errors.length > 0 || !changes) throw invalid(input.errors);
    Object.assign(row, changes, { updatedMs: this.now() });
    if (w.subjectType) for (const ref of refs) this.writeReference(w.subjectType, row.id, ref);
    return row;
  }

  remove(collection: string, id: string): void {
    const w = this.writer(collection);
    const table = w.table(this.store);
    const row = table.get(id);
    if (!row) throw notFound(`${w.subjectType ?? w.singular} ${id}`);
    const lock = w.locked?.(row) ?? w.undeletable?.(row);
    if (lock) throw invalid([{ type: 'validation', message: lock }]);
    w.cascade?.(row);
    table.delete(id);
    if (w.subjectType) this.dropReferences(w.subjectType, id);
  }

  private writer(collection: string): Writer<BaseRow> {
    const w = this.writers[collection];
    if (!w) throw notFound(collection);
    return w;
  }

  // ---- external references ----

  /** `POST /external_references/create_or_update.json`: one reference per (subject_type, service_name, service_model, service_model_ref). */
  createOrUpdateReference(body: Params): ExternalReferenceRow {
    const raw = body['external_reference'];
    if (!isObject(raw)) throw badRequest('param is missing or the value is empty: external_reference');
    const input = new Input(raw);
    const subjectType = input.oneOf('subject_type', Object.keys(SUBJECT_COLLECTIONS), { required: true });
    const subjectId = input.id('subject_id', { required: true });
    const ref = this.referenceFields(input, '');
    if (subjectType && subjectId && !this.subjectExists(subjectType, subjectId)) input.fail('subject_id', `${subjectType} ${subjectId} does not exist`);
    if (input.errors.length > 0 || !subjectType || !subjectId || !ref) throw invalid(input.errors);
    return this.writeReference(subjectType, subjectId, ref);
  }

  private subjectExists(subjectType: string, id: string): boolean {
    const collection = SUBJECT_COLLECTIONS[subjectType];
    return collection !== undefined && this.query.defs[collection].table(this.store).has(id);
  }

  private referenceFields(input: Input, prefix: string): ReferenceInput | undefined {
    const before = input.errors.length;
    const field = (n: string) => `${prefix}${n}`;
    const read = (n: string, label: string) => {
      const v = input.string(n, { required: true, max: 255, label });
      if (prefix && input.errors.length > before) {
        const last = input.errors[input.errors.length - 1];
        if (last.field === n) last.field = field(n);
      }
      return v;
    };
    const service_name = read('service_name', 'Service name');
    const service_model = read('service_model', 'Service model');
    const service_model_ref = read('service_model_ref', 'Service model ref');
    const status = input.oneOf('status', REFERENCE_STATUSES);
    const external_link = input.text('external_link', { max: 2048 });
    const external_message = input.text('external_message', { max: 2048 });
    const external_status = input.text('external_status', { max: 255 });
    const locked = input.bool('locked');
    if (input.errors.length > before || !service_name || !service_model || !service_model_ref) return undefined;
    return { service_name, service_model, service_model_ref, status, external_link, external_message, external_status, locked };
  }

  /** `external_reference` given with a create or update: one object or a list of them. */
  private inlineReferences(input: Input, w: Writer<BaseRow>): ReferenceInput[] {
    const raw = input.raw['external_reference'] ?? input.raw['external_references'];
    if (raw === undefined || raw === null) return [];
    if (!w.subjectType) {
      input.fail('external_reference', `${w.singular} does not take external references`);
      return [];
    }
    const items = Array.isArray(raw) ? raw : [raw];
    const out: ReferenceInput[] = [];
    for (const item of items) {
      if (!isObject(item)) {
        input.fail('external_reference', 'External reference must be an object');
        continue;
      }
      const sub = new Input(item);
      const ref = this.referenceFields(sub, 'external_reference.');
      for (const e of sub.errors) input.errors.push(e);
      if (ref) out.push(ref);
    }
    return out;
  }

  private writeReference(subjectType: string, subjectId: string, ref: ReferenceInput): ExternalReferenceRow {
    const now = this.now();
    const table = this.store.external_references;
    let row = table
      .all()
      .find((r) => r.subject_type === subjectType && r.service_name === ref.service_name && r.service_model === ref.service_model && r.service_model_ref === ref.service_model_ref);
    if (row) {
      row.subject_id = subjectId;
      if (ref.status !== undefined) row.status = ref.status;
      if (ref.external_link !== undefined) row.external_link = ref.external_link;
      if (ref.external_message !== undefined) row.external_message = ref.external_message;
      if (ref.external_status !== undefined) row.external_status = ref.external_status;
      if (ref.locked !== undefined) row.locked = ref.locked;
      row.updatedMs = now;
      row.lastSyncedMs = now;
    } else {
      row = table.put({
        id: table.nextId(),
        subject_type: subjectType,
        subject_id: subjectId,
        service_name: ref.service_name,
        service_model: ref.service_model,
        service_model_ref: ref.service_model_ref,
        status: ref.status ?? 'pending',
        external_link: ref.external_link ?? null,
        external_message: ref.external_message ?? null,
        external_status: ref.external_status ?? null,
        locked: ref.locked ?? false,
        createdMs: now,
        updatedMs: now,
        lastSyncedMs: now,
      });
      this.counter.countCreate('external_reference', `${subjectType}/${ref.service_name}/${ref.service_model}/${ref.service_model_ref}`);
    }
    if (ref.service_name.toLowerCase() === SYNCWRIGHT_SERVICE) this.nameCreate(subjectType, subjectId, ref.service_model_ref);
    return row;
  }

  /** The first syncwright reference of a record created without one re-keys its create count to the business key. */
  private nameCreate(subjectType: string, subjectId: string, businessKey: string): void {
    const w = Object.values(this.writers).find((x) => x.subjectType === subjectType);
    if (!w) return;
    const slot = `${w.countType}:${subjectId}`;
    const current = this.countedAs.get(slot);
    if (current !== `#${subjectId}`) return;
    this.counter.rekeyCreate(w.countType, current, businessKey);
    this.countedAs.set(slot, businessKey);
  }

  private dropReferences(subjectType: string, subjectId: string): void {
    for (const r of this.store.external_references.all()) if (r.subject_type === subjectType && r.subject_id === subjectId) this.store.external_references.delete(r.id);
  }

  // ---- per-collection rules ----

  private workspaceWriter(): Writer<WorkspaceRow> {
    const common = (input: Input, current?: WorkspaceRow) => {
      const title = input.string('title', { required: current === undefined, max: 255 });
      if (current && input.has('title') && title === undefined && !input.errors.some((e) => e.field === 'title')) input.fail('title', "Title can't be blank");
      const description = input.text('description', { max: 100_000 });
      const start_date = input.date('start_date');
      const due_date = input.date('due_date');
      const start = start_date === undefined ? current?.start_date : start_date;
      const due = due_date === undefined ? current?.due_date : due_date;
      if (start && due && due < start) input.fail('due_date', 'Due date must be on or after the start date');
      const budgeted = input.bool('budgeted');
      const currencyRaw = input.string('currency', { max: 3 });
      if (currencyRaw !== undefined && !CURRENCY_RE.test(currencyRaw)) input.fail('currency', 'Currency must be an ISO 4217 code such as USD');
      const currency = currencyRaw ?? current?.currency ?? 'USD';
      const unit = currency === 'JPY' ? 1 : 100;
      const price = input.has('price_in_cents') ? input.int('price_in_cents', { min: 0 }) : input.money('price', unit);
      const status_key = input.int('status_key');
      if (status_key !== undefined && !(status_key in WORKSPACE_STATUSES)) input.fail('status_key', `Status key must be one of: ${Object.keys(WORKSPACE_STATUSES).join(', ')}`);
      const require_time_approvals = input.bool('require_time_approvals');
      const require_expense_approvals = input.bool('require_expense_approvals');
      return { title, description, start_date, due_date, budgeted, currency: currencyRaw, price, status_key, require_time_approvals, require_expense_approvals };
    };
    return {
      singular: 'workspace',
      plural: 'workspaces',
      countType: 'workspace',
      subjectType: 'Workspace',
      table: (s) => s.workspaces,
      create: (input, principal) => {
        const f = common(input);
        const creator_role = input.oneOf('creator_role', ['maven', 'buyer'] as const, { required: true });
        if (input.errors.length > 0 || f.title === undefined || !creator_role) return undefined;
        return {
          title: f.title,
          description: f.description ?? null,
          start_date: f.start_date ?? null,
          due_date: f.due_date ?? null,
          budgeted: f.budgeted ?? false,
          price_in_cents: f.price ?? null,
          currency: f.currency ?? 'USD',
          archived: false,
          status_key: f.status_key ?? 100,
          creator_id: principal,
          primary_maven_id: creator_role === 'maven' ? principal : null,
          primary_counterpart_id: creator_role === 'buyer' ? principal : null,
          participant_ids: [principal],
          require_time_approvals: f.require_time_approvals ?? false,
          require_expense_approvals: f.require_expense_approvals ?? false,
        };
      },
      update: (row, input) => {
        const f = common(input, row);
        const archived = input.bool('archived');
        if (input.errors.length > 0) return undefined;
        return stripUndefined({
          title: f.title,
          description: f.description,
          start_date: f.start_date,
          due_date: f.due_date,
          budgeted: f.budgeted,
          price_in_cents: f.price,
          currency: f.currency,
          status_key: f.status_key,
          archived,
          require_time_approvals: f.require_time_approvals,
          require_expense_approvals: f.require_expense_approvals,
        });
      },
    };
  }

  private storyWriter(): Writer<StoryRow> {
    const store = this.store;
    const common = (input: Input, workspaceId: string | undefined, current?: StoryRow) => {
      const title = input.string('title', { required: current === undefined, max: 255 });
      if (current && input.has('title') && title === undefined && !input.errors.some((e) => e.field === 'title')) input.fail('title', "Title can't be blank");
      const description = input.text('description', { max: 10_000 });
      const story_type = input.oneOf('story_type', STORY_TYPES);
      const state = input.oneOf('state', STORY_STATES);
      const parent_id = input.id('parent_id');
      if (parent_id) {
        const parent = store.stories.get(parent_id);
        if (!parent) input.fail('parent_id', `Parent story ${parent_id} does not exist`);
        else if (workspaceId !== undefined && parent.workspace_id !== workspaceId) input.fail('parent_id', 'Parent story must belong to the same workspace');
        else if (current && (parent_id === current.id || ancestorsOf(parent, store).includes(current.id))) input.fail('parent_id', 'A story cannot be nested under itself or its sub-stories');
      }
      const start_date = input.date('start_date');
      const due_date = input.date('due_date');
      const start = start_date === undefined ? current?.start_date : start_date;
      const due = due_date === undefined ? current?.due_date : due_date;
      if (start && due && due < start) input.fail('due_date', 'Due date must be on or after the start date');
      const billable = input.bool('billable');
      const fixed_fee = input.bool('fixed_fee');
      const budget_estimate_in_cents = input.int('budget_estimate_in_cents', { min: 0 });
      const time_estimate_in_minutes = input.int('time_estimate_in_minutes', { min: 0 });
      const weight = input.int('weight', { min: 0 });
      const type = story_type ?? current?.story_type ?? 'task';
      const parent = parent_id === undefined ? current?.parent_id : parent_id;
      if (weight !== undefined && (type !== 'milestone' || parent)) input.fail('weight', 'Weight can only be set on a top-level milestone');
      const percentage_complete = input.int('percentage_complete', { min: 0, max: 100 });
      const priority = input.oneOf('priority', PRIORITIES);
      const assignee_ids = input.idList('assignee_ids');
      for (const id of assignee_ids ?? []) if (!store.users.has(id)) input.fail('assignee_ids', `User ${id} does not exist`);
      const archived = input.bool('archived');
      return { title, description, story_type, state, parent_id, start_date, due_date, billable, fixed_fee, budget_estimate_in_cents, time_estimate_in_minutes, weight, percentage_complete, priority, assignee_ids, archived };
    };
    return {
      singular: 'story',
      plural: 'stories',
      countType: 'story',
      subjectType: 'Story',
      table: (s) => s.stories,
      create: (input, principal) => {
        const workspace_id = input.id('workspace_id', { required: true, label: 'Workspace' });
        const ws = workspace_id ? store.workspaces.get(workspace_id) : undefined;
        if (workspace_id && !ws) input.fail('workspace_id', `Workspace ${workspace_id} does not exist`);
        const f = common(input, workspace_id ?? undefined);
        if (input.errors.length > 0 || !ws || f.title === undefined) return undefined;
        const position = 1 + Math.max(0, ...store.stories.all().filter((s) => s.workspace_id === ws.id).map((s) => s.position));
        const state = f.state ?? 'not started';
        return {
          workspace_id: ws.id,
          parent_id: f.parent_id ?? null,
          title: f.title,
          description: f.description ?? null,
          story_type: f.story_type ?? 'task',
          state,
          billable: f.billable ?? true,
          fixed_fee: f.fixed_fee ?? false,
          start_date: f.start_date ?? null,
          due_date: f.due_date ?? null,
          budget_estimate_in_cents: f.budget_estimate_in_cents ?? null,
          time_estimate_in_minutes: f.time_estimate_in_minutes ?? null,
          weight: f.weight ?? null,
          position,
          percentage_complete: f.percentage_complete ?? (state === 'completed' ? 100 : 0),
          archived: f.archived ?? false,
          priority: f.priority ?? 'normal',
          creator_id: principal,
          assignee_ids: f.assignee_ids ?? [],
        };
      },
      update: (row, input) => {
        const f = common(input, row.workspace_id, row);
        if (input.errors.length > 0) return undefined;
        return stripUndefined({ ...f, percentage_complete: f.percentage_complete ?? (f.state === 'completed' ? 100 : undefined) });
      },
      undeletable: (row) => {
        const tree = [row.id, ...descendantsOf(row.id, store)];
        return store.time_entries.all().some((t) => t.story_id !== null && tree.includes(t.story_id)) ? `Story ${row.id} has time logged against it and cannot be deleted` : undefined;
      },
      cascade: (row) => {
        for (const id of descendantsOf(row.id, store)) {
          store.stories.delete(id);
          this.dropReferences('Story', id);
        }
      },
    };
  }

  private timeEntryWriter(): Writer<TimeEntryRow> {
    const store = this.store;
    const common = (input: Input, workspaceId: string | undefined, current?: TimeEntryRow) => {
      const date_performed = input.date('date_performed', { required: current === undefined || input.raw['date_performed'] === null }) ?? undefined;
      const time_in_minutes = input.int('time_in_minutes', { required: current === undefined, min: 0 });
      const billable = input.bool('billable');
      const notes = input.text('notes', { max: 10_000 });
      const rate_in_cents = input.int('rate_in_cents', { min: 0 });
      const cost_rate_in_cents = input.int('cost_rate_in_cents', { min: 0 });
      const story_id = input.id('story_id', { label: 'Story' });
      if (story_id) {
        const story = store.stories.get(story_id);
        if (!story) input.fail('story_id', `Story ${story_id} does not exist`);
        else if (workspaceId !== undefined && story.workspace_id !== workspaceId) input.fail('story_id', 'Story must belong to the time entry’s workspace');
      }
      const user_id = input.id('user_id', { label: 'User' }) ?? undefined;
      if (user_id && !store.users.has(user_id)) input.fail('user_id', `User ${user_id} does not exist`);
      const role_id = input.id('role_id', { label: 'Role' });
      if (role_id && !store.roles.has(role_id)) input.fail('role_id', `Role ${role_id} does not exist`);
      return { date_performed, time_in_minutes, billable, notes, rate_in_cents, cost_rate_in_cents, story_id, user_id, role_id };
    };
    return {
      singular: 'time_entry',
      plural: 'time_entries',
      countType: 'time_entry',
      subjectType: 'TimeEntry',
      table: (s) => s.time_entries,
      create: (input, principal) => {
        const workspace_id = input.id('workspace_id', { required: true, label: 'Workspace' });
        const ws = workspace_id ? store.workspaces.get(workspace_id) : undefined;
        if (workspace_id && !ws) input.fail('workspace_id', `Workspace ${workspace_id} does not exist`);
        const f = common(input, workspace_id ?? undefined);
        if (input.errors.length > 0 || !ws || !f.date_performed || f.time_in_minutes === undefined) return undefined;
        const story = f.story_id ? store.stories.get(f.story_id) : undefined;
        return {
          workspace_id: ws.id,
          story_id: f.story_id ?? null,
          user_id: f.user_id ?? principal,
          date_performed: f.date_performed,
          time_in_minutes: f.time_in_minutes,
          billable: f.billable ?? story?.billable ?? true,
          notes: f.notes ?? null,
          rate_in_cents: f.rate_in_cents ?? 0,
          cost_rate_in_cents: f.cost_rate_in_cents ?? null,
          approved: false,
          invoice_id: null,
          role_id: f.role_id ?? null,
        };
      },
      update: (row, input) => {
        const f = common(input, row.workspace_id, row);
        if (input.errors.length > 0) return undefined;
        return stripUndefined(f);
      },
      locked: (row) =>
        row.invoice_id !== null
          ? `Time entry ${row.id} has been invoiced and cannot be changed`
          : row.approved
            ? `Time entry ${row.id} has been approved and cannot be changed`
            : undefined,
    };
  }

  private expenseWriter(): Writer<ExpenseRow> {
    const store = this.store;
    const common = (input: Input, workspaceId: string | undefined, current?: ExpenseRow) => {
      const date = input.date('date', { required: current === undefined || input.raw['date'] === null }) ?? undefined;
      // `expense_category_id` names one of the account's categories and stands for `category` when that is absent.
      const categoryId = input.id('expense_category_id', { label: 'Expense category' });
      const categoryName = categoryId ? EXPENSE_CATEGORIES[categoryId] : undefined;
      if (categoryId && categoryName === undefined) input.fail('expense_category_id', `Expense category ${categoryId} does not exist`);
      const named = input.string('category', { required: current === undefined && categoryName === undefined, max: 255 });
      if (named !== undefined && categoryName !== undefined && named !== categoryName) input.fail('expense_category_id', `Expense category ${categoryId ?? ''} is ${categoryName}, not ${named}`);
      const category = named ?? categoryName;
      const amount_in_cents = input.int('amount_in_cents', { required: current === undefined, min: 0, label: 'Amount' });
      const currency = input.string('currency', { max: 3 });
      if (currency !== undefined && !CURRENCY_RE.test(currency)) input.fail('currency', 'Currency must be an ISO 4217 code such as USD');
      const billable = input.bool('billable');
      const reimbursable = input.bool('reimbursable');
      const notes = input.text('notes', { max: 10_000 });
      const story_id = input.id('story_id', { label: 'Story' });
      if (story_id) {
        const story = store.stories.get(story_id);
        if (!story) input.fail('story_id', `Story ${story_id} does not exist`);
        else if (workspaceId !== undefined && story.workspace_id !== workspaceId) input.fail('story_id', 'Story must belong to the expense’s workspace');
      }
      const user_id = input.id('user_id', { label: 'User' }) ?? undefined;
      if (user_id && !store.users.has(user_id)) input.fail('user_id', `User ${user_id} does not exist`);
      return { date, category, amount_in_cents, currency, billable, reimbursable, notes, story_id, user_id };
    };
    return {
      singular: 'expense',
      plural: 'expenses',
      countType: 'expense',
      subjectType: 'Expense',
      table: (s) => s.expenses,
      create: (input, principal) => {
        const workspace_id = input.id('workspace_id', { required: true, label: 'Workspace' });
        const ws = workspace_id ? store.workspaces.get(workspace_id) : undefined;
        if (workspace_id && !ws) input.fail('workspace_id', `Workspace ${workspace_id} does not exist`);
        const f = common(input, workspace_id ?? undefined);
        if (input.errors.length > 0 || !ws || !f.date || f.category === undefined || f.amount_in_cents === undefined) return undefined;
        return {
          workspace_id: ws.id,
          story_id: f.story_id ?? null,
          user_id: f.user_id ?? principal,
          date: f.date,
          category: f.category,
          amount_in_cents: f.amount_in_cents,
          currency: f.currency ?? ws.currency,
          billable: f.billable ?? true,
          reimbursable: f.reimbursable ?? false,
          notes: f.notes ?? null,
          invoice_id: null,
        };
      },
      update: (row, input) => {
        const f = common(input, row.workspace_id, row);
        if (input.errors.length > 0) return undefined;
        return stripUndefined(f);
      },
      locked: (row) => (row.invoice_id !== null ? `Expense ${row.id} has been invoiced and cannot be changed` : undefined),
    };
  }

  private workspaceResourceWriter(): Writer<WorkspaceResourceRow> {
    const store = this.store;
    return {
      singular: 'workspace_resource',
      plural: 'workspace_resources',
      countType: 'workspace_resource',
      subjectType: 'WorkspaceResource',
      table: (s) => s.workspace_resources,
      create: (input) => {
        const workspace_id = input.id('workspace_id', { required: true, label: 'Workspace' });
        if (workspace_id && !store.workspaces.has(workspace_id)) input.fail('workspace_id', `Workspace ${workspace_id} does not exist`);
        const role_id = input.id('role_id', { label: 'Role' });
        if (role_id && !store.roles.has(role_id)) input.fail('role_id', `Role ${role_id} does not exist`);
        const user_id = input.id('user_id', { label: 'User' });
        if (user_id && !store.users.has(user_id)) input.fail('user_id', `User ${user_id} does not exist`);
        if (!role_id && !user_id && input.errors.length === 0) input.fail('role_id', "Role can't be blank for an unnamed resource");
        if (input.errors.length > 0 || !workspace_id) return undefined;
        return { workspace_id, role_id: role_id ?? null, user_id: user_id ?? null };
      },
      update: (_row, input) => {
        const role_id = input.id('role_id', { label: 'Role' });
        if (role_id && !store.roles.has(role_id)) input.fail('role_id', `Role ${role_id} does not exist`);
        const user_id = input.id('user_id', { label: 'User' });
        if (user_id && !store.users.has(user_id)) input.fail('user_id', `User ${user_id} does not exist`);
        if (input.errors.length > 0) return undefined;
        return stripUndefined({ role_id, user_id });
      },
      cascade: (row) => {
        for (const r of store.resource_requests.all()) if (r.resource_id === row.id) store.resource_requests.delete(r.id);
      },
    };
  }

  private resourceRequestWriter(): Writer<ResourceRequestRow> {
    const store = this.store;
    const dates = (input: Input) => {
      const start_date = input.date('workspace_allocation_start_date', { label: 'Allocation start date' });
      const end_date = input.date('workspace_allocation_end_date', { label: 'Allocation end date' });
      if (start_date && end_date && end_date < start_date) input.fail('workspace_allocation_end_date', 'Allocation end date must be on or after its start date');
      const allocation_percentage = input.int('workspace_allocation_percentage', { min: 1, max: 100, label: 'Allocation percentage' });
      return { start_date, end_date, allocation_percentage };
    };
    return {
      singular: 'resource_request',
      plural: 'resource_requests',
      countType: 'resource_request',
      table: (s) => s.resource_requests,
      create: (input, principal) => {
        const approver_ids = input.idList('approver_ids', { required: true, label: 'Approvers' });
        for (const id of approver_ids ?? []) if (!store.users.has(id)) input.fail('approver_ids', `User ${id} does not exist`);
        const resource_id = input.id('resource_id', { label: 'Resource' });
        const workspaceId = input.id('resource_workspace_id', { label: 'Resource workspace' });
        const roleId = input.id('resource_role_id', { label: 'Resource role' });
        if (resource_id) {
          if (!store.workspace_resources.has(resource_id)) input.fail('resource_id', `Workspace resource ${resource_id} does not exist`);
        } else if (workspaceId || roleId) {
          if (!workspaceId) input.fail('resource_workspace_id', "Resource workspace can't be blank when resource_role_id is given");
          else if (!store.workspaces.has(workspaceId)) input.fail('resource_workspace_id', `Workspace ${workspaceId} does not exist`);
          if (!roleId) input.fail('resource_role_id', "Resource role can't be blank when resource_workspace_id is given");
          else if (!store.roles.has(roleId)) input.fail('resource_role_id', `Role ${roleId} does not exist`);
        } else input.fail('resource_id', "Resource can't be blank: give resource_id, or resource_workspace_id and resource_role_id");
        const d = dates(input);
        if (input.errors.length > 0 || !approver_ids) return undefined;
        let resource = resource_id ?? undefined;
        if (!resource && workspaceId && roleId) {
          // Kantata creates the (unnamed) resource along with the request.
          const now = this.now();
          const table = store.workspace_resources;
          const created = table.put({ id: table.nextId(), workspace_id: workspaceId, role_id: roleId, user_id: null, createdMs: now, updatedMs: now });
          this.counter.countCreate('workspace_resource', `#${created.id}`);
          this.countedAs.set(`workspace_resource:${created.id}`, `#${created.id}`);
          resource = created.id;
        }
        return { resource_id: resource ?? '', approver_ids, creator_id: principal, status: 'pending', start_date: d.start_date ?? null, end_date: d.end_date ?? null, allocation_percentage: d.allocation_percentage ?? null };
      },
      update: (_row, input) => {
        const status = input.oneOf('status', RESOURCE_REQUEST_STATUSES);
        const approver_ids = input.idList('approver_ids', { label: 'Approvers' });
        for (const id of approver_ids ?? []) if (!store.users.has(id)) input.fail('approver_ids', `User ${id} does not exist`);
        if (input.errors.length > 0) return undefined;
        return stripUndefined({ status, approver_ids });
      },
    };
  }
}

function ancestorsOf(story: StoryRow, store: KantataStore): string[] {
  const out: string[] = [];
  let cur: StoryRow | undefined = story;
  while (cur?.parent_id && out.length < 100) {
    out.push(cur.parent_id);
    cur = store.stories.get(cur.parent_id);
  }
  return out;
}

function descendantsOf(id: string, store: KantataStore): string[] {
  const out: string[] = [];
  const queue = [id];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const s of store.stories.all()) {
      if (s.parent_id === parent && !out.includes(s.id)) {
        out.push(s.id);
        queue.push(s.id);
      }
    }
  }
  return out;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<{ [K in keyof T]: Exclude<T[K], undefined> }>;
}

