// A project's delivery figures from its approved time and expenses: hours, billable share, cost, revenue and margin.
// Each entry is one contribution keyed by its business key, so an entry read again replaces itself and is never
// counted twice. Plain TypeScript (no Node-RED); money in exact decimal strings.
import { validateCanonical } from '../../canonical/validate.js';
import { addDecimals, currencyDigits, multiplyDecimals, numberToDecimalString, roundDecimal, subtractDecimals } from '../../canonical/mappings/index.js';

/** What one approved entry adds to its project. */
export interface Contribution {
  kind: 'time' | 'expense';
  hours: number;
  billableHours: number;
  /** Decimal strings in `currency`. */
  cost: string;
  revenue: string;
  currency?: string;
  /** A time entry without a cost rate adds hours but no cost. */
  noCostRate?: true;
}

/** The project an entry belongs to, as the systems name it. */
export interface ProjectRef {
  businessKey?: string;
  externalIds: Record<string, string>;
}

export interface Parsed {
  projectKey: string;
  /** The project's other keys (projectKeysOf): where an earlier reading of the entry may have counted. */
  earlierKeys: string[];
  entryKey: string;
  project: ProjectRef;
  contribution: Contribution;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The key entries of one project meet under: the PSA project's id (the PSA's time and the ERP's expenses both
 * carry it), else the project's business key, else its NetSuite id.
 */
export function projectKeyOf(ref: ProjectRef): string | undefined {
  return projectKeysOf(ref)[0];
}

/**
 * Every key the project could be known by, the one entries meet under first. Ids are added to a project over time
 * (its PSA id after it was first read): an entry counted under a later key was counted under its project's
 * earlier one, never under another project's.
 */
export function projectKeysOf(ref: ProjectRef): string[] {
  const ids = ref.externalIds;
  const keys: string[] = [];
  if (ids['kantata'] !== undefined) keys.push(`kantata:${ids['kantata']}`);
  if (ids['certinia'] !== undefined) keys.push(`certinia:${ids['certinia']}`);
  if (ref.businessKey !== undefined) keys.push(ref.businessKey);
  if (ids['netsuite'] !== undefined) keys.push(`netsuite:${ids['netsuite']}`);
  return keys;
}

/** The project a key names (the inverse of projectKeyOf), for a project known only by its key. */
export function projectRefOfKey(projectKey: string): ProjectRef {
  const m = /^(kantata|certinia|netsuite):(.+)$/.exec(projectKey);
  return m ? { externalIds: { [m[1]]: m[2] } } : { businessKey: projectKey, externalIds: {} };
}

