// The record types the NetSuite sandbox serves, as data: one definition drives validation, the JSON Schema
// served by the metadata catalog, the SuiteQL columns and the wire format of a record.
// Custom fields are exactly those of docs/vendor-fields.md.

/**
 * `duration`: a time-tracking duration, written `"H:MM"` (or hours as a number) and shown `"H:MM"`, as NetSuite
 * documents duration fields. `address`: an address subrecord (`addressBookAddress`), an object of address fields.
 */
export type FieldKind = 'string' | 'email' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'duration' | 'ref' | 'select' | 'address';

export interface FieldDef {
  kind: FieldKind;
  title: string;
  /** For `ref`: the record types a reference may point at (the first is where `links` point). */
  refTypes?: readonly string[];
  /** For `select`: option id → display name (refName). */
  options?: Readonly<Record<string, string>>;
  required?: boolean;
  /** Computed or system-maintained: ignored in request bodies, shown in responses. */
  readOnly?: boolean;
  maxLength?: number;
  custom?: boolean;
  /** SuiteQL column name; default the field name lower-cased; false: not exposed to SuiteQL. */
  column?: string | false;
}

export interface SublistDef {
  title: string;
  fields: Readonly<Record<string, FieldDef>>;
}

/** Id spaces: NetSuite numbers entities, transactions and items each in one shared sequence. */
export type IdSpace = 'entity' | 'transaction' | 'item' | 'projectTask' | 'timeBill' | 'list';

export interface RecordTypeDef {
  /** REST record type, as in the URL (matched case-insensitively). */
  name: string;
  title: string;
  space: IdSpace;
  /** Reference data: reads only over the API. */
  readOnly?: boolean;
  fields: Readonly<Record<string, FieldDef>>;
  sublists: Readonly<Record<string, SublistDef>>;
  /** SuiteQL table holding these records. */
  table: string;
  /** SuiteQL `transaction.type` code for transaction records. */
  transactionType?: string;
  /** Name of the created-date field: entities say `dateCreated`, transactions `createdDate`. */
  createdField: 'dateCreated' | 'createdDate';
}

const str = (title: string, extra: Partial<FieldDef> = {}): FieldDef => ({ kind: 'string', title, maxLength: 4000, ...extra });
const num = (title: string, extra: Partial<FieldDef> = {}): FieldDef => ({ kind: 'number', title, ...extra });
const bool = (title: string, extra: Partial<FieldDef> = {}): FieldDef => ({ kind: 'boolean', title, ...extra });
const date = (title: string, extra: Partial<FieldDef> = {}): FieldDef => ({ kind: 'date', title, ...extra });
const ref = (title: string, refTypes: readonly string[], extra: Partial<FieldDef> = {}): FieldDef => ({ kind: 'ref', title, refTypes, ...extra });
const select = (title: string, options: Record<string, string>, extra: Partial<FieldDef> = {}): FieldDef => ({ kind: 'select', title, options, ...extra });
const custom = (title: string, kind: FieldKind = 'string'): FieldDef => ({ kind, title, custom: true, ...(kind === 'string' ? { maxLength: 4000 } : {}) });

/** Fields every record has. */
function system(createdField: 'dateCreated' | 'createdDate'): Record<string, FieldDef> {
  return {
    id: { kind: 'string', title: 'Internal ID', readOnly: true },
    externalId: str('External ID', { maxLength: 255, column: 'externalid' }),
    [createdField]: { kind: 'datetime', title: 'Date Created', readOnly: true },
    lastModifiedDate: { kind: 'datetime', title: 'Last Modified Date', readOnly: true },
  };
}

const CUSTOMERISH = ['customer'] as const;
const PROJECT_OR_CUSTOMER = ['job', 'customer'] as const;
const ITEMS = ['serviceItem'] as const;

const TRANSACTION_LINKS = {
  custbody_sw_salesforce_opp_id: custom('Salesforce Opportunity ID'),
  custbody_sw_correlation_id: custom('Syncwright Correlation ID'),
};

const ITEM_LINE: SublistDef = {
  title: 'Items',
  fields: {
    line: { kind: 'integer', title: 'Line', readOnly: true },
    item: ref('Item', ITEMS, { required: true }),
    description: str('Description'),
    quantity: num('Quantity'),
    rate: num('Rate'),
    amount: num('Amount'),
    job: ref('Project', ['job']),
    isBillable: bool('Billable'),
  },
};

