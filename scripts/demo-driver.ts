// The demo driver of `npm start`: closes an opportunity in the Salesforce sandbox every few seconds, as sales
// people would, and now and then injects a fault at a sandbox (an outage, a throttle storm, a lost response,
// a billing failure) so retries, the dead-letter queue and compensation are seen at work.
import type { Sandboxes } from '../sandbox/all.js';

export interface DemoDriverOptions {
  intervalMs: number;
  faults: boolean;
  log: (line: string) => void;
  random?: () => number;
}

interface Sfdc {
  post(path: string, body: unknown): Promise<{ id: string }>;
  patch(path: string, body: unknown): Promise<void>;
}

function salesforceApi(sb: Sandboxes): Sfdc {
  const base = sb.salesforce.apiBase();
  const headers = () => ({ authorization: `Bearer ${sb.salesforce.issueToken().token}`, 'content-type': 'application/json' });
  return {
    async post(path, body) {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: headers(), body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`Salesforce sandbox answered ${res.status} to POST ${path}: ${await res.text()}`);
      return (await res.json()) as { id: string };
    },
    async patch(path, body) {
      const res = await fetch(`${base}${path}`, { method: 'PATCH', headers: headers(), body: JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`Salesforce sandbox answered ${res.status} to PATCH ${path}: ${await res.text()}`);
    },
  };
}

const COMPANIES = ['Northwind Traders', 'Contoso Pharma', 'Fabrikam Energy', 'Tailspin Air', 'Wide World Importers', 'Adventure Works', 'Litware Labs', 'Proseware Health', 'Woodgrove Bank', 'Alpine Ski House'];
const SERVICES: Array<[line: string, billing: string, amount: number]> = [
  ['Implementation', 'Milestone', 120_000],
  ['Advisory', 'Time and Materials', 45_000],
  ['Managed Services', 'Fixed Fee', 60_000],
];

export class DemoDriver {
  private timer: NodeJS.Timeout | undefined;
  private n = 0;
  private readonly random: () => number;
  private readonly api: Sfdc;
  constructor(
    private readonly sb: Sandboxes,
    private readonly options: DemoDriverOptions,
  ) {
    this.random = options.random ?? Math.random;
    this.api = salesforceApi(sb);
  }

  start(): void {
    const tick = () => {
      this.closeOne()
        .catch((err: unknown) => this.options.log(`demo: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          this.timer = setTimeout(tick, this.options.intervalMs);
          this.timer.unref?.();
        });
    };
    this.timer = setTimeout(tick, Math.min(this.options.intervalMs, 3000));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Creates an account and an opportunity, then closes it as won. */
  async closeOne(): Promise<string> {
    this.n += 1;
    const company = `${COMPANIES[(this.n - 1) % COMPANIES.length]}${this.n > COMPANIES.length ? ` ${Math.ceil(this.n / COMPANIES.length)}` : ''}`;
    const slug = company.toUpperCase().replace(/[^A-Z0-9]+/g, '-');
    const [line, billing, amount] = SERVICES[this.n % SERVICES.length];
    const entity = this.n % 4 === 0 ? 'UK01' : 'US01';
    const account = await this.api.post('/sobjects/Account', {
      Name: company,
      Syncwright_Key__c: `acct:${slug}`,
      Legal_Entity__c: entity,
      BillingCity: entity === 'UK01' ? 'London' : 'Chicago',
      BillingCountry: entity === 'UK01' ? 'GB' : 'US',
      CurrencyIsoCode: entity === 'UK01' ? 'GBP' : 'USD',
    });
    const start = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
    const end = new Date(Date.now() + 120 * 86_400_000).toISOString().slice(0, 10);
    const opp = await this.api.post('/sobjects/Opportunity', {
      Name: `${company} ${line}`,
      AccountId: account.id,
      Syncwright_Key__c: `opp:${slug}-${this.n}`,
      StageName: 'Negotiation/Review',
      CloseDate: new Date().toISOString().slice(0, 10),
      Amount: amount,
      CurrencyIsoCode: entity === 'UK01' ? 'GBP' : 'USD',
      Billing_Type__c: billing,
      Service_Line__c: line,
      Legal_Entity__c: entity,
      Contract_Start_Date__c: start,
      Contract_End_Date__c: end,
      Payment_Terms__c: 'NET30',
      Project_Manager_Email__c: 'jane.doe@syncwright.example',
      // Every other deal asks for people: template 5 turns these into PSA resource requests on its project.
      ...(this.n % 2 === 1 ? { Resource_Needs__c: JSON.stringify([{ role: 'Consultant', hours: 160 }, { role: 'Solution Architect', hours: 40 }]) } : {}),
    });
    if (this.options.faults && this.n % 5 === 0) this.injectFault();
    await this.api.patch(`/sobjects/Opportunity/${opp.id}`, { StageName: 'Closed Won' });
    this.options.log(`demo: ${company} — "${line}" closed as won (${entity}, Opportunity ${opp.id})`);
    return opp.id;
  }

  private injectFault(): void {
    const pick = Math.floor(this.random() * 4);
    const now = Date.now();
    if (pick === 0) {
      this.sb.netsuite.server.addFault({ kind: 'maintenance', from: now, until: now + 8000 });
      this.options.log('demo: fault — NetSuite answers 503 (maintenance) for 8 s: deliveries wait and retry');
    } else if (pick === 1) {
      this.sb.kantata.server.addFault({ kind: 'status', status: 429, count: 6 });
      this.options.log('demo: fault — Kantata throttles the next 6 requests (429): the target pauses, nothing fails');
    } else if (pick === 2) {
      this.sb.kantata.server.addFault({ kind: 'lost-after-commit', method: 'POST', count: 1 });
      this.options.log('demo: fault — Kantata applies the next create but the response is lost: the retry creates nothing twice');
    } else {
      this.sb.netsuite.server.addFault({ kind: 'status', status: 400, path: 'projectTask', method: 'PUT', count: 8 });
      this.options.log('demo: fault — NetSuite refuses billing milestones: the saga compensates the project and tells the CRM');
    }
  }
}
