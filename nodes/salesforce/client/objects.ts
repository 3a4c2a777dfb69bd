// The sObjects Syncwright maps (Salesforce's and Certinia PSA's, which live in the same org) and the fields a
// canonical read selects: exactly what the mappings in canonical/mappings/salesforce read back.

/** Certinia PSA objects by what they hold. */
export const CERTINIA_OBJECTS = {
  project: 'pse__Proj__c',
  milestone: 'pse__Milestone__c',
  timecard: 'pse__Timecard_Header__c',
  resourceRequest: 'pse__Resource_Request__c',
} as const;

/** Every sObject with a canonical mapping. */
export const MAPPED_OBJECTS = ['Account', 'Contact', 'Opportunity', ...Object.values(CERTINIA_OBJECTS)] as const;
export type MappedObject = (typeof MAPPED_OBJECTS)[number];

export function isMappedObject(name: string): name is MappedObject {
  return (MAPPED_OBJECTS as readonly string[]).includes(name);
}

const address = (prefix: string) => ['Street', 'City', 'State', 'PostalCode', 'Country'].map((p) => `${prefix}${p}`);
const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'].map((d) => `pse__${d}_Hours__c`);

const READ_FIELDS: Record<MappedObject, readonly string[]> = {
  Account: ['Name', 'Type', 'ParentId', 'Parent.Syncwright_Key__c', ...address('Billing'), ...address('Shipping'), 'Website', 'Industry', 'NetSuite_Id__c', 'Legal_Entity__c', 'Tax_Id__c', 'Tax_Exempt__c', 'Payment_Terms__c', 'Service_Line__c', 'Domain__c', 'Credit_Hold__c', 'Credit_Limit__c'],
  Contact: ['LastName', 'FirstName', 'Email', 'Phone', 'Title', 'AccountId', 'Account.Syncwright_Key__c', ...address('Mailing'), 'Contact_Roles__c', 'NetSuite_Id__c'],
  Opportunity: [
    'Name', 'AccountId', 'Account.Syncwright_Key__c', 'StageName', 'CloseDate', 'IsWon', 'IsClosed', 'Amount', 'Probability', 'Type', 'Description', 'Billing_Type__c',
    'Service_Line__c', 'Legal_Entity__c', 'Contract_Start_Date__c', 'Contract_End_Date__c', 'Payment_Terms__c', 'Billing_Frequency__c', 'PO_Number__c',
    'Project_Manager_Email__c', 'Resource_Needs__c', 'NetSuite_Customer_Id__c', 'NetSuite_Sales_Order_Id__c', 'SystemModstamp',
  ],
  pse__Proj__c: ['Name', 'pse__Account__c', 'pse__Account__r.Syncwright_Key__c', 'pse__Opportunity__c', 'pse__Opportunity__r.Syncwright_Key__c', 'pse__Project_Manager__c', 'pse__Start_Date__c', 'pse__End_Date__c', 'pse__Is_Active__c', 'pse__Is_Billable__c', 'pse__Stage__c', 'pse__Billing_Type__c'],
  pse__Milestone__c: ['Name', 'pse__Project__c', 'pse__Project__r.Syncwright_Key__c', 'pse__Target_Date__c', 'pse__Milestone_Amount__c', 'pse__Status__c'],
  pse__Timecard_Header__c: ['pse__Resource__c', 'pse__Resource__r.Syncwright_Key__c', 'pse__Project__c', 'pse__Project__r.Syncwright_Key__c', 'pse__Start_Date__c', 'pse__Status__c', 'pse__Billable__c', ...days],
  pse__Resource_Request__c: ['pse__Opportunity__c', 'pse__Opportunity__r.Syncwright_Key__c', 'pse__Project__c', 'pse__Project__r.Syncwright_Key__c', 'pse__Resource_Role__c', 'pse__Start_Date__c', 'pse__End_Date__c', 'pse__Status__c', 'pse__SOW_Hours__c'],
};

/** Fields of an OpportunityLineItem the Opportunity mapping reads (`Discount` too, when the org has it). */
export const LINE_ITEM_FIELDS = ['Id', 'OpportunityId', 'Quantity', 'UnitPrice', 'TotalPrice', 'Discount', 'Description', 'ServiceDate', 'ProductCode', 'Name', 'Line_Number__c', 'Billing_Type__c', 'Service_Line__c', 'Role__c', 'Hours__c', 'End_Date__c'] as const;

/** The SELECT list of a canonical read: Id, the key, the currency (multi-currency orgs) and the mapped fields. */
export function readFields(sobject: MappedObject, multiCurrency: boolean): string[] {
  return ['Id', 'Syncwright_Key__c', ...(multiCurrency ? ['CurrencyIsoCode'] : []), ...READ_FIELDS[sobject]];
}