/** The address book of an entity: one line per address, the subrecord in `addressBookAddress`. */
const ADDRESS_BOOK: SublistDef = {
  title: 'Address',
  fields: {
    line: { kind: 'integer', title: 'Line', readOnly: true },
    label: str('Label'),
    defaultBilling: bool('Default Billing'),
    defaultShipping: bool('Default Shipping'),
    addressBookAddress: { kind: 'address', title: 'Address' },
  },
};

const ENTITY_STATUS_JOB = { '1': 'Closed', '2': 'In Progress', '3': 'Not Awarded', '4': 'Pending', '5': 'Awarded' };
const JOB_BILLING_TYPE = { TM: 'Time and Materials', FBM: 'Fixed Bid, Milestone', FBI: 'Fixed Bid, Interval', CB: 'Charge-Based' };
// NetSuite's approval status list; time entries use it with Advanced Approvals on (Open, Pending Approval,
// Approved, Rejected are the four statuses Oracle documents for time).
const APPROVAL_STATUS = { '1': 'Pending Approval', '2': 'Approved', '3': 'Rejected', '4': 'Open' };

export const RECORD_TYPES: readonly RecordTypeDef[] = [
  {
    name: 'customer',
    title: 'Customer',
    space: 'entity',
    table: 'customer',
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      entityId: str('Customer ID', { maxLength: 83 }),
      companyName: str('Company Name', { maxLength: 83 }),
      isPerson: bool('Type is Individual'),
      firstName: str('First Name', { maxLength: 32 }),
      lastName: str('Last Name', { maxLength: 32 }),
      email: { kind: 'email', title: 'Email', maxLength: 254 },
      phone: str('Phone', { maxLength: 32 }),
      url: str('Web Address'),
      subsidiary: ref('Primary Subsidiary', ['subsidiary'], { required: true }),
      currency: ref('Currency', ['currency']),
      terms: ref('Terms', ['term']),
      salesRep: ref('Sales Rep', ['employee']),
      creditLimit: num('Credit Limit'),
      creditHoldOverride: select('Hold', { AUTO: 'Auto', ON: 'On', OFF: 'Off' }),
      parent: ref('Child Of', CUSTOMERISH),
      vatRegNumber: str('Tax Reg. Number', { maxLength: 20 }),
      taxable: bool('Taxable'),
      isInactive: bool('Inactive'),
      comments: str('Comments'),
      balance: num('Balance', { readOnly: true }),
      custentity_sw_salesforce_id: custom('Salesforce ID'),
      custentity_sw_service_line: custom('Service Line'),
      custentity_sw_domain: custom('Domain'),
    },
    sublists: { addressBook: ADDRESS_BOOK },
  },
  {
    name: 'contact',
    title: 'Contact',
    space: 'entity',
    table: 'contact',
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      entityId: str('Contact', { maxLength: 83 }),
      firstName: str('First Name', { maxLength: 32 }),
      lastName: str('Last Name', { maxLength: 32 }),
      company: ref('Company', CUSTOMERISH),
      subsidiary: ref('Subsidiary', ['subsidiary'], { required: true }),
      email: { kind: 'email', title: 'Email', maxLength: 254 },
      phone: str('Phone', { maxLength: 32 }),
      title: str('Job Title'),
      isInactive: bool('Inactive'),
      custentity_sw_salesforce_id: custom('Salesforce ID'),
      custentity_sw_roles: custom('Contact Roles'),
    },
    sublists: { addressBook: ADDRESS_BOOK },
  },
  {
    name: 'job',
    title: 'Project',
    space: 'entity',
    table: 'job',
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      entityId: str('Project ID', { maxLength: 83 }),
      companyName: str('Project Name', { required: true, maxLength: 83 }),
      parent: ref('Customer', CUSTOMERISH, { required: true }),
      subsidiary: ref('Subsidiary', ['subsidiary']),
      currency: ref('Currency', ['currency']),
      entityStatus: select('Status', ENTITY_STATUS_JOB),
      jobBillingType: select('Billing Type', JOB_BILLING_TYPE),
      projectManager: ref('Project Manager', ['employee']),
      startDate: date('Start Date'),
      projectedEndDate: date('Projected End Date'),
      endDate: date('Actual End Date'),
      isInactive: bool('Inactive'),
      comments: str('Comments'),
      custentity_sw_salesforce_opp_id: custom('Salesforce Opportunity ID'),
      custentity_sw_psa_project_id: custom('PSA Project ID'),
      custentity_sw_service_line: custom('Service Line'),
    },
    sublists: {},
  },
  {
    name: 'projectTask',
    title: 'Project Task',
    space: 'projectTask',
    table: 'projecttask',
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      title: str('Name', { required: true, maxLength: 256 }),
      company: ref('Project', ['job'], { required: true, column: 'project' }),
      parent: ref('Parent Task', ['projectTask']),
      status: select('Status', { NOTSTART: 'Not Started', PROGRESS: 'In Progress', COMPLETE: 'Completed' }),
      isMilestone: bool('Milestone'),
      startDate: date('Start Date'),
      endDate: date('End Date'),
      finishByDate: date('Finish No Later Than'),
      plannedWork: num('Planned Work'),
      message: str('Notes'),
      custevent_sw_milestone_amount: custom('Milestone Amount', 'number'),
      custevent_sw_billing_status: custom('Billing Status'),
    },
    sublists: {},
  },
  {
    name: 'salesOrder',
    title: 'Sales Order',
    space: 'transaction',
    table: 'transaction',
    transactionType: 'SalesOrd',
    createdField: 'createdDate',
    fields: {
      ...system('createdDate'),
      tranId: str('Order #', { maxLength: 45 }),
      tranDate: date('Date'),
      entity: ref('Customer', PROJECT_OR_CUSTOMER, { required: true }),
      job: ref('Project', ['job']),
      subsidiary: ref('Subsidiary', ['subsidiary']),
      currency: ref('Currency', ['currency']),
      terms: ref('Terms', ['term']),
      otherRefNum: str('PO #', { maxLength: 45 }),
      memo: str('Memo'),
      startDate: date('Start Date'),
      endDate: date('End Date'),
      orderStatus: select('Order Status', { A: 'Pending Approval', B: 'Pending Fulfillment' }),
      status: select('Status', { A: 'Pending Approval', B: 'Pending Fulfillment', F: 'Pending Billing', G: 'Billed' }, { readOnly: true }),
      total: num('Total', { readOnly: true, column: 'foreigntotal' }),
      ...TRANSACTION_LINKS,
    },
    sublists: { item: ITEM_LINE },
  },
  {
    name: 'invoice',
    title: 'Invoice',
    space: 'transaction',
    table: 'transaction',
    transactionType: 'CustInvc',
    createdField: 'createdDate',
    fields: {
      ...system('createdDate'),
      tranId: str('Invoice #', { maxLength: 45 }),
      tranDate: date('Date'),
      dueDate: date('Due Date'),
      entity: ref('Customer', PROJECT_OR_CUSTOMER, { required: true }),
      job: ref('Project', ['job']),
      createdFrom: ref('Created From', ['salesOrder']),
      subsidiary: ref('Subsidiary', ['subsidiary']),
      currency: ref('Currency', ['currency']),
      terms: ref('Terms', ['term']),
      otherRefNum: str('PO/Check Number', { maxLength: 45 }),
      memo: str('Memo'),
      status: select('Status', { A: 'Open', B: 'Paid In Full' }, { readOnly: true }),
      total: num('Total', { readOnly: true, column: 'foreigntotal' }),
      amountPaid: num('Amount Paid', { readOnly: true, column: false }),
      amountRemaining: num('Amount Due', { readOnly: true, column: 'foreignamountremaining' }),
      ...TRANSACTION_LINKS,
    },
    sublists: { item: ITEM_LINE },
  },
  {
    name: 'customerPayment',
    title: 'Customer Payment',
    space: 'transaction',
    table: 'transaction',
    transactionType: 'CustPymt',
    createdField: 'createdDate',
    fields: {
      ...system('createdDate'),
      tranId: str('Payment #', { maxLength: 45 }),
      tranDate: date('Date'),
      customer: ref('Customer', PROJECT_OR_CUSTOMER, { required: true, column: 'entity' }),
      subsidiary: ref('Subsidiary', ['subsidiary']),
      currency: ref('Currency', ['currency']),
      payment: num('Payment Amount', { required: true, column: 'foreigntotal' }),
      paymentMethod: ref('Payment Method', ['paymentMethod']),
      checkNum: str('Check #', { maxLength: 45 }),
      memo: str('Memo'),
      applied: num('Applied', { readOnly: true, column: false }),
      unapplied: num('Unapplied', { readOnly: true, column: false }),
      ...TRANSACTION_LINKS,
    },
    sublists: {
      apply: {
        title: 'Apply',
        fields: {
          line: { kind: 'integer', title: 'Line', readOnly: true },
          doc: ref('Invoice', ['invoice'], { required: true }),
          refNum: str('Ref No.', { readOnly: true }),
          apply: bool('Apply'),
          amount: num('Payment'),
        },
      },
    },
  },
  {
    name: 'timeBill',
    title: 'Time Entry',
    space: 'timeBill',
    table: 'timebill',
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      employee: ref('Employee', ['employee'], { required: true }),
      customer: ref('Customer:Project', PROJECT_OR_CUSTOMER, { required: true }),
      caseTaskEvent: ref('Case/Task/Event', ['projectTask']),
      item: ref('Service Item', ITEMS),
      hours: { kind: 'duration', title: 'Duration', required: true },
      tranDate: date('Date', { required: true }),
      isBillable: bool('Billable'),
      rate: num('Rate'),
      approvalStatus: select('Approval Status', APPROVAL_STATUS),
      subsidiary: ref('Subsidiary', ['subsidiary'], { readOnly: true }),
      memo: str('Memo'),
      // Custom fields reach time entries only as transaction column fields (custcol_), never body fields.
      custcol_sw_psa_id: custom('PSA Entry ID'),
    },
    sublists: {},
  },
  {
    name: 'expenseReport',
    title: 'Expense Report',
    space: 'transaction',
    table: 'transaction',
    transactionType: 'ExpRept',
    createdField: 'createdDate',
    fields: {
      ...system('createdDate'),
      tranId: str('Expense Report #', { maxLength: 45 }),
      tranDate: date('Date'),
      entity: ref('Employee', ['employee'], { required: true }),
      subsidiary: ref('Subsidiary', ['subsidiary'], { readOnly: true }),
      currency: ref('Currency', ['currency']),
      memo: str('Purpose'),
      complete: bool('Complete (Ready for Approval)'),
      supervisorApproval: bool('Supervisor Approval'),
      accountingApproval: bool('Accounting Approval'),
      total: num('Total', { readOnly: true, column: 'foreigntotal' }),
      custbody_sw_psa_id: custom('PSA Entry ID'),
    },
    sublists: {
      expense: {
        title: 'Expenses',
        fields: {
          line: { kind: 'integer', title: 'Line', readOnly: true },
          category: ref('Category', ['expenseCategory'], { required: true }),
          amount: num('Amount', { required: true }),
          tax1Amt: num('Tax Amount'),
          expenseDate: date('Date'),
          currency: ref('Currency', ['currency']),
          customer: ref('Customer:Project', PROJECT_OR_CUSTOMER),
          isBillable: bool('Billable'),
          memo: str('Memo'),
        },
      },
    },
  },
  // Reference data, read only over the API.
  {
    name: 'subsidiary',
    title: 'Subsidiary',
    space: 'list',
    table: 'subsidiary',
    readOnly: true,
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      name: str('Name'),
      legalName: str('Legal Name'),
      country: str('Country'),
      currency: ref('Currency', ['currency']),
      parent: ref('Subsidiary of', ['subsidiary']),
      isInactive: bool('Inactive'),
    },
    sublists: {},
  },
  {
    name: 'currency',
    title: 'Currency',
    space: 'list',
    table: 'currency',
    readOnly: true,
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      name: str('Name'),
      symbol: str('ISO Code'),
      displaySymbol: str('Display Symbol'),
      isBaseCurrency: bool('Base Currency'),
      exchangeRate: num('Default Exchange Rate'),
      isInactive: bool('Inactive'),
    },
    sublists: {},
  },
  {
    name: 'term',
    title: 'Term',
    space: 'list',
    table: 'term',
    readOnly: true,
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      name: str('Terms'),
      daysUntilNetDue: { kind: 'integer', title: 'Days Till Net Due' },
      isInactive: bool('Inactive'),
    },
    sublists: {},
  },
  {
    name: 'employee',
    title: 'Employee',
    space: 'entity',
    table: 'employee',
    readOnly: true,
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      entityId: str('Name'),
      firstName: str('First Name'),
      lastName: str('Last Name'),
      email: { kind: 'email', title: 'Email' },
      title: str('Job Title'),
      subsidiary: ref('Subsidiary', ['subsidiary']),
      isInactive: bool('Inactive'),
    },
    sublists: {},
  },
  {
    name: 'serviceItem',
    title: 'Service Item',
    space: 'item',
    table: 'item',
    readOnly: true,
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      itemId: str('Item Name/Number'),
      displayName: str('Display Name'),
      description: str('Description', { column: 'salesdescription' }),
      rate: num('Base Price', { column: false }),
      isInactive: bool('Inactive'),
    },
    sublists: {},
  },
  {
    name: 'paymentMethod',
    title: 'Payment Method',
    space: 'list',
    table: 'paymentmethod',
    readOnly: true,
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      name: str('Name'),
      isInactive: bool('Inactive'),
    },
    sublists: {},
  },
  {
    name: 'expenseCategory',
    title: 'Expense Category',
    space: 'list',
    table: 'expensecategory',
    readOnly: true,
    createdField: 'dateCreated',
    fields: {
      ...system('dateCreated'),
      name: str('Name'),
      description: str('Description'),
      isInactive: bool('Inactive'),
    },
    sublists: {},
  },
];

