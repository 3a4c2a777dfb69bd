// Records as Kantata returns them: stored fields plus what Kantata derives (money formatting, currency
// details, time logged on a story, invoice balances, status objects).
import type {
  ExpenseRow,
  ExternalReferenceRow,
  InvoiceItemRow,
  InvoiceRow,
  KantataStore,
  ResourceRequestRow,
  RoleRow,
  StoryRow,
  TimeEntryRow,
  UserRow,
  WorkspaceResourceRow,
  WorkspaceRow,
} from './store.js';
import { currencyBaseUnit, currencySymbol, formatMoney, wireTime, type WireRecord } from './wire.js';

/**
 * Project statuses the sandbox knows: one status per colour group of Kantata's project status list, keyed the
 * way Kantata numbers them (the hundreds follow the colour: gray 1xx not started, light green 2xx close to
 * starting, green 3xx in progress, yellow 4xx pending action, red 5xx blocked or ended, blue 6xx finished).
 * A real account selects its own subset; the mapping context lists the same keys (defaultKantataContext).
 */
export const WORKSPACE_STATUSES: Record<number, { color: string; message: string }> = {
  100: { color: 'gray', message: 'Not Started' },
  200: { color: 'light_green', message: 'Okay to Start' },
  300: { color: 'green', message: 'In Progress' },
  400: { color: 'yellow', message: 'On Hold' },
  500: { color: 'red', message: 'Blocked' },
  501: { color: 'red', message: 'Cancelled' },
  600: { color: 'blue', message: 'Completed' },
};

/**
 * The account's expense categories: Kantata's six defaults (ids are the sandbox's). Account settings, not records,
 * so a reset keeps them. An expense names its category by `category`; `expense_category_id` is set when the
 * name is one of these.
 */
export const EXPENSE_CATEGORIES: Readonly<Record<string, string>> = {
  '3001': 'Entertainment',
  '3002': 'Food',
  '3003': 'Lodging',
  '3004': 'Mileage',
  '3005': 'Travel',
  '3006': 'Other',
};

export function expenseCategoryId(name: string): string | null {
  return Object.entries(EXPENSE_CATEGORIES).find(([, n]) => n === name)?.[0] ?? null;
}

function stamps(row: { createdMs: number; updatedMs: number }): { created_at: string; updated_at: string } {
  return { created_at: wireTime(row.createdMs), updated_at: wireTime(row.updatedMs) };
}

function money(currency: string): { currency: string; currency_symbol: string; currency_base_unit: number } {
  return { currency, currency_symbol: currencySymbol(currency), currency_base_unit: currencyBaseUnit(currency) };
}

export function userView(u: UserRow): WireRecord {
  return {
    id: u.id,
    full_name: u.full_name,
    email_address: u.email_address,
    headline: u.headline,
    photo_path: `/images/avatars/${u.id}.png`,
    disabled: u.disabled,
    account_id: '1',
  };
}

export function roleView(r: RoleRow): WireRecord {
  return { id: r.id, name: r.name, ...stamps(r) };
}

export function workspaceView(w: WorkspaceRow, store: KantataStore): WireRecord {
  const status = WORKSPACE_STATUSES[w.status_key] ?? WORKSPACE_STATUSES[100];
  const stories = store.stories.all().filter((s) => s.workspace_id === w.id);
  const done = stories.filter((s) => s.state === 'completed').length;
  return {
    id: w.id,
    title: w.title,
    description: w.description,
    archived: w.archived,
    start_date: w.start_date,
    due_date: w.due_date,
    effective_due_date: w.due_date,
    budgeted: w.budgeted,
    price: w.price_in_cents === null ? null : formatMoney(w.price_in_cents, w.currency),
    price_in_cents: w.price_in_cents,
    ...money(w.currency),
    status: { color: status.color, key: w.status_key, message: status.message },
    status_key: w.status_key,
    percentage_complete: stories.length === 0 ? 0 : Math.round((done / stories.length) * 100),
    consultant_role_name: 'Provider',
    client_role_name: 'Client',
    access_level: 'open',
    require_time_approvals: w.require_time_approvals,
    require_expense_approvals: w.require_expense_approvals,
    creator_id: w.creator_id,
    primary_maven_id: w.primary_maven_id,
    primary_counterpart_id: w.primary_counterpart_id,
    ...stamps(w),
  };
}

