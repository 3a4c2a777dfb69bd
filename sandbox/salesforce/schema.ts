// The org's schema: one definition per sObject that drives describe, validation on write, and SOQL.
// Standard fields follow Salesforce's; custom fields are exactly those of docs/vendor-fields.md.

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'multipicklist'
  | 'boolean'
  | 'double'
  | 'currency'
  | 'percent'
  | 'int'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'address';

export interface FieldDef {
  name: string;
  type: FieldType;
  label: string;
  length: number;
  precision: number;
  scale: number;
  custom: boolean;
  externalId: boolean;
  unique: boolean;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  /** The server fills it when the client does not (Id, OwnerId, audit fields, auto-numbers). */
  defaultedOnCreate: boolean;
  calculated: boolean;
  autoNumber: boolean;
  nameField: boolean;
  idLookup: boolean;
  picklist?: string[];
  restrictedPicklist: boolean;
  referenceTo: string[];
  relationshipName?: string;
  /** A master-detail child is deleted with its parent. */
  cascadeDelete: boolean;
  /** Address compound fields are read-only views of their parts. */
  compoundParts?: Record<string, string>;
}

export interface SObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  fields: FieldDef[];
  /** Lower-case field name → field. SOQL and JSON bodies match names case-insensitively. */
  byName: Map<string, FieldDef>;
  /** Lower-case relationship name (Account, Owner, pse__Project__r) → its reference field. */
  byRelationship: Map<string, FieldDef>;
  /** Fields a write must supply. */
  required: FieldDef[];
  uniqueFields: FieldDef[];
  /** Auto-number format of the Name field, e.g. TCH-{000000}. */
  autoNumberPrefix?: string;
}

type FieldOptions = Partial<Omit<FieldDef, 'name' | 'type' | 'label'>>;

function field(name: string, type: FieldType, label: string, o: FieldOptions = {}): FieldDef {
  const custom = name.endsWith('__c');
  const numeric = type === 'double' || type === 'currency' || type === 'percent' || type === 'int';
  const def: FieldDef = {
    name,
    type,
    label,
    length: o.length ?? (type === 'string' || type === 'email' || type === 'phone' || type === 'url' || type === 'picklist' ? 255 : type === 'textarea' ? 32768 : type === 'multipicklist' ? 4099 : type === 'id' || type === 'reference' ? 18 : 0),
    precision: o.precision ?? (numeric && type !== 'int' ? 18 : 0),
    scale: o.scale ?? (type === 'currency' ? 2 : type === 'percent' || type === 'double' ? 2 : 0),
    custom,
    externalId: o.externalId ?? false,
    unique: o.unique ?? false,
    nillable: o.nillable ?? true,
    createable: o.createable ?? true,
    updateable: o.updateable ?? true,
    defaultedOnCreate: o.defaultedOnCreate ?? type === 'boolean',
    calculated: o.calculated ?? false,
    autoNumber: o.autoNumber ?? false,
    nameField: o.nameField ?? false,
    idLookup: o.idLookup ?? (type === 'id' || (o.externalId ?? false)),
    restrictedPicklist: o.restrictedPicklist ?? (type === 'picklist' || type === 'multipicklist'),
    referenceTo: o.referenceTo ?? [],
    cascadeDelete: o.cascadeDelete ?? false,
  };
  if (o.picklist) def.picklist = o.picklist;
  if (o.relationshipName) def.relationshipName = o.relationshipName;
  if (o.compoundParts) def.compoundParts = o.compoundParts;
  return def;
}

const readOnly: FieldOptions = { createable: false, updateable: false };
const text = (name: string, label: string, length = 255, o: FieldOptions = {}) => field(name, 'string', label, { length, ...o });
const ref = (name: string, label: string, to: string, relationshipName: string, o: FieldOptions = {}) => field(name, 'reference', label, { referenceTo: [to], relationshipName, ...o });
const picklist = (name: string, label: string, values: string[], o: FieldOptions = {}) => field(name, 'picklist', label, { picklist: values, ...o });