/** Text fields of an address subrecord (besides `country`). */
export const ADDRESS_TEXT_FIELDS = ['addressee', 'attention', 'addr1', 'addr2', 'addr3', 'city', 'state', 'zip', 'addrPhone'] as const;

const BY_LOWER_NAME = new Map(RECORD_TYPES.map((t) => [t.name.toLowerCase(), t]));

/** A record type by its URL name, case-insensitively, as NetSuite matches it. */
export function recordType(name: string): RecordTypeDef | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}

// ---- JSON Schema (the metadata catalog), from the same definitions ----

function fieldSchema(f: FieldDef): Record<string, unknown> {
  const base: Record<string, unknown> = { title: f.title, nullable: !f.required };
  if (f.readOnly) base['readOnly'] = true;
  if (f.custom) base['x-ns-custom-field'] = true;
  switch (f.kind) {
    case 'string':
      return { type: 'string', ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}), ...base };
    case 'email':
      return { type: 'string', format: 'email', ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}), ...base };
    case 'integer':
      return { type: 'integer', format: 'int64', ...base };
    case 'number':
      return { type: 'number', format: 'double', ...base };
    case 'boolean':
      return { type: 'boolean', ...base };
    case 'date':
      return { type: 'string', format: 'date', ...base };
    case 'datetime':
      return { type: 'string', format: 'date-time', ...base };
    case 'duration':
      return { type: 'string', format: 'duration', pattern: '^\\d+:[0-5]\\d$', ...base };
    case 'address':
      return {
        type: 'object',
        properties: Object.fromEntries([...ADDRESS_TEXT_FIELDS.map((k) => [k, { type: 'string' }]), ['country', { type: 'object', properties: { id: { type: 'string', title: 'ISO 3166-1 alpha-2 code' }, refName: { type: 'string', readOnly: true } } }]]),
        'x-ns-subrecord': true,
        ...base,
      };
    case 'ref':
      return {
        type: 'object',
        properties: { id: { type: 'string', title: 'Internal identifier' }, externalId: { type: 'string', title: 'External identifier' }, refName: { type: 'string', title: 'Reference Name', readOnly: true } },
        'x-ns-record-types': [...(f.refTypes ?? [])],
        ...base,
      };
    case 'select':
      return {
        type: 'object',
        properties: { id: { type: 'string', title: 'Internal identifier', enum: Object.keys(f.options ?? {}) }, refName: { type: 'string', title: 'Reference Name', readOnly: true } },
        'x-ns-enum': Object.entries(f.options ?? {}).map(([id, refName]) => ({ id, refName })),
        ...base,
      };
  }
}

