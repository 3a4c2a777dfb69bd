// Exact conversions between canonical decimal strings and what vendors hold: JSON numbers (Salesforce,
// NetSuite), integer minor units (Kantata `*_in_cents`), minutes and "H:MM" durations. BigInt and string
// arithmetic only, so no float ever rounds money; a value the target cannot hold exactly is refused.
import type { Scope } from './errors.js';

/** A decimal as an integer of units and a scale: `12.50` is `{units: 1250n, scale: 2}`. */
interface Scaled {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function parse(value: string): Scaled | undefined {
  const m = DECIMAL.exec(value.trim());
  if (m === null) return undefined;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const units = BigInt(`${m[2] ?? '0'}${frac}`);
  return { units: m[1] === '-' ? -units : units, scale: frac.length };
}

function format(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${neg ? '-' : ''}${int}${scale > 0 ? `.${frac}` : ''}`;
}

function rescale(d: Scaled, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

const digitsCache = new Map<string, number>();

/** ISO 4217 minor-unit digits: USD 2, JPY 0, BHD 3 (what Kantata's `currency_base_unit` expresses). */
export function currencyDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** Shortest decimal string of a finite number, without exponent notation (`1e-7` → `0.0000001`). */
export function numberToDecimalString(n: number): string {
  const text = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/i.exec(text);
  if (m === null) return text;
  const digits = `${m[2] ?? ''}${m[3] ?? ''}`;
  const point = (m[2] ?? '').length + Number(m[4]);
  const body =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${m[1] ?? ''}${body}`;
}

/** Same limits as the canonical `Decimal`: 15 digits before the point, 8 after. */
function checkCanonicalDecimal(text: string, field: string, s: Scope): void {
  if (!/^-?\d{1,15}(\.\d{1,8})?$/.test(text)) s.fail(field, `is ${text}, which does not fit a canonical decimal (15 digits before the point, 8 after)`);
}

/** A decimal string as a JSON number, refusing digits a double cannot carry exactly. */
export function decimalToNumber(value: string, field: string, s: Scope, maxScale?: number): number {
  const d = parse(value);
  if (d === undefined) return s.fail(field, `is "${value}", not a decimal`);
  if (maxScale !== undefined && d.scale > maxScale) s.fail(field, `is ${value}: the target holds at most ${maxScale} decimal places`);
  const n = Number(format(d.units, d.scale));
  const back = parse(numberToDecimalString(n));
  if (back === undefined || back.units !== d.units || back.scale !== d.scale) {
    s.fail(field, `is ${value}: a JSON number cannot carry these digits exactly (a double holds about 15 significant digits)`);
  }
  return n;
}

/** A vendor JSON number as a canonical decimal string, padded to `minScale` decimals. */
export function numberToDecimal(n: number, field: string, s: Scope, minScale = 0): string {
  if (!Number.isFinite(n)) s.fail(field, `is ${String(n)}, not a finite number`);
  const d = parse(numberToDecimalString(n));
  if (d === undefined) return s.fail(field, `is ${String(n)}, not a decimal`);
  const text = format(rescale(d, Math.max(d.scale, minScale)), Math.max(d.scale, minScale));
  checkCanonicalDecimal(text, field, s);
  return text;
}

export interface MoneyValue {
  amount: string;
  currency: string;
}

/** Money as a JSON number (Salesforce currency fields, NetSuite amounts): at most the currency's decimals. */
export function moneyToNumber(money: MoneyValue, field: string, s: Scope): number {
  return decimalToNumber(money.amount, `${field}.amount`, s, currencyDigits(money.currency));
}

/** A vendor amount as canonical money, written with the currency's decimals (`120000` USD → `"120000.00"`). */
export function numberToMoney(n: number, currency: string, field: string, s: Scope): MoneyValue {
  return { amount: numberToDecimal(n, field, s, currencyDigits(currency)), currency };
}

/** A vendor decimal string (`"120000.5"`) as canonical money, written with at least the currency's decimals. */
export function decimalTextToMoney(text: string, currency: string, field: string, s: Scope): MoneyValue {
  const d = parse(text.replace(/,/g, ''));
  if (d === undefined) return s.fail(field, `is "${text}", not an amount`);
  const scale = Math.max(d.scale, currencyDigits(currency));
  const amount = format(rescale(d, scale), scale);
  checkCanonicalDecimal(amount, field, s);
  return { amount, currency };
}

/** Money in integer minor units (Kantata `*_in_cents`); refuses sub-unit amounts such as 0.005 USD. */
export function moneyToMinorUnits(money: MoneyValue, field: string, s: Scope): number {
  const digits = currencyDigits(money.currency);
  const d = parse(money.amount);
  if (d === undefined) return s.fail(`${field}.amount`, `is "${money.amount}", not a decimal`);
  if (d.scale > digits) {
    s.fail(`${field}.amount`, `is ${money.amount} ${money.currency}: the target holds whole minor units (${digits} decimal place${digits === 1 ? '' : 's'} for ${money.currency})`);
  }
  const units = rescale(d, digits);
  if (units > BigInt(Number.MAX_SAFE_INTEGER) || units < -BigInt(Number.MAX_SAFE_INTEGER)) {
    s.fail(`${field}.amount`, `is ${money.amount} ${money.currency}: too large for an integer amount in minor units`);
  }
  return Number(units);
}

/** Integer minor units as canonical money. */
export function minorUnitsToMoney(units: number, currency: string, field: string, s: Scope): MoneyValue {
  if (!Number.isSafeInteger(units)) s.fail(field, `is ${String(units)}, not a whole number of minor units`);
  const text = format(BigInt(units), currencyDigits(currency));
  checkCanonicalDecimal(text, field, s);
  return { amount: text, currency };
}

/** Whole currency units (Kantata's workspace `price` on write); refuses fractions. */
export function moneyToWholeUnits(money: MoneyValue, field: string, s: Scope): number {
  const d = parse(money.amount);
  if (d === undefined) return s.fail(`${field}.amount`, `is "${money.amount}", not a decimal`);
  if (d.scale > 0) s.fail(`${field}.amount`, `is ${money.amount}: the target holds whole ${money.currency} only`);
  return decimalToNumber(money.amount, `${field}.amount`, s, 0);
}

/** `a × b`, exactly. */
export function multiplyDecimals(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) throw new RangeError(`not decimals: ${a}, ${b}`);
  return format(x.units * y.units, x.scale + y.scale);
}