/** Id, owner and the audit fields every object has. */
function systemFields(owned: boolean): FieldDef[] {
  const out = [
    field('Id', 'id', 'Record ID', { nillable: false, createable: false, updateable: false, defaultedOnCreate: true, idLookup: true }),
    field('IsDeleted', 'boolean', 'Deleted', { ...readOnly, nillable: false, defaultedOnCreate: true }),
  ];
  if (owned) out.push(ref('OwnerId', 'Owner ID', 'User', 'Owner', { nillable: false, defaultedOnCreate: true }));
  out.push(
    field('CreatedDate', 'datetime', 'Created Date', { ...readOnly, nillable: false, defaultedOnCreate: true }),
    ref('CreatedById', 'Created By ID', 'User', 'CreatedBy', { ...readOnly, nillable: false, defaultedOnCreate: true }),
    field('LastModifiedDate', 'datetime', 'Last Modified Date', { ...readOnly, nillable: false, defaultedOnCreate: true }),
    ref('LastModifiedById', 'Last Modified By ID', 'User', 'LastModifiedBy', { ...readOnly, nillable: false, defaultedOnCreate: true }),
    field('SystemModstamp', 'datetime', 'System Modstamp', { ...readOnly, nillable: false, defaultedOnCreate: true }),
  );
  return out;
}

function address(prefix: string, label: string): FieldDef[] {
  return [
    field(`${prefix}Street`, 'textarea', `${label} Street`, { length: 255 }),
    text(`${prefix}City`, `${label} City`, 40),
    text(`${prefix}State`, `${label} State/Province`, 80),
    text(`${prefix}PostalCode`, `${label} Zip/Postal Code`, 20),
    text(`${prefix}Country`, `${label} Country`, 80),
    field(`${prefix}Address`, 'address', `${label} Address`, {
      ...readOnly,
      compoundParts: { street: `${prefix}Street`, city: `${prefix}City`, state: `${prefix}State`, postalCode: `${prefix}PostalCode`, country: `${prefix}Country` },
    }),
  ];
}

/** Syncwright's business key: Text 255, External ID, Unique (case-insensitive). */
const syncwrightKey = () => text('Syncwright_Key__c', 'Syncwright Key', 255, { externalId: true, unique: true });

/** The org's corporate currency: the default CurrencyIsoCode of a new record. */
export const CORPORATE_CURRENCY = 'USD';
/** Currencies active in the demo org (a multi-currency org restricts CurrencyIsoCode to its active ones). */
export const ACTIVE_CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'NZD', 'JPY', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'INR', 'SGD', 'HKD', 'CNY', 'ZAR', 'BRL', 'MXN', 'AED'];
/**
 * `CurrencyIsoCode` of a multi-currency org: on every object with money, defaulted to the corporate currency;
 * read-only on children that take their parent's currency (OpportunityLineItem).
 */
const currencyIsoCode = (o: FieldOptions = {}) => picklist('CurrencyIsoCode', 'Currency ISO Code', ACTIVE_CURRENCIES, { nillable: false, defaultedOnCreate: true, ...o });

export const OPPORTUNITY_STAGES: ReadonlyArray<{ name: string; probability: number; closed: boolean; won: boolean; forecast: string }> = [
  { name: 'Prospecting', probability: 10, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Qualification', probability: 10, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Needs Analysis', probability: 20, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Proposal/Price Quote', probability: 75, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Negotiation/Review', probability: 90, closed: false, won: false, forecast: 'Pipeline' },
  { name: 'Closed Won', probability: 100, closed: true, won: true, forecast: 'Closed' },
  { name: 'Closed Lost', probability: 0, closed: true, won: false, forecast: 'Omitted' },
];

const SYNC_STATUS = ['Pending', 'In Progress', 'Completed', 'Failed', 'Compensated', 'Needs Remediation'];
const BILLING_TYPE = ['Fixed Fee', 'Time and Materials', 'Milestone', 'Retainer', 'Non-Billable'];

