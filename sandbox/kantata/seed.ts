// Demo data: two users, a few roles, one running project with a milestone plan, approved time, expenses and
// an invoice. Ids are fixed (other sandboxes' demo data and tests refer to them) and seeding twice is harmless.
import type { KantataStore } from './store.js';

export const KANTATA_DEMO = {
  token: 'syncwright-demo-token',
  users: {
    jane: { id: '1001', full_name: 'Jane Doe', email_address: 'jane.doe@syncwright.example' },
    sam: { id: '1002', full_name: 'Sam Lee', email_address: 'sam.lee@syncwright.example' },
  },
  roles: { consultant: '501', projectManager: '502', solutionArchitect: '503', developer: '504' },
  workspaceId: '40001',
  stories: { discovery: '50001', interviews: '50002', designSystem: '50003', launch: '50004' },
  timeEntryIds: ['60001', '60002', '60003', '60004'],
  expenseIds: ['70001', '70002'],
  invoiceId: '80001',
  /** The seeded workspace is linked to this Salesforce opportunity through an external reference. */
  salesforceOpportunityId: '006000000000001AAA',
} as const;

const AT = Date.parse('2025-12-15T12:00:00Z');

export function seedKantata(store: KantataStore): void {
  const t = { createdMs: AT, updatedMs: AT };
  const { jane, sam } = KANTATA_DEMO.users;
  store.users.put({ ...jane, headline: 'Engagement Manager', disabled: false, ...t });
  store.users.put({ ...sam, headline: 'Senior Consultant', disabled: false, ...t });

  const roles: Array<[string, string]> = [
    ['501', 'Consultant'],
    ['502', 'Project Manager'],
    ['503', 'Solution Architect'],
    ['504', 'Developer'],
  ];
  for (const [id, name] of roles) store.roles.put({ id, name, ...t });

  const ws = KANTATA_DEMO.workspaceId;
  store.workspaces.put({
    id: ws,
    title: 'Acme Corp — Website Redesign',
    description: 'Redesign and relaunch of the Acme Corp marketing site.',
    start_date: '2025-11-03',
    due_date: '2026-03-31',
    budgeted: true,
    price_in_cents: 4_800_000,
    currency: 'USD',
    archived: false,
    status_key: 300,
    creator_id: jane.id,
    primary_maven_id: jane.id,
    primary_counterpart_id: null,
    participant_ids: [jane.id, sam.id],
    require_time_approvals: true,
    require_expense_approvals: false,
    ...t,
  });

  const S = KANTATA_DEMO.stories;
  const story = (id: string, position: number, fields: { title: string; story_type: 'task' | 'deliverable' | 'milestone'; parent_id?: string; state?: 'not started' | 'started' | 'completed'; start_date: string; due_date: string; budget?: number; weight?: number }) =>
    store.stories.put({
      id,
      workspace_id: ws,
      parent_id: fields.parent_id ?? null,
      title: fields.title,
      description: null,
      story_type: fields.story_type,
      state: fields.state ?? 'not started',
      billable: true,
      fixed_fee: fields.story_type === 'milestone',
      start_date: fields.start_date,
      due_date: fields.due_date,
      budget_estimate_in_cents: fields.budget ?? null,
      time_estimate_in_minutes: null,
      weight: fields.weight ?? null,
      position,
      percentage_complete: fields.state === 'completed' ? 100 : 0,
      archived: false,
      priority: 'normal',
      creator_id: jane.id,
      assignee_ids: [],
      ...t,
    });
  story(S.discovery, 1, { title: 'Discovery complete', story_type: 'milestone', state: 'completed', start_date: '2025-11-03', due_date: '2025-12-05', budget: 1_200_000, weight: 25 });
  story(S.interviews, 2, { title: 'Stakeholder interviews', story_type: 'task', parent_id: S.discovery, state: 'completed', start_date: '2025-11-03', due_date: '2025-12-02' });
  story(S.designSystem, 3, { title: 'Design system', story_type: 'deliverable', state: 'started', start_date: '2025-12-08', due_date: '2026-01-30' });
  story(S.launch, 4, { title: 'Launch', story_type: 'milestone', start_date: '2026-03-02', due_date: '2026-03-31', budget: 3_600_000, weight: 75 });

  const [te1, te2, te3, te4] = KANTATA_DEMO.timeEntryIds;
  const inv = KANTATA_DEMO.invoiceId;
  const time = (id: string, user: string, date: string, minutes: number, storyId: string, rate: number, approved: boolean, invoiced: boolean, notes: string) =>
    store.time_entries.put({ id, workspace_id: ws, story_id: storyId, user_id: user, date_performed: date, time_in_minutes: minutes, billable: true, notes, rate_in_cents: rate, cost_rate_in_cents: null, approved, invoice_id: invoiced ? inv : null, role_id: user === jane.id ? '502' : '501', ...t });
  time(te1, jane.id, '2025-12-01', 240, S.interviews, 17_500, true, true, 'Interviews with marketing leads');
  time(te2, sam.id, '2025-12-02', 180, S.interviews, 15_000, true, true, 'Interview synthesis');
  time(te3, jane.id, '2025-12-08', 120, S.designSystem, 17_500, true, false, 'Design system kickoff');
  time(te4, sam.id, '2025-12-09', 90, S.designSystem, 15_000, false, false, 'Component inventory');

  const [ex1, ex2] = KANTATA_DEMO.expenseIds;
  store.expenses.put({ id: ex1, workspace_id: ws, story_id: S.interviews, user_id: jane.id, date: '2025-12-01', category: 'Travel', amount_in_cents: 42_500, currency: 'USD', billable: true, reimbursable: true, notes: 'Flight to Acme HQ', invoice_id: inv, ...t });
  store.expenses.put({ id: ex2, workspace_id: ws, story_id: null, user_id: sam.id, date: '2025-12-03', category: 'Lodging', amount_in_cents: 18_900, currency: 'USD', billable: true, reimbursable: true, notes: 'Hotel, one night', invoice_id: null, ...t });

  store.additional_items.put({ id: '81001', invoice_id: inv, workspace_id: ws, story_id: null, notes: 'Project setup fee', amount_in_cents: 50_000, taxable: false, currency: 'USD', ...t });
  store.fixed_fee_items.put({ id: '82001', invoice_id: inv, workspace_id: ws, story_id: S.discovery, notes: 'Milestone: Discovery complete', amount_in_cents: 1_200_000, taxable: false, currency: 'USD', ...t });
  store.invoices.put({
    id: inv,
    workspace_ids: [ws],
    user_id: jane.id,
    recipient_id: null,
    invoice_date: '2025-12-15',
    due_date: '2026-01-14',
    payment_schedule: 30,
    status: 'new',
    message: 'Thank you for your business.',
    user_invoice_number: 1001,
    user_invoice_title: null,
    currency: 'USD',
    tax_rate: 0,
    purchase_order: 'PO-7731',
    project_code: 'ACME-WEB',
    paid_in_cents: 0,
    time_entry_ids: [te1, te2],
    expense_ids: [ex1],
    additional_item_ids: ['81001'],
    fixed_fee_item_ids: ['82001'],
    ...t,
  });

  store.external_references.put({
    id: '90001',
    subject_type: 'Workspace',
    subject_id: ws,
    service_name: 'salesforce',
    service_model: 'Opportunity',
    service_model_ref: KANTATA_DEMO.salesforceOpportunityId,
    status: 'successful',
    external_link: null,
    external_message: null,
    external_status: 'Closed Won',
    locked: false,
    lastSyncedMs: AT,
    ...t,
  });
}