export function storyView(s: StoryRow, store: KantataStore): WireRecord {
  let billable = 0;
  let nonBillable = 0;
  let usedCents = 0;
  for (const t of store.time_entries.all()) {
    if (t.story_id !== s.id) continue;
    if (t.billable) {
      billable += t.time_in_minutes;
      usedCents += Math.round((t.time_in_minutes / 60) * t.rate_in_cents);
    } else nonBillable += t.time_in_minutes;
  }
  const children = store.stories.all().filter((c) => c.parent_id === s.id);
  return {
    id: s.id,
    workspace_id: s.workspace_id,
    parent_id: s.parent_id,
    root_id: rootOf(s, store),
    title: s.title,
    description: s.description,
    story_type: s.story_type,
    state: s.state,
    billable: s.billable,
    fixed_fee: s.fixed_fee,
    start_date: s.start_date,
    due_date: s.due_date,
    budget_estimate_in_cents: s.budget_estimate_in_cents,
    budget_used_in_cents: usedCents,
    time_estimate_in_minutes: s.time_estimate_in_minutes,
    logged_billable_time_in_minutes: billable,
    logged_nonbillable_time_in_minutes: nonBillable,
    weight: s.weight,
    position: s.position,
    percentage_complete: s.percentage_complete,
    priority: s.priority,
    archived: s.archived,
    deleted_at: null,
    sub_story_count: children.length,
    creator_id: s.creator_id,
    ...stamps(s),
  };
}

function rootOf(s: StoryRow, store: KantataStore): string | null {
  if (s.parent_id === null) return null;
  let cur = s;
  for (let i = 0; i < 100 && cur.parent_id !== null; i++) {
    const parent = store.stories.get(cur.parent_id);
    if (!parent) break;
    cur = parent;
  }
  return cur.id;
}

export function ancestorIds(s: StoryRow, store: KantataStore): string[] {
  const out: string[] = [];
  let cur: StoryRow | undefined = s;
  while (cur?.parent_id && out.length < 100) {
    out.push(cur.parent_id);
    cur = store.stories.get(cur.parent_id);
  }
  return out;
}

export function timeEntryView(t: TimeEntryRow, store: KantataStore): WireRecord {
  const currency = store.workspaces.get(t.workspace_id)?.currency ?? 'USD';
  return {
    id: t.id,
    workspace_id: t.workspace_id,
    story_id: t.story_id,
    user_id: t.user_id,
    role_id: t.role_id,
    date_performed: t.date_performed,
    time_in_minutes: t.time_in_minutes,
    billable: t.billable,
    notes: t.notes,
    rate_in_cents: t.rate_in_cents,
    cost_rate_in_cents: t.cost_rate_in_cents,
    ...money(currency),
    approved: t.approved,
    is_invoiced: t.invoice_id !== null,
    user_can_edit: !t.approved && t.invoice_id === null,
    ...stamps(t),
  };
}

export function expenseView(e: ExpenseRow): WireRecord {
  return {
    id: e.id,
    workspace_id: e.workspace_id,
    story_id: e.story_id,
    user_id: e.user_id,
    date: e.date,
    category: e.category,
    notes: e.notes,
    amount_in_cents: e.amount_in_cents,
    ...money(e.currency),
    is_billable: e.billable,
    is_invoiced: e.invoice_id !== null,
    reimbursable: e.reimbursable,
    user_can_edit: e.invoice_id === null,
    expense_category_id: expenseCategoryId(e.category),
    receipt_id: null,
    ...stamps(e),
  };
}

