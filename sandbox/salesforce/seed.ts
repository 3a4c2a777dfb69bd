// Demo data for the Salesforce sandbox: a small professional-services org. Loading it twice changes nothing,
// and with the same clock it always gets the same Ids and timestamps.
import type { SalesforceAdapter } from './adapter.js';
import type { FieldDef, SObjectDef } from './schema.js';

export function seedDemoOrg(org: SalesforceAdapter): void {
  const def = (name: string) => org.schema.get(name) as SObjectDef;
  const account = def('Account');
  if (org.store.findBy(account, account.byName.get('syncwright_key__c') as FieldDef, 'acct:ACME').length > 0) return;
  const integrationUser = org.userIdOf('integration@syncwright.demo') ?? org.ensureUser('integration@syncwright.demo', 'Integration', 'User');
  const salesRep = org.ensureUser('sales@syncwright.demo', 'Sam', 'Rivera', 'Account Executive');
  org.ensureUser('pm@syncwright.demo', 'Priya', 'Shah', 'Project Manager');
  const add = (type: string, fields: Record<string, unknown>) => org.store.seedRecord(def(type), fields, integrationUser);

  const acme = add('Account', {
    Name: 'Acme Corporation', Syncwright_Key__c: 'acct:ACME', Type: 'Customer - Direct', Industry: 'Technology', OwnerId: salesRep,
    BillingStreet: '100 Market Street', BillingCity: 'San Francisco', BillingState: 'CA', BillingPostalCode: '94105', BillingCountry: 'United States',
    Phone: '+1 415 555 0100', Website: 'https://acme.example', Legal_Entity__c: 'US01', Tax_Id__c: '94-1234567', Payment_Terms__c: 'Net 30',
    Service_Line__c: 'Consulting', Domain__c: 'acme.example', Credit_Limit__c: 250000,
  });
  const globex = add('Account', {
    Name: 'Globex Ltd', Syncwright_Key__c: 'acct:GLOBEX', Type: 'Customer - Direct', Industry: 'Finance', OwnerId: salesRep,
    BillingStreet: '1 King Street', BillingCity: 'London', BillingPostalCode: 'EC2V 8AU', BillingCountry: 'United Kingdom',
    Phone: '+44 20 7946 0100', Website: 'https://globex.example', Legal_Entity__c: 'UK01', Tax_Id__c: 'GB123456789', Payment_Terms__c: 'Net 45',
    Service_Line__c: 'Data & Analytics', Domain__c: 'globex.example', Credit_Limit__c: 150000,
  });
  const initech = add('Account', {
    Name: 'Initech Inc', Syncwright_Key__c: 'acct:INITECH', Type: 'Prospect', Industry: 'Technology', OwnerId: salesRep,
    BillingStreet: '4120 Freidrich Lane', BillingCity: 'Austin', BillingState: 'TX', BillingPostalCode: '78744', BillingCountry: 'United States',
    Legal_Entity__c: 'US01', Payment_Terms__c: 'Net 30', Service_Line__c: 'Security', Domain__c: 'initech.example',
  });
  const umbrella = add('Account', {
    Name: 'Umbrella plc', Syncwright_Key__c: 'acct:UMBRELLA', Type: 'Customer - Channel', Industry: 'Healthcare', OwnerId: salesRep,
    BillingStreet: '22 Deansgate', BillingCity: 'Manchester', BillingPostalCode: 'M3 2BW', BillingCountry: 'United Kingdom',
    Legal_Entity__c: 'UK01', Payment_Terms__c: 'Net 30', Service_Line__c: 'Cloud', Domain__c: 'umbrella.example', Credit_Hold__c: true, Open_Balance__c: 18250,
  });

  add('Contact', { AccountId: acme, FirstName: 'Alice', LastName: 'Ng', Email: 'alice.ng@acme.example', Title: 'CFO', Syncwright_Key__c: 'contact:alice.ng@acme.example', Contact_Roles__c: 'Primary;Billing' });
  add('Contact', { AccountId: acme, FirstName: 'Bob', LastName: 'Ortiz', Email: 'bob.ortiz@acme.example', Title: 'IT Director', Syncwright_Key__c: 'contact:bob.ortiz@acme.example', Contact_Roles__c: 'Technical' });
  add('Contact', { AccountId: globex, FirstName: 'Carol', LastName: 'Smith', Email: 'carol.smith@globex.example', Title: 'COO', Syncwright_Key__c: 'contact:carol.smith@globex.example', Contact_Roles__c: 'Primary;Executive Sponsor' });
  add('Contact', { AccountId: initech, FirstName: 'Dan', LastName: 'Brown', Email: 'dan.brown@initech.example', Title: 'Controller', Syncwright_Key__c: 'contact:dan.brown@initech.example', Contact_Roles__c: 'Billing' });
  add('Contact', { AccountId: umbrella, FirstName: 'Erin', LastName: 'Walsh', Email: 'erin.walsh@umbrella.example', Syncwright_Key__c: 'contact:erin.walsh@umbrella.example', Contact_Roles__c: 'Primary' });
  // Certinia resources are contacts: the firm's own people.
  const priya = add('Contact', { FirstName: 'Priya', LastName: 'Shah', Email: 'pm@syncwright.demo', Title: 'Project Manager', Syncwright_Key__c: 'resource:pm@syncwright.demo', Contact_Roles__c: 'Project' });
  const riley = add('Contact', { FirstName: 'Riley', LastName: 'Chen', Email: 'riley.chen@syncwright.demo', Title: 'Senior Consultant', Syncwright_Key__c: 'resource:riley.chen@syncwright.demo', Contact_Roles__c: 'Project' });

  const opp = (fields: Record<string, unknown>) => add('Opportunity', { OwnerId: salesRep, ...fields });
  const erp = opp({
    Name: 'Acme ERP rollout', AccountId: acme, Syncwright_Key__c: 'opp:ACME-ERP-2026', StageName: 'Closed Won', CloseDate: '2025-12-15', Type: 'New Customer',
    Billing_Type__c: 'Fixed Fee', Service_Line__c: 'Consulting', Legal_Entity__c: 'US01', Contract_Start_Date__c: '2026-01-05', Contract_End_Date__c: '2026-06-30',
    Payment_Terms__c: 'Net 30', Billing_Frequency__c: 'On Milestone', PO_Number__c: 'PO-77120', Project_Manager_Email__c: 'pm@syncwright.demo', Sync_Status__c: 'Pending',
    Resource_Needs__c: JSON.stringify([{ role: 'Solution Architect', hours: 120 }, { role: 'Consultant', hours: 400 }]),
  });
  const support = opp({ Name: 'Acme support retainer', AccountId: acme, Syncwright_Key__c: 'opp:ACME-SUPPORT-2026', StageName: 'Negotiation/Review', CloseDate: '2026-02-28', Type: 'Existing Customer - Upgrade', Billing_Type__c: 'Retainer', Service_Line__c: 'Managed Services', Legal_Entity__c: 'US01' });
  const data = opp({ Name: 'Globex data platform', AccountId: globex, Syncwright_Key__c: 'opp:GLOBEX-DATA-2026', StageName: 'Proposal/Price Quote', CloseDate: '2026-03-31', Type: 'New Customer', Billing_Type__c: 'Time and Materials', Service_Line__c: 'Data & Analytics', Legal_Entity__c: 'UK01' });
  opp({ Name: 'Initech security audit', AccountId: initech, Syncwright_Key__c: 'opp:INITECH-AUDIT-2026', StageName: 'Qualification', CloseDate: '2026-04-30', Amount: 48000, Billing_Type__c: 'Milestone', Service_Line__c: 'Security', Legal_Entity__c: 'US01' });
  opp({ Name: 'Umbrella cloud migration', AccountId: umbrella, Syncwright_Key__c: 'opp:UMBRELLA-MIGRATION-2025', StageName: 'Closed Lost', CloseDate: '2025-11-20', Amount: 310000, Billing_Type__c: 'Fixed Fee', Service_Line__c: 'Cloud', Legal_Entity__c: 'UK01' });
  opp({ Name: 'Globex analyst training', AccountId: globex, Syncwright_Key__c: 'opp:GLOBEX-TRAINING-2026', StageName: 'Prospecting', CloseDate: '2026-05-15', Amount: 12000, Billing_Type__c: 'Time and Materials', Service_Line__c: 'Training', Legal_Entity__c: 'UK01' });

  const line = (opportunity: string, n: number, fields: Record<string, unknown>) => add('OpportunityLineItem', { OpportunityId: opportunity, Line_Number__c: n, SortOrder: n, ...fields });
  line(erp, 1, { ProductCode: 'SVC-ARCH', Description: 'Solution architecture', Quantity: 120, UnitPrice: 200, Role__c: 'Solution Architect', Hours__c: 120, Billing_Type__c: 'Fixed Fee', Service_Line__c: 'Consulting', ServiceDate: '2026-01-05', End_Date__c: '2026-06-30' });
  line(erp, 2, { ProductCode: 'SVC-CONS', Description: 'Implementation consulting', Quantity: 400, UnitPrice: 150, Role__c: 'Consultant', Hours__c: 400, Billing_Type__c: 'Fixed Fee', Service_Line__c: 'Consulting', ServiceDate: '2026-01-05', End_Date__c: '2026-06-30' });
  line(erp, 3, { ProductCode: 'SVC-PM', Description: 'Project management', Quantity: 80, UnitPrice: 175, Role__c: 'Project Manager', Hours__c: 80, Billing_Type__c: 'Fixed Fee', Service_Line__c: 'Consulting', ServiceDate: '2026-01-05', End_Date__c: '2026-06-30' });
  line(support, 1, { ProductCode: 'SVC-RET', Description: 'Monthly support retainer', Quantity: 12, UnitPrice: 5000, Role__c: 'Support Engineer', Billing_Type__c: 'Retainer', Service_Line__c: 'Managed Services', ServiceDate: '2026-03-01', End_Date__c: '2027-02-28' });
  line(data, 1, { ProductCode: 'SVC-DENG', Description: 'Data engineering', Quantity: 600, UnitPrice: 140, Role__c: 'Data Engineer', Hours__c: 600, Billing_Type__c: 'Time and Materials', Service_Line__c: 'Data & Analytics', ServiceDate: '2026-04-01', End_Date__c: '2026-09-30' });
  line(data, 2, { ProductCode: 'SVC-ARCH', Description: 'Data architecture', Quantity: 80, UnitPrice: 210, Role__c: 'Solution Architect', Hours__c: 80, Billing_Type__c: 'Time and Materials', Service_Line__c: 'Data & Analytics', ServiceDate: '2026-04-01', End_Date__c: '2026-09-30' });

  const erpProject = add('pse__Proj__c', {
    Name: 'Acme ERP rollout', Syncwright_Key__c: 'proj:ACME-ERP-2026', pse__Account__c: acme, pse__Opportunity__c: erp, pse__Project_Manager__c: priya,
    pse__Start_Date__c: '2026-01-05', pse__End_Date__c: '2026-06-30', pse__Is_Active__c: true, pse__Is_Billable__c: true, pse__Stage__c: 'In Progress',
    pse__Project_Type__c: 'Customer Project', pse__Billing_Type__c: 'Fixed Price',
  });
  const discovery = add('pse__Proj__c', {
    Name: 'Globex data platform discovery', Syncwright_Key__c: 'proj:GLOBEX-DISCOVERY-2026', pse__Account__c: globex, pse__Opportunity__c: data, pse__Project_Manager__c: priya,
    pse__Start_Date__c: '2026-02-02', pse__End_Date__c: '2026-03-27', pse__Is_Active__c: true, pse__Is_Billable__c: false, pse__Stage__c: 'Planned',
    pse__Project_Type__c: 'Customer Project', pse__Billing_Type__c: 'Non-Billable',
  });
  add('pse__Milestone__c', { Name: 'Design sign-off', Syncwright_Key__c: 'ms:ACME-ERP-2026:DESIGN', pse__Project__c: erpProject, pse__Target_Date__c: '2026-02-27', pse__Milestone_Amount__c: 40000, pse__Status__c: 'Open' });
  add('pse__Milestone__c', { Name: 'Go-live', Syncwright_Key__c: 'ms:ACME-ERP-2026:GOLIVE', pse__Project__c: erpProject, pse__Target_Date__c: '2026-06-30', pse__Milestone_Amount__c: 58000, pse__Status__c: 'Planned' });
  add('pse__Timecard_Header__c', {
    Syncwright_Key__c: 'tc:2026-01-05:resource%3Ariley.chen%40syncwright.demo:proj%3AACME-ERP-2026', pse__Resource__c: riley, pse__Project__c: erpProject, pse__Start_Date__c: '2026-01-05',
    pse__Monday_Hours__c: 8, pse__Tuesday_Hours__c: 8, pse__Wednesday_Hours__c: 7.5, pse__Thursday_Hours__c: 8, pse__Friday_Hours__c: 6, pse__Saturday_Hours__c: 0, pse__Sunday_Hours__c: 0,
    pse__Status__c: 'Submitted', pse__Billable__c: true,
  });
  add('pse__Resource_Request__c', { Syncwright_Key__c: 'rr:GLOBEX-DATA-2026:DENG', pse__Opportunity__c: data, pse__Project__c: discovery, pse__Resource_Role__c: 'Consultant', pse__Start_Date__c: '2026-04-01', pse__End_Date__c: '2026-09-30', pse__Status__c: 'Draft', pse__SOW_Hours__c: 600 });
}