interface ObjectSpec {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  owned: boolean;
  createable?: boolean;
  fields: FieldDef[];
  autoNumberPrefix?: string;
}

const specs: ObjectSpec[] = [
  {
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    keyPrefix: '005',
    owned: false,
    createable: false,
    fields: [
      text('Username', 'Username', 80, { nillable: false, unique: true, idLookup: true }),
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { nillable: false }),
      text('Name', 'Full Name', 121, { ...readOnly, nameField: true, calculated: true }),
      text('Alias', 'Alias', 8, { nillable: false }),
      field('Email', 'email', 'Email', { length: 128, nillable: false }),
      text('Title', 'Title', 80),
      field('IsActive', 'boolean', 'Active'),
      text('TimeZoneSidKey', 'Time Zone', 40, { nillable: false }),
      text('FederationIdentifier', 'SAML Federation ID', 512),
    ],
  },
  {
    name: 'Account',
    label: 'Account',
    labelPlural: 'Accounts',
    keyPrefix: '001',
    owned: true,
    fields: [
      text('Name', 'Account Name', 255, { nillable: false, nameField: true }),
      text('AccountNumber', 'Account Number', 40),
      picklist('Type', 'Account Type', ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Installation Partner', 'Technology Partner', 'Other'], { restrictedPicklist: false }),
      ref('ParentId', 'Parent Account ID', 'Account', 'Parent'),
      ...address('Billing', 'Billing'),
      ...address('Shipping', 'Shipping'),
      field('Phone', 'phone', 'Account Phone', { length: 40 }),
      field('Website', 'url', 'Website'),
      picklist('Industry', 'Industry', ['Consulting', 'Education', 'Energy', 'Finance', 'Healthcare', 'Manufacturing', 'Media', 'Retail', 'Technology', 'Other'], { restrictedPicklist: false }),
      field('AnnualRevenue', 'currency', 'Annual Revenue'),
      field('NumberOfEmployees', 'int', 'Employees', { precision: 8 }),
      field('Description', 'textarea', 'Account Description'),
      syncwrightKey(),
      text('NetSuite_Id__c', 'NetSuite Id', 255, { externalId: true }),
      text('Legal_Entity__c', 'Legal Entity'),
      text('Tax_Id__c', 'Tax Id', 50),
      field('Tax_Exempt__c', 'boolean', 'Tax Exempt'),
      text('Payment_Terms__c', 'Payment Terms', 50),
      text('Service_Line__c', 'Service Line'),
      text('Domain__c', 'Domain'),
      field('Credit_Hold__c', 'boolean', 'Credit Hold'),
      field('Credit_Limit__c', 'currency', 'Credit Limit'),
      field('Open_Balance__c', 'currency', 'Open Balance'),
      field('Last_Payment_Date__c', 'date', 'Last Payment Date'),
      text('Last_Invoice_Status__c', 'Last Invoice Status'),
      text('Sync_Status__c', 'Sync Status'),
      field('Sync_Error__c', 'textarea', 'Sync Error'),
      field('Last_Synced_At__c', 'datetime', 'Last Synced At'),
      currencyIsoCode(),
    ],
  },
  {
    name: 'Contact',
    label: 'Contact',
    labelPlural: 'Contacts',
    keyPrefix: '003',
    owned: true,
    fields: [
      ref('AccountId', 'Account ID', 'Account', 'Account'),
      picklist('Salutation', 'Salutation', ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'], { restrictedPicklist: false }),
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { nillable: false }),
      text('Name', 'Full Name', 121, { ...readOnly, nameField: true, calculated: true }),
      field('Email', 'email', 'Email', { length: 80 }),
      field('Phone', 'phone', 'Business Phone', { length: 40 }),
      field('MobilePhone', 'phone', 'Mobile Phone', { length: 40 }),
      text('Title', 'Title', 128),
      text('Department', 'Department', 80),
      ...address('Mailing', 'Mailing'),
      syncwrightKey(),
      text('NetSuite_Id__c', 'NetSuite Id'),
      field('Contact_Roles__c', 'multipicklist', 'Contact Roles', { picklist: ['Primary', 'Billing', 'Technical', 'Executive Sponsor', 'Project'] }),
      currencyIsoCode(),
    ],
  },
  {
    name: 'Opportunity',
    label: 'Opportunity',
    labelPlural: 'Opportunities',
    keyPrefix: '006',
    owned: true,
    fields: [
      ref('AccountId', 'Account ID', 'Account', 'Account'),
      text('Name', 'Name', 120, { nillable: false, nameField: true }),
      field('Description', 'textarea', 'Description'),
      picklist('StageName', 'Stage', OPPORTUNITY_STAGES.map((s) => s.name), { nillable: false }),
      field('Amount', 'currency', 'Amount'),
      field('Probability', 'percent', 'Probability (%)', { precision: 3, scale: 0, defaultedOnCreate: true }),
      field('CloseDate', 'date', 'Close Date', { nillable: false }),
      picklist('Type', 'Opportunity Type', ['Existing Customer - Upgrade', 'Existing Customer - Replacement', 'Existing Customer - Downgrade', 'New Customer'], { restrictedPicklist: false }),
      text('NextStep', 'Next Step'),
      picklist('LeadSource', 'Lead Source', ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'], { restrictedPicklist: false }),
      field('IsClosed', 'boolean', 'Closed', { ...readOnly, nillable: false, calculated: false }),
      field('IsWon', 'boolean', 'Won', { ...readOnly, nillable: false }),
      picklist('ForecastCategoryName', 'Forecast Category', ['Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed'], { defaultedOnCreate: true }),
      field('HasOpportunityLineItem', 'boolean', 'Has Line Item', { ...readOnly, nillable: false }),
      syncwrightKey(),
      picklist('Billing_Type__c', 'Billing Type', BILLING_TYPE),
      text('Service_Line__c', 'Service Line'),
      text('Legal_Entity__c', 'Legal Entity'),
      field('Contract_Start_Date__c', 'date', 'Contract Start Date'),
      field('Contract_End_Date__c', 'date', 'Contract End Date'),
      text('Payment_Terms__c', 'Payment Terms', 50),
      text('Billing_Frequency__c', 'Billing Frequency', 50),
      text('PO_Number__c', 'PO Number', 80),
      field('Project_Manager_Email__c', 'email', 'Project Manager Email', { length: 80 }),
      text('NetSuite_Customer_Id__c', 'NetSuite Customer Id'),
      text('NetSuite_Sales_Order_Id__c', 'NetSuite Sales Order Id'),
      text('PSA_Project_Id__c', 'PSA Project Id'),
      picklist('Sync_Status__c', 'Sync Status', SYNC_STATUS),
      text('Sync_Correlation_Id__c', 'Sync Correlation Id'),
      field('Sync_Error__c', 'textarea', 'Sync Error'),
      text('Invoice_Status__c', 'Invoice Status'),
      field('Amount_Invoiced__c', 'currency', 'Amount Invoiced'),
      field('Amount_Paid__c', 'currency', 'Amount Paid'),
      field('Last_Payment_Date__c', 'date', 'Last Payment Date'),
      field('Actual_Hours__c', 'double', 'Actual Hours'),
      field('Actual_Cost__c', 'currency', 'Actual Cost'),
      field('Margin_Percent__c', 'percent', 'Margin Percent'),
      field('Resource_Needs__c', 'textarea', 'Resource Needs', { length: 131072 }),
      currencyIsoCode(),
    ],
  },
  {
    name: 'OpportunityLineItem',
    label: 'Opportunity Product',
    labelPlural: 'Opportunity Product',
    keyPrefix: '00k',
    owned: false,
    fields: [
      ref('OpportunityId', 'Opportunity ID', 'Opportunity', 'Opportunity', { nillable: false, updateable: false, cascadeDelete: true }),
      text('Name', 'Opportunity Product Name', 376, { ...readOnly, nameField: true, calculated: true }),
      text('ProductCode', 'Product Code', 255),
      field('Description', 'string', 'Line Description', { length: 255 }),
      field('Quantity', 'double', 'Quantity', { nillable: false }),
      field('UnitPrice', 'currency', 'Sales Price'),
      field('Discount', 'percent', 'Discount'),
      field('TotalPrice', 'currency', 'Total Price'),
      field('ServiceDate', 'date', 'Date'),
      field('SortOrder', 'int', 'Sort Order', { precision: 9 }),
      field('Line_Number__c', 'double', 'Line Number'),
      picklist('Billing_Type__c', 'Billing Type', BILLING_TYPE),
      text('Service_Line__c', 'Service Line'),
      text('Role__c', 'Role'),
      field('Hours__c', 'double', 'Hours'),
      field('End_Date__c', 'date', 'End Date'),
      currencyIsoCode({ createable: false, updateable: false }),
    ],
  },
  {
    name: 'pse__Proj__c',
    label: 'Project',
    labelPlural: 'Projects',
    keyPrefix: 'a0P',
    owned: true,
    fields: [
      text('Name', 'Project Name', 80, { nillable: false, nameField: true }),
      ref('pse__Account__c', 'Account', 'Account', 'pse__Account__r'),
      ref('pse__Opportunity__c', 'Opportunity', 'Opportunity', 'pse__Opportunity__r'),
      ref('pse__Project_Manager__c', 'Project Manager', 'Contact', 'pse__Project_Manager__r'),
      field('pse__Start_Date__c', 'date', 'Start Date'),
      field('pse__End_Date__c', 'date', 'End Date'),
      field('pse__Is_Active__c', 'boolean', 'Active'),
      field('pse__Is_Billable__c', 'boolean', 'Billable'),
      picklist('pse__Stage__c', 'Stage', ['Draft', 'Planned', 'In Progress', 'On Hold', 'Completed', 'Canceled']),
      syncwrightKey(),
      picklist('pse__Project_Type__c', 'Project Type', ['Customer Project', 'Internal', 'Global']),
      picklist('pse__Billing_Type__c', 'Billing Type', ['Fixed Price', 'Time and Materials', 'Milestone', 'Retainer', 'Non-Billable']),
      currencyIsoCode(),
    ],
  },
  {
    name: 'pse__Milestone__c',
    label: 'Milestone',
    labelPlural: 'Milestones',
    keyPrefix: 'a0M',
    owned: false,
    fields: [
      text('Name', 'Milestone Name', 80, { nillable: false, nameField: true }),
      ref('pse__Project__c', 'Project', 'pse__Proj__c', 'pse__Project__r', { nillable: false, cascadeDelete: true }),
      field('pse__Target_Date__c', 'date', 'Target Date'),
      field('pse__Milestone_Amount__c', 'currency', 'Milestone Amount'),
      picklist('pse__Status__c', 'Status', ['Planned', 'Open', 'In Progress', 'Approved', 'Completed', 'Canceled']),
      syncwrightKey(),
      currencyIsoCode(),
    ],
  },
  {
    name: 'pse__Timecard_Header__c',
    label: 'Timecard',
    labelPlural: 'Timecards',
    keyPrefix: 'a0T',
    owned: true,
    autoNumberPrefix: 'TCH-',
    fields: [
      text('Name', 'Timecard Number', 80, { ...readOnly, nillable: false, nameField: true, autoNumber: true, defaultedOnCreate: true }),
      ref('pse__Resource__c', 'Resource', 'Contact', 'pse__Resource__r', { nillable: false }),
      ref('pse__Project__c', 'Project', 'pse__Proj__c', 'pse__Project__r'),
      field('pse__Start_Date__c', 'date', 'Start Date', { nillable: false }),
      field('pse__Monday_Hours__c', 'double', 'Monday Hours'),
      field('pse__Tuesday_Hours__c', 'double', 'Tuesday Hours'),
      field('pse__Wednesday_Hours__c', 'double', 'Wednesday Hours'),
      field('pse__Thursday_Hours__c', 'double', 'Thursday Hours'),
      field('pse__Friday_Hours__c', 'double', 'Friday Hours'),
      field('pse__Saturday_Hours__c', 'double', 'Saturday Hours'),
      field('pse__Sunday_Hours__c', 'double', 'Sunday Hours'),
      picklist('pse__Status__c', 'Status', ['Saved', 'Submitted', 'Approved', 'Rejected']),
      syncwrightKey(),
      field('pse__Billable__c', 'boolean', 'Billable'),
      currencyIsoCode(),
    ],
  },
  {
    name: 'pse__Resource_Request__c',
    label: 'Resource Request',
    labelPlural: 'Resource Requests',
    keyPrefix: 'a0R',
    owned: true,
    autoNumberPrefix: 'RR-',
    fields: [
      text('Name', 'Resource Request Name', 80, { ...readOnly, nillable: false, nameField: true, autoNumber: true, defaultedOnCreate: true }),
      ref('pse__Opportunity__c', 'Opportunity', 'Opportunity', 'pse__Opportunity__r'),
      ref('pse__Project__c', 'Project', 'pse__Proj__c', 'pse__Project__r'),
      picklist('pse__Resource_Role__c', 'Resource Role', ['Consultant', 'Senior Consultant', 'Project Manager', 'Architect', 'Developer', 'Analyst'], { restrictedPicklist: false }),
      field('pse__Start_Date__c', 'date', 'Start Date', { nillable: false }),
      field('pse__End_Date__c', 'date', 'End Date', { nillable: false }),
      picklist('pse__Status__c', 'Status', ['Draft', 'Ready to Staff', 'Tentative', 'Hold', 'Assigned', 'Cancelled']),
      syncwrightKey(),
      field('pse__SOW_Hours__c', 'double', 'SOW Hours'),
      currencyIsoCode(),
    ],
  },
];

function build(spec: ObjectSpec): SObjectDef {
  const sys = systemFields(spec.owned);
  // Id and IsDeleted first, the object's own fields, then owner and audit fields, as describe lists them.
  const fields = [...sys.slice(0, 2), ...spec.fields, ...sys.slice(2)];
  const byName = new Map<string, FieldDef>();
  const byRelationship = new Map<string, FieldDef>();
  for (const f of fields) {
    byName.set(f.name.toLowerCase(), f);
    if (f.relationshipName) byRelationship.set(f.relationshipName.toLowerCase(), f);
  }
  const createable = spec.createable ?? true;
  const def: SObjectDef = {
    name: spec.name,
    label: spec.label,
    labelPlural: spec.labelPlural,
    keyPrefix: spec.keyPrefix,
    custom: spec.name.endsWith('__c'),
    createable,
    updateable: createable,
    deletable: createable,
    fields,
    byName,
    byRelationship,
    required: fields.filter((f) => !f.nillable && f.createable && !f.defaultedOnCreate && f.type !== 'boolean'),
    uniqueFields: fields.filter((f) => f.unique),
  };
  if (spec.autoNumberPrefix) def.autoNumberPrefix = spec.autoNumberPrefix;
  return def;
}

export class OrgSchema {
  readonly objects: SObjectDef[] = specs.map(build);
  private readonly byLowerName = new Map(this.objects.map((o) => [o.name.toLowerCase(), o]));
  private readonly byPrefix = new Map(this.objects.map((o) => [o.keyPrefix, o]));

  /** An sObject by name, case-insensitively. */
  get(name: string): SObjectDef | undefined {
    return this.byLowerName.get(name.toLowerCase());
  }
  byKeyPrefix(prefix: string): SObjectDef | undefined {
    return this.byPrefix.get(prefix);
  }
}

function soapType(f: FieldDef): string {
  switch (f.type) {
    case 'id':
    case 'reference':
      return 'tns:ID';
    case 'boolean':
      return 'xsd:boolean';
    case 'double':
    case 'currency':
    case 'percent':
      return 'xsd:double';
    case 'int':
      return 'xsd:int';
    case 'date':
      return 'xsd:date';
    case 'datetime':
      return 'xsd:dateTime';
    case 'address':
      return 'urn:address';
    default:
      return 'xsd:string';
  }
}

const TEXTUAL: ReadonlySet<FieldType> = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'id', 'reference']);