function projectRefOf(v: unknown): ProjectRef {
  const r = isRecord(v) ? v : {};
  const ids = isRecord(r['externalIds']) ? r['externalIds'] : {};
  const externalIds = Object.fromEntries(Object.entries(ids).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { ...(typeof r['businessKey'] === 'string' ? { businessKey: r['businessKey'] } : {}), externalIds };
}

const hoursText = (h: number): string => numberToDecimalString(Math.round(h * 1e6) / 1e6);

/**
 * An approved canonical TimeEntry or Expense as a contribution, or why it does not count: not valid canonical
 * data, not approved (with the entry's key and its project's keys, so an earlier contribution is taken back), no
 * project. Time costs hours × cost rate and earns billable hours × bill rate; an expense
 * costs its amount and, when billable, earns it back (rebilled at cost).
 */
export function parseEntry(entry: unknown): Parsed | { skip: string; retract?: { entryKey: string; projectKeys: string[] } } {
  const isTime = isRecord(entry) && 'hours' in entry;
  const schema = isTime ? 'syncwright/time-entry@1' : 'syncwright/expense@1';
  const checked = validateCanonical(schema, entry);
  if (!checked.ok) return { skip: `not a canonical ${isTime ? 'time entry' : 'expense'}: ${checked.errors[0]?.path ?? ''} ${checked.errors[0]?.message ?? ''}` };
  const value = checked.value as Record<string, unknown>;
  const key = String(value['businessKey']);
  const approved = value['status'] === 'approved' || (!isTime && value['status'] === 'reimbursed');
  const project = projectRefOf(value['project']);
  const projectKeys = projectKeysOf(project);
  const projectKey = projectKeys[0];
  if (projectKey === undefined) return { skip: `${key} names no project` };
  // A valid entry that does not count (any more): whatever it added to its project before is taken back.
  if (!approved) return { skip: `${key} is ${String(value['status'])}, not approved`, retract: { entryKey: key, projectKeys } };
  let contribution: Contribution;
  if (isTime) {
    const hours = Number(value['hours']);
    const billable = value['billable'] !== false;
    const costRate = isRecord(value['costRate']) ? value['costRate'] : undefined;
    const billRate = isRecord(value['billRate']) ? value['billRate'] : undefined;
    const currency = (costRate?.['currency'] ?? billRate?.['currency']) as string | undefined;
    if (costRate !== undefined && billRate !== undefined && costRate['currency'] !== billRate['currency']) return { skip: `${key} has its cost and bill rates in two currencies` };
    contribution = {
      kind: 'time',
      hours,
      billableHours: billable ? hours : 0,
      cost: costRate === undefined ? '0' : multiplyDecimals(hoursText(hours), String(costRate['amount'])),
      revenue: billable && billRate !== undefined ? multiplyDecimals(hoursText(hours), String(billRate['amount'])) : '0',
      ...(currency !== undefined ? { currency } : {}),
      ...(costRate === undefined ? { noCostRate: true as const } : {}),
    };
  } else {
    const amount = value['amount'] as { amount: string; currency: string };
    contribution = { kind: 'expense', hours: 0, billableHours: 0, cost: amount.amount, revenue: value['billable'] !== false ? amount.amount : '0', currency: amount.currency };
  }
  return { projectKey, earlierKeys: projectKeys.slice(1), entryKey: key, project, contribution };
}

export interface Totals {
  hours: number;
  billableHours: number;
  cost: string;
  revenue: string;
  currency?: string;
  timeEntries: number;
  expenses: number;
  /** Time entries that had no cost rate (their hours cost nothing here). */
  withoutCostRate: number;
}

/** A project's totals over its contributions; a project in two currencies cannot be added up. */
export function totalsOf(contributions: Iterable<Contribution>): Totals | { currencies: string[] } {
  const t: Totals = { hours: 0, billableHours: 0, cost: '0', revenue: '0', timeEntries: 0, expenses: 0, withoutCostRate: 0 };
  const currencies = new Set<string>();
  for (const c of contributions) {
    t.hours += c.hours;
    t.billableHours += c.billableHours;
    t.cost = addDecimals(t.cost, c.cost);
    t.revenue = addDecimals(t.revenue, c.revenue);
    if (c.currency !== undefined) currencies.add(c.currency);
    if (c.kind === 'time') t.timeEntries += 1;
    else t.expenses += 1;
    if (c.noCostRate) t.withoutCostRate += 1;
  }
  if (currencies.size > 1) return { currencies: [...currencies].sort() };
  const [currency] = currencies;
  t.hours = Math.round(t.hours * 100) / 100;
  t.billableHours = Math.round(t.billableHours * 100) / 100;
  return currency === undefined ? t : { ...t, currency };
}

export interface DeliveryFigures {
  hours: number;
  billableHours: number;
  /** Billable hours as a percentage of all hours (0 without hours). */
  billablePercent: number;
  cost: string;
  revenue: string;
  /** (revenue − cost) / revenue × 100; without revenue: 0 without cost, −100 with cost. */
  marginPercent: number;
  currency?: string;
}

export function figuresOf(t: Totals): DeliveryFigures {
  const digits = t.currency === undefined ? 2 : currencyDigits(t.currency);
  const cost = roundDecimal(t.cost, digits);
  const revenue = roundDecimal(t.revenue, digits);
  const rev = Number(t.revenue);
  const margin = rev > 0 ? (Number(subtractDecimals(t.revenue, t.cost)) / rev) * 100 : Number(t.cost) > 0 ? -100 : 0;
  return {
    hours: t.hours,
    billableHours: t.billableHours,
    billablePercent: t.hours > 0 ? Math.round((t.billableHours / t.hours) * 1000) / 10 : 0,
    cost,
    revenue,
    // Salesforce's percent field and write-delivery-metrics hold −1000 … 100.
    marginPercent: Math.max(-1000, Math.min(100, Math.round(margin * 100) / 100)),
    ...(t.currency !== undefined ? { currency: t.currency } : {}),
  };
}

/** The project reference with every id the systems gave for it. */
export function mergeProject(a: ProjectRef | undefined, b: ProjectRef): ProjectRef {
  if (a === undefined) return b;
  const businessKey = a.businessKey ?? b.businessKey;
  return { ...(businessKey !== undefined ? { businessKey } : {}), externalIds: { ...b.externalIds, ...a.externalIds } };
}
