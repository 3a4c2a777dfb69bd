// A local Kantata OX (Mavenlink) API v1 for tests, benchmarks and the demo: start it in-process on a free port,
// drive it over HTTP like the real service, and inspect or bend it through `server` and the helpers here.
import { SandboxServer, type SandboxOptions } from '../core/sandbox.js';
import { KantataAdapter } from './adapter.js';
import { KANTATA_DEMO } from './seed.js';
import { INVOICE_STATUSES, type InvoiceRow } from './store.js';
import { invoiceTotalCents } from './views.js';
import type { WireRecord } from './wire.js';

export { KantataAdapter } from './adapter.js';
export { KANTATA_DEMO } from './seed.js';
export { BULK_LIMIT, SYNCWRIGHT_SERVICE } from './model.js';
export type { Envelope, KantataErrorItem, WireRecord } from './wire.js';

export interface KantataSandboxOptions extends SandboxOptions {
  /** Accepted bearer tokens (each acts as Jane Doe, user 1001); default ['syncwright-demo-token']. */
  tokens?: string[];
}

/** Collections the sandbox holds, as `records()` names them. */
export type KantataCollection =
  | 'users'
  | 'roles'
  | 'workspaces'
  | 'stories'
  | 'time_entries'
  | 'expenses'
  | 'invoices'
  | 'additional_items'
  | 'fixed_fee_items'
  | 'external_references'
  | 'workspace_resources'
  | 'resource_requests';

export async function startKantataSandbox(options: KantataSandboxOptions = {}): Promise<KantataSandbox> {
  const sandbox = new KantataSandbox(options);
  await sandbox.server.start();
  return sandbox;
}

export class KantataSandbox {
  readonly server: SandboxServer;
  readonly adapter: KantataAdapter;
  private readonly token: string;

  constructor(options: KantataSandboxOptions = {}) {
    const tokens = options.tokens ?? [KANTATA_DEMO.token];
    if (tokens.length === 0) throw new Error('KantataSandboxOptions.tokens: give at least one token');
    this.token = tokens[0];
    // The server counts creates and owns the clock; the adapter reaches both through it once it exists.
    this.adapter = new KantataAdapter(
      { now: () => this.server.clock.now() },
      {
        countCreate: (type, key) => this.server.countCreate(type, key),
        rekeyCreate: (type, from, to) => this.server.rekeyCreate(type, from, to),
      },
      tokens.map((token) => ({ token, userId: KANTATA_DEMO.users.jane.id })),
    );
    this.server = new SandboxServer(this.adapter, options);
  }

  /** `http://127.0.0.1:<port>` (the API is under `/api/v1`, the control API under `/__sandbox`). */
  get url(): string {
    return this.server.url;
  }

  /** What a client needs: the bearer token and the API base URL (`…/api/v1`, like `https://api.mavenlink.com/api/v1`). */
  get demo(): { token: string; baseUrl: string } {
    return { token: this.token, baseUrl: `${this.server.url}/api/v1` };
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** The token answers 401 from now on (until a reset). */
  revokeToken(token: string): void {
    this.adapter.revokeToken(token);
  }

  /** Grants a (new) token acting as the given user; returns it. */
  issueToken(token: string, userId: string = KANTATA_DEMO.users.jane.id): string {
    this.adapter.grantToken(token, userId);
    return token;
  }

  /** Every record of a collection as the API shows it (archived workspaces included), in id order. */
  records(collection: KantataCollection): WireRecord[] {
    return (this.server.records()[collection] ?? []) as WireRecord[];
  }

  /** Records of a collection that a syncwright external reference names with this business key. */
  recordsForBusinessKey(collection: KantataCollection, businessKey: string): WireRecord[] {
    const subjectIds = new Set(
      this.records('external_references')
        .filter((r) => r['service_name'] === 'syncwright' && r['service_model_ref'] === businessKey)
        .map((r) => String(r['subject_id'])),
    );
    return this.records(collection).filter((r) => subjectIds.has(r.id));
  }

  /** Records of a collection no syncwright external reference points at (what a lost create leaves behind). */
  unreferenced(collection: KantataCollection, subjectType: string): WireRecord[] {
    const referenced = new Set(
      this.records('external_references')
        .filter((r) => r['service_name'] === 'syncwright' && r['subject_type'] === subjectType)
        .map((r) => String(r['subject_id'])),
    );
    return this.records(collection).filter((r) => !referenced.has(r.id));
  }

  /** Approves time entries, as a project lead would in Kantata (there is no API write for it). */
  approveTimeEntries(ids: string[]): void {
    const now = this.server.clock.now();
    for (const id of ids) {
      const row = this.adapter.model.store.time_entries.get(id);
      if (!row) throw new Error(`approveTimeEntries: no time entry ${id}`);
      row.approved = true;
      row.updatedMs = now;
    }
  }

  /** Creates an invoice over the given time entries and expenses (invoices are read-only on the API). */
  createInvoice(spec: { workspaceId: string; timeEntryIds?: string[]; expenseIds?: string[]; status?: InvoiceRow['status']; invoiceDate?: string; paymentSchedule?: number }): string {
    const store = this.adapter.model.store;
    if (!store.workspaces.has(spec.workspaceId)) throw new Error(`createInvoice: no workspace ${spec.workspaceId}`);
    const now = this.server.clock.now();
    const id = store.invoices.nextId();
    const timeEntryIds = spec.timeEntryIds ?? [];
    const expenseIds = spec.expenseIds ?? [];
    for (const t of timeEntryIds) {
      const row = store.time_entries.get(t);
      if (!row) throw new Error(`createInvoice: no time entry ${t}`);
      row.invoice_id = id;
    }
    for (const e of expenseIds) {
      const row = store.expenses.get(e);
      if (!row) throw new Error(`createInvoice: no expense ${e}`);
      row.invoice_id = id;
    }
    const invoiceDate = spec.invoiceDate ?? new Date(now).toISOString().slice(0, 10);
    const schedule = spec.paymentSchedule ?? 30;
    const number = 1000 + store.invoices.size + 1;
    store.invoices.put({
      id,
      workspace_ids: [spec.workspaceId],
      user_id: KANTATA_DEMO.users.jane.id,
      recipient_id: null,
      invoice_date: invoiceDate,
      due_date: new Date(Date.parse(`${invoiceDate}T00:00:00Z`) + schedule * 86_400_000).toISOString().slice(0, 10),
      payment_schedule: schedule,
      status: spec.status ?? 'new',
      message: null,
      user_invoice_number: number,
      user_invoice_title: null,
      currency: store.workspaces.get(spec.workspaceId)?.currency ?? 'USD',
      tax_rate: 0,
      purchase_order: null,
      project_code: null,
      paid_in_cents: 0,
      time_entry_ids: timeEntryIds,
      expense_ids: expenseIds,
      additional_item_ids: [],
      fixed_fee_item_ids: [],
      createdMs: now,
      updatedMs: now,
    });
    return id;
  }

  /** Records a payment against an invoice (`partial`, or `paid` once the balance is covered). */
  payInvoice(id: string, amountInCents?: number): void {
    const store = this.adapter.model.store;
    const inv = store.invoices.get(id);
    if (!inv) throw new Error(`payInvoice: no invoice ${id}`);
    const total = invoiceTotalCents(inv, store);
    inv.paid_in_cents = Math.min(total, inv.paid_in_cents + (amountInCents ?? total - inv.paid_in_cents));
    inv.status = inv.paid_in_cents >= total ? 'paid' : 'partial';
    inv.updatedMs = this.server.clock.now();
  }
}

export { INVOICE_STATUSES };
