// What the Kantata sandbox holds: one table per collection, numeric-string ids from a sequence per table,
// and creation/update times kept in milliseconds (shown on the wire with whole seconds).

export interface BaseRow {
  id: string;
  createdMs: number;
  updatedMs: number;
}

export interface UserRow extends BaseRow {
  full_name: string;
  email_address: string;
  headline: string;
  disabled: boolean;
}

export interface RoleRow extends BaseRow {
  name: string;
}

export interface WorkspaceRow extends BaseRow {
  title: string;
  description: string | null;
  start_date: string | null;
  due_date: string | null;
  budgeted: boolean;
  price_in_cents: number | null;
  currency: string;
  archived: boolean;
  status_key: number;
  creator_id: string;
  primary_maven_id: string | null;
  primary_counterpart_id: string | null;
  participant_ids: string[];
  require_time_approvals: boolean;
  require_expense_approvals: boolean;
}

export const STORY_TYPES = ['task', 'deliverable', 'milestone', 'issue'] as const;
export const STORY_STATES = ['not started', 'started', 'needs feedback', 'completed'] as const;

export interface StoryRow extends BaseRow {
  workspace_id: string;
  parent_id: string | null;
  title: string;
  description: string | null;
  story_type: (typeof STORY_TYPES)[number];
  state: (typeof STORY_STATES)[number];
  billable: boolean;
  fixed_fee: boolean;
  start_date: string | null;
  due_date: string | null;
  budget_estimate_in_cents: number | null;
  time_estimate_in_minutes: number | null;
  weight: number | null;
  position: number;
  percentage_complete: number;
  archived: boolean;
  priority: string;
  creator_id: string;
  assignee_ids: string[];
}

export interface TimeEntryRow extends BaseRow {
  workspace_id: string;
  story_id: string | null;
  user_id: string;
  date_performed: string;
  time_in_minutes: number;
  billable: boolean;
  notes: string | null;
  rate_in_cents: number;
  cost_rate_in_cents: number | null;
  approved: boolean;
  invoice_id: string | null;
  role_id: string | null;
}

export interface ExpenseRow extends BaseRow {
  workspace_id: string;
  story_id: string | null;
  user_id: string;
  date: string;
  category: string;
  amount_in_cents: number;
  currency: string;
  billable: boolean;
  reimbursable: boolean;
  notes: string | null;
  invoice_id: string | null;
}

export const INVOICE_STATUSES = ['draft', 'new', 'partial', 'paid'] as const;

export interface InvoiceRow extends BaseRow {
  workspace_ids: string[];
  user_id: string;
  recipient_id: string | null;
  invoice_date: string;
  due_date: string;
  payment_schedule: number;
  status: (typeof INVOICE_STATUSES)[number];
  message: string | null;
  user_invoice_number: number;
  user_invoice_title: string | null;
  currency: string;
  tax_rate: number;
  purchase_order: string | null;
  project_code: string | null;
  paid_in_cents: number;
  time_entry_ids: string[];
  expense_ids: string[];
  additional_item_ids: string[];
  fixed_fee_item_ids: string[];
}

export interface InvoiceItemRow extends BaseRow {
  invoice_id: string;
  workspace_id: string;
  story_id: string | null;
  notes: string;
  amount_in_cents: number;
  taxable: boolean;
  currency: string;
}

export const REFERENCE_STATUSES = ['pending', 'successful', 'failed'] as const;

export interface ExternalReferenceRow extends BaseRow {
  subject_type: string;
  subject_id: string;
  service_name: string;
  service_model: string;
  service_model_ref: string;
  status: (typeof REFERENCE_STATUSES)[number];
  external_link: string | null;
  external_message: string | null;
  external_status: string | null;
  locked: boolean;
  lastSyncedMs: number;
}

export interface WorkspaceResourceRow extends BaseRow {
  workspace_id: string;
  role_id: string | null;
  user_id: string | null;
}

export const RESOURCE_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'canceled'] as const;

export interface ResourceRequestRow extends BaseRow {
  resource_id: string;
  approver_ids: string[];
  creator_id: string;
  status: (typeof RESOURCE_REQUEST_STATUSES)[number];
  start_date: string | null;
  end_date: string | null;
  allocation_percentage: number | null;
}

export class Table<T extends BaseRow> {
  private readonly rows = new Map<string, T>();
  private next: number;
  constructor(private readonly firstId: number) {
    this.next = firstId;
  }
  nextId(): string {
    return String(this.next++);
  }
  /** Keeps the sequence ahead of ids given explicitly (seed data). */
  put(row: T): T {
    this.rows.set(row.id, row);
    const n = Number(row.id);
    if (n >= this.next) this.next = n + 1;
    return row;
  }
  get(id: string): T | undefined {
    return this.rows.get(id);
  }
  has(id: string): boolean {
    return this.rows.has(id);
  }
  delete(id: string): boolean {
    return this.rows.delete(id);
  }
  all(): T[] {
    return [...this.rows.values()];
  }
  get size(): number {
    return this.rows.size;
  }
  clear(): void {
    this.rows.clear();
    this.next = this.firstId;
  }
}

export class KantataStore {
  readonly users = new Table<UserRow>(1001);
  readonly roles = new Table<RoleRow>(501);
  readonly workspaces = new Table<WorkspaceRow>(40001);
  readonly stories = new Table<StoryRow>(50001);
  readonly time_entries = new Table<TimeEntryRow>(60001);
  readonly expenses = new Table<ExpenseRow>(70001);
  readonly invoices = new Table<InvoiceRow>(80001);
  readonly additional_items = new Table<InvoiceItemRow>(81001);
  readonly fixed_fee_items = new Table<InvoiceItemRow>(82001);
  readonly external_references = new Table<ExternalReferenceRow>(90001);
  readonly workspace_resources = new Table<WorkspaceResourceRow>(30001);
  readonly resource_requests = new Table<ResourceRequestRow>(35001);

  clear(): void {
    for (const t of this.tables()) t.clear();
  }

  tables(): Array<Table<BaseRow>> {
    return [
      this.users,
      this.roles,
      this.workspaces,
      this.stories,
      this.time_entries,
      this.expenses,
      this.invoices,
      this.additional_items,
      this.fixed_fee_items,
      this.external_references,
      this.workspace_resources,
      this.resource_requests,
    ];
  }
}