/** A field as `GET /sobjects/{SObject}/describe` lists it. */
export function describeField(f: FieldDef): Record<string, unknown> {
  const textual = TEXTUAL.has(f.type);
  return {
    aggregatable: f.type !== 'textarea' && f.type !== 'address' && f.type !== 'multipicklist',
    autoNumber: f.autoNumber,
    byteLength: textual ? f.length * 3 : 0,
    calculated: f.calculated,
    cascadeDelete: f.cascadeDelete,
    caseSensitive: false,
    createable: f.createable,
    custom: f.custom,
    defaultValue: null,
    defaultedOnCreate: f.defaultedOnCreate,
    deprecatedAndHidden: false,
    digits: f.type === 'int' ? f.precision : 0,
    externalId: f.externalId,
    filterable: f.type !== 'textarea' && f.type !== 'address',
    groupable: f.type !== 'textarea' && f.type !== 'address' && f.type !== 'double' && f.type !== 'currency' && f.type !== 'percent' && f.type !== 'datetime',
    idLookup: f.idLookup,
    label: f.label,
    length: textual ? f.length : 0,
    name: f.name,
    nameField: f.nameField,
    nillable: f.nillable,
    picklistValues: (f.picklist ?? []).map((value) => ({ active: true, defaultValue: false, label: value, validFor: null, value })),
    precision: f.type === 'int' ? 0 : f.precision,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName ?? null,
    restrictedPicklist: f.restrictedPicklist,
    scale: f.scale,
    soapType: soapType(f),
    sortable: f.type !== 'textarea' && f.type !== 'address' && f.type !== 'multipicklist',
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
  };
}