function objectSchema(title: string, fields: Readonly<Record<string, FieldDef>>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, f] of Object.entries(fields)) {
    properties[name] = fieldSchema(f);
    if (f.required) required.push(name);
  }
  return { type: 'object', title, properties, ...(required.length > 0 ? { required } : {}) };
}

/** The record's JSON Schema as served by `GET /record/v1/metadata-catalog/{type}` (application/schema+json). */
export function recordSchema(def: RecordTypeDef, metadataBase: string): Record<string, unknown> {
  const schema = objectSchema(def.title, def.fields);
  const properties = schema['properties'] as Record<string, unknown>;
  properties['links'] = { type: 'array', readOnly: true, items: { type: 'object', properties: { rel: { type: 'string' }, href: { type: 'string', format: 'uri' } } } };
  for (const [name, sub] of Object.entries(def.sublists)) {
    properties[name] = {
      type: 'object',
      title: sub.title,
      nullable: true,
      properties: { items: { type: 'array', items: objectSchema(sub.title, sub.fields) } },
      'x-ns-sublist': true,
    };
  }
  return {
    $schema: 'https://json-schema.org/draft/2019-09/schema',
    $id: `${metadataBase}/${def.name}`,
    'x-ns-filterable': Object.keys(def.fields),
    ...(def.readOnly ? { 'x-ns-read-only': true } : {}),
    ...schema,
  };
}