/** Sum of an invoice's lines (time at its rate, billable expenses, fixed fee and additional items) plus tax. */
export function invoiceTotalCents(inv: InvoiceRow, store: KantataStore): number {
  let total = 0;
  let taxable = 0;
  for (const id of inv.time_entry_ids) {
    const t = store.time_entries.get(id);
    if (t?.billable) total += Math.round((t.time_in_minutes / 60) * t.rate_in_cents);
  }
  for (const id of inv.expense_ids) {
    const e = store.expenses.get(id);
    if (e?.billable) total += e.amount_in_cents;
  }
  for (const item of [...inv.additional_item_ids.map((id) => store.additional_items.get(id)), ...inv.fixed_fee_item_ids.map((id) => store.fixed_fee_items.get(id))]) {
    if (!item) continue;
    total += item.amount_in_cents;
    if (item.taxable) taxable += item.amount_in_cents;
  }
  return total + Math.round((taxable * inv.tax_rate) / 100);
}

export function invoiceView(inv: InvoiceRow, store: KantataStore): WireRecord {
  const draft = inv.status === 'draft';
  return {
    id: inv.id,
    title: `${draft ? 'Draft ' : ''}Invoice #${inv.user_invoice_number}`,
    draft,
    status: inv.status,
    invoice_date: inv.invoice_date,
    due_date: inv.due_date,
    payment_schedule: inv.payment_schedule,
    message: inv.message,
    balance_in_cents: invoiceTotalCents(inv, store) - inv.paid_in_cents,
    ...money(inv.currency),
    tax_rate: inv.tax_rate,
    purchase_order: inv.purchase_order,
    project_code: inv.project_code,
    user_invoice_number: inv.user_invoice_number,
    user_invoice_title: inv.user_invoice_title,
    workspace_ids: [...inv.workspace_ids],
    user_id: inv.user_id,
    recipient_id: inv.recipient_id,
    ...stamps(inv),
  };
}

export function invoiceItemView(item: InvoiceItemRow, withStory: boolean): WireRecord {
  const out: WireRecord = {
    id: item.id,
    workspace_id: item.workspace_id,
    notes: item.notes,
    amount_in_cents: item.amount_in_cents,
    taxable: item.taxable,
    currency: item.currency,
    created_at: wireTime(item.createdMs),
  };
  if (withStory) out['story_id'] = item.story_id;
  return out;
}

export function externalReferenceView(r: ExternalReferenceRow): WireRecord {
  return {
    id: r.id,
    subject_type: r.subject_type,
    subject_id: r.subject_id,
    service_name: r.service_name,
    service_model: r.service_model,
    service_model_ref: r.service_model_ref,
    status: r.status,
    external_link: r.external_link,
    external_message: r.external_message,
    external_status: r.external_status,
    locked: r.locked,
    last_synced_at: wireTime(r.lastSyncedMs),
    ...stamps(r),
  };
}

export function workspaceResourceView(r: WorkspaceResourceRow, store: KantataStore): WireRecord {
  const role = r.role_id ? store.roles.get(r.role_id) : undefined;
  const user = r.user_id ? store.users.get(r.user_id) : undefined;
  const label = user ? user.full_name : `Unnamed${role ? ` (${role.name})` : ''}`;
  return {
    id: r.id,
    workspace_id: Number(r.workspace_id),
    workspace_title: store.workspaces.get(r.workspace_id)?.title ?? null,
    user_id: r.user_id,
    full_name: user?.full_name ?? null,
    role_id: r.role_id,
    role_name: role?.name ?? null,
    role_initials: role ? role.name.split(/\s+/).map((w) => w.charAt(0).toUpperCase()).join('') : null,
    label,
    display_label: label,
    ...stamps(r),
  };
}

export function resourceRequestView(r: ResourceRequestRow): WireRecord {
  return {
    id: r.id,
    resource_id: r.resource_id,
    approver_ids: [...r.approver_ids],
    creator_id: r.creator_id,
    status: r.status,
    ...stamps(r),
  };
}