export function objectUrls(def: SObjectDef, version: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

/** An object as `GET /sobjects` lists it (describeGlobal). */
export function describeGlobalEntry(def: SObjectDef, version: string): Record<string, unknown> {
  return {
    activateable: false,
    createable: def.createable,
    custom: def.custom,
    customSetting: false,
    deletable: def.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isSubtype: false,
    keyPrefix: def.keyPrefix,
    label: def.label,
    labelPlural: def.labelPlural,
    layoutable: true,
    mergeable: def.name === 'Account' || def.name === 'Contact',
    mruEnabled: true,
    name: def.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: def.deletable,
    updateable: def.updateable,
    urls: objectUrls(def, version),
  };
}

export function describeObject(def: SObjectDef, version: string, schema: OrgSchema): Record<string, unknown> {
  const childRelationships: Array<Record<string, unknown>> = [];
  for (const child of schema.objects) {
    for (const f of child.fields) {
      if (f.type === 'reference' && f.referenceTo.includes(def.name) && f.relationshipName && !['CreatedById', 'LastModifiedById', 'OwnerId'].includes(f.name)) {
        childRelationships.push({ cascadeDelete: f.cascadeDelete, childSObject: child.name, deprecatedAndHidden: false, field: f.name, relationshipName: null });
      }
    }
  }
  return {
    ...describeGlobalEntry(def, version),
    childRelationships,
    fields: def.fields.map(describeField),
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [],
    supportedScopes: [{ label: 'All', name: 'everything' }],
    urls: { ...objectUrls(def, version), compactLayouts: `/services/data/v${version}/sobjects/${def.name}/describe/compactLayouts` },
  };
}