/** `a + b`, exactly. */
export function addDecimals(a: string, b: string): string {
  return subtractDecimals(a, subtractDecimals('0', b));
}

/** `a − b`, exactly. */
export function subtractDecimals(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) throw new RangeError(`not decimals: ${a}, ${b}`);
  const scale = Math.max(x.scale, y.scale);
  return format(rescale(x, scale) - rescale(y, scale), scale);
}

/** Rounds half away from zero to `digits` decimals and writes exactly `digits` decimals. */
export function roundDecimal(value: string, digits: number): string {
  const d = parse(value);
  if (d === undefined) throw new RangeError(`not a decimal: ${value}`);
  if (d.scale <= digits) return format(rescale(d, digits), digits);
  const divisor = 10n ** BigInt(d.scale - digits);
  const neg = d.units < 0n;
  const abs = neg ? -d.units : d.units;
  let q = abs / divisor;
  if ((abs % divisor) * 2n >= divisor) q += 1n;
  return format(neg ? -q : q, digits);
}

/** Equal as numbers (`"1.50"` and `"1.5"`). */
export function decimalsEqual(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  return x !== undefined && y !== undefined && x.units === y.units && x.scale === y.scale;
}

/** Canonical hours as whole minutes (Kantata `time_in_minutes`); refuses fractions of a minute. */
export function hoursToMinutes(hours: number, field: string, s: Scope): number {
  const minutes = Math.round(hours * 60);
  if (minutes / 60 !== hours) s.fail(field, `is ${hours} h, which is not a whole number of minutes`);
  return minutes;
}

/** Canonical hours as a NetSuite duration, "H:MM" (7.5 → "7:30"). */
export function hoursToDuration(hours: number, field: string, s: Scope): string {
  const minutes = hoursToMinutes(hours, field, s);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A NetSuite duration as hours: "H:MM" as NetSuite documents it, or decimal hours as some tenants return. */
export function durationToHours(value: string | number, field: string, s: Scope): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) s.fail(field, `is ${String(value)}, not a duration`);
    return value;
  }
  const m = /^(\d{1,4}):([0-5]\d)$/.exec(value.trim());
  if (m === null) {
    if (/^\d{1,4}(\.\d+)?$/.test(value.trim())) return Number(value.trim());
    return s.fail(field, `is "${value}", not a duration written H:MM`);
  }
  return (Number(m[1]) * 60 + Number(m[2])) / 60;
}

/** Hours into a Salesforce number field with `scale` decimals (Certinia day hours: 2). */
export function hoursToScaledNumber(hours: number, scale: number, field: string, s: Scope): number {
  const factor = 10 ** scale;
  if (Math.round(hours * factor) / factor !== hours) s.fail(field, `is ${hours} h: the target holds at most ${scale} decimal places`);
  return hours;
}
