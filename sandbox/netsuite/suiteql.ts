// A SuiteQL subset: a real lexer and recursive-descent parser, evaluated over the sandbox's tables with SQL's
// three-valued logic. Enough for change polling and lookups: column lists and `*`, one table with an alias,
// WHERE with comparisons, IN, LIKE, BETWEEN, IS NULL, AND/OR/NOT and parentheses, TO_DATE/TO_TIMESTAMP/
// TO_CHAR/UPPER/LOWER/NVL/BUILTIN.DF, ORDER BY. Results come back as SuiteQL writes them: column names
// lower-cased, every value a string, NULLs left out.
import { NetSuiteFault } from './errors.js';

/** A date or date-time value inside a query. */
export class SqlDate {
  constructor(
    readonly ms: number,
    readonly dateOnly: boolean,
  ) {}
}

export type SqlValue = string | number | SqlDate | null;
type Truth = boolean | null;
type Value = SqlValue | boolean;

export interface SqlColumn<R> {
  get(row: R): SqlValue;
  /** Display value for BUILTIN.DF (a reference's name, a list value's label). */
  display?(row: R): string | null;
}

export interface SqlTable<R> {
  name: string;
  columns: ReadonlyMap<string, SqlColumn<R>>;
  rows(): Iterable<R>;
}

export function queryError(message: string): NetSuiteFault {
  return NetSuiteFault.of(400, 'INVALID_PARAMETER', `Invalid search query. Detailed unprocessed description follows. ${message}`, { 'o:errorQueryParam': 'q' });
}

// ---- lexer ----

type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  /** Upper-cased identifier, for keyword tests. */
  upper: string;
  pos: number;
}

const OPERATORS = ['<>', '!=', '<=', '>=', '||', '=', '<', '>', '(', ')', ',', '.', '*', '-', '+'];

function lex(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && q[i + 1] === '-') {
      while (i < q.length && q[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= q.length) throw queryError(`Search error occurred: unterminated string literal starting at position ${start + 1}.`);
        if (q[i] === "'") {
          if (q[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += q[i++];
      }
      out.push({ kind: 'string', text, upper: text, pos: start });
      continue;
    }
    if (c === '"') {
      const end = q.indexOf('"', i + 1);
      if (end < 0) throw queryError(`Search error occurred: unterminated quoted identifier starting at position ${start + 1}.`);
      const text = q.slice(i + 1, end);
      out.push({ kind: 'ident', text, upper: text.toUpperCase(), pos: start });
      i = end + 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < q.length && /[0-9.]/.test(q[i])) i++;
      const text = q.slice(start, i);
      out.push({ kind: 'number', text, upper: text, pos: start });
      continue;
    }
    if (/[A-Za-z_#]/.test(c)) {
      while (i < q.length && /[A-Za-z0-9_$#]/.test(q[i])) i++;
      const text = q.slice(start, i);
      out.push({ kind: 'ident', text, upper: text.toUpperCase(), pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => q.startsWith(o, i));
    if (!op) throw queryError(`Search error occurred: unexpected character '${c}' at position ${start + 1}.`);
    out.push({ kind: 'op', text: op, upper: op, pos: start });
    i += op.length;
  }
  out.push({ kind: 'eof', text: '', upper: '', pos: q.length });
  return out;
}

// ---- AST ----

export type Expr =
  | { t: 'lit'; v: SqlValue }
  | { t: 'col'; qualifier?: string; name: string }
  | { t: 'fn'; name: string; args: Expr[] }
  | { t: 'cmp'; op: string; l: Expr; r: Expr }
  | { t: 'in'; e: Expr; list: Expr[]; not: boolean }
  | { t: 'like'; e: Expr; pattern: Expr; not: boolean }
  | { t: 'between'; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { t: 'isnull'; e: Expr; not: boolean }
  | { t: 'and' | 'or'; l: Expr; r: Expr }
  | { t: 'not'; e: Expr }
  | { t: 'concat'; l: Expr; r: Expr }
  | { t: 'neg'; e: Expr };

export interface SelectItem {
  star: boolean;
  expr?: Expr;
  alias?: string;
}

export interface OrderItem {
  expr: Expr;
  desc: boolean;
  nullsFirst?: boolean;
}

export interface SelectStatement {
  items: SelectItem[];
  distinct: boolean;
  table: string;
  alias?: string;
  where?: Expr;
  orderBy: OrderItem[];
}

const RESERVED = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'IS', 'NULL', 'ORDER', 'BY', 'ASC', 'DESC', 'AS', 'BETWEEN', 'DISTINCT', 'NULLS', 'FIRST', 'LAST', 'ESCAPE']);
const FUNCTIONS = new Set(['TO_DATE', 'TO_TIMESTAMP', 'TO_CHAR', 'UPPER', 'LOWER', 'NVL', 'BUILTIN.DF', 'TRUNC']);

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(offset = 0): Token {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)];
  }
  private next(): Token {
    return this.toks[this.i++];
  }
  private isKw(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.upper === word;
  }
  private acceptKw(word: string): boolean {
    if (this.isKw(word)) {
      this.i++;
      return true;
    }
    return false;
  }
  private expectKw(word: string): void {
    if (!this.acceptKw(word)) this.fail(`expected ${word}`);
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === op;
  }
  private acceptOp(op: string): boolean {
    if (this.isOp(op)) {
      this.i++;
      return true;
    }
    return false;
  }
  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(`expected '${op}'`);
  }
  fail(what: string): never {
    const t = this.peek();
    const near = t.kind === 'eof' ? 'the end of the query' : `'${t.text}' at position ${t.pos + 1}`;
    throw queryError(`Search error occurred: Invalid or unsupported search. Near ${near}: ${what}.`);
  }

  statement(): SelectStatement {
    this.expectKw('SELECT');
    const distinct = this.acceptKw('DISTINCT');
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptOp(','));
    this.expectKw('FROM');
    const tableTok = this.next();
    if (tableTok.kind !== 'ident') this.fail('expected a table name');
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.identifier('a table alias');
    else if (this.peek().kind === 'ident' && !RESERVED.has(this.peek().upper)) alias = this.identifier('a table alias');
    let where: Expr | undefined;
    if (this.acceptKw('WHERE')) where = this.expr();
    const orderBy: OrderItem[] = [];
    if (this.acceptKw('ORDER')) {
      this.expectKw('BY');
      do {
        const expr = this.additive();
        const desc = this.acceptKw('DESC');
        if (!desc) this.acceptKw('ASC');
        let nullsFirst: boolean | undefined;
        if (this.acceptKw('NULLS')) {
          if (this.acceptKw('FIRST')) nullsFirst = true;
          else if (this.acceptKw('LAST')) nullsFirst = false;
          else this.fail('expected FIRST or LAST');
        }
        orderBy.push({ expr, desc, nullsFirst });
      } while (this.acceptOp(','));
    }
    if (this.peek().kind !== 'eof') this.fail('unexpected text after the end of the statement');
    return { items, distinct, table: tableTok.text.toLowerCase(), alias: alias?.toLowerCase(), where, orderBy };
  }

  private identifier(what: string): string {
    const t = this.next();
    if (t.kind !== 'ident') {
      this.i--;
      this.fail(`expected ${what}`);
    }
    return t.text;
  }

  private selectItem(): SelectItem {
    if (this.acceptOp('*')) return { star: true };
    const expr = this.additive();
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.identifier('a column alias');
    else if (this.peek().kind === 'ident' && !RESERVED.has(this.peek().upper)) alias = this.identifier('a column alias');
    return { star: false, expr, alias: alias?.toLowerCase() };
  }

  expr(): Expr {
    let l = this.and();
    while (this.acceptKw('OR')) l = { t: 'or', l, r: this.and() };
    return l;
  }
  private and(): Expr {
    let l = this.not();
    while (this.acceptKw('AND')) l = { t: 'and', l, r: this.not() };
    return l;
  }
  private not(): Expr {
    if (this.acceptKw('NOT')) return { t: 'not', e: this.not() };
    return this.predicate();
  }
  private predicate(): Expr {
    const e = this.additive();
    const t = this.peek();
    if (t.kind === 'op' && ['=', '<>', '!=', '<', '>', '<=', '>='].includes(t.text)) {
      this.i++;
      return { t: 'cmp', op: t.text === '!=' ? '<>' : t.text, l: e, r: this.additive() };
    }
    if (this.acceptKw('IS')) {
      const not = this.acceptKw('NOT');
      this.expectKw('NULL');
      return { t: 'isnull', e, not };
    }
    const not = this.acceptKw('NOT');
    if (this.acceptKw('IN')) {
      this.expectOp('(');
      const list: Expr[] = [];
      do list.push(this.additive());
      while (this.acceptOp(','));
      this.expectOp(')');
      return { t: 'in', e, list, not };
    }
    if (this.acceptKw('LIKE')) {
      const pattern = this.additive();
      if (this.acceptKw('ESCAPE')) this.fail('ESCAPE is not supported');
      return { t: 'like', e, pattern, not };
    }
    if (this.acceptKw('BETWEEN')) {
      const lo = this.additive();
      this.expectKw('AND');
      return { t: 'between', e, lo, hi: this.additive(), not };
    }
    if (not) this.fail('expected IN, LIKE or BETWEEN after NOT');
    return e;
  }
  additive(): Expr {
    let l = this.primary();
    while (this.acceptOp('||')) l = { t: 'concat', l, r: this.primary() };
    return l;
  }
  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'string') {
      this.i++;
      return { t: 'lit', v: t.text };
    }
    if (t.kind === 'number') {
      this.i++;
      const n = Number(t.text);
      if (!Number.isFinite(n)) this.fail('invalid number');
      return { t: 'lit', v: n };
    }
    if (this.acceptOp('-')) return { t: 'neg', e: this.primary() };
    if (this.acceptOp('(')) {
      const e = this.expr();
      this.expectOp(')');
      return e;
    }
    if (t.kind === 'ident') {
      if (t.upper === 'NULL') {
        this.i++;
        return { t: 'lit', v: null };
      }
      if (t.upper === 'SYSDATE' || t.upper === 'CURRENT_DATE' || t.upper === 'CURRENT_TIMESTAMP') {
        this.i++;
        return { t: 'fn', name: t.upper, args: [] };
      }
      if (RESERVED.has(t.upper)) this.fail('expected a column, a literal or a function');
      this.i++;
      let name = t.text;
      let qualifier: string | undefined;
      if (this.acceptOp('.')) {
        qualifier = name;
        name = this.identifier('a column name after "."');
      }
      if (this.isOp('(')) {
        const fname = (qualifier ? `${qualifier}.${name}` : name).toUpperCase();
        if (!FUNCTIONS.has(fname)) throw queryError(`Search error occurred: Unknown function '${fname}'.`);
        this.i++;
        const args: Expr[] = [];
        if (!this.isOp(')')) {
          do args.push(this.additive());
          while (this.acceptOp(','));
        }
        this.expectOp(')');
        return { t: 'fn', name: fname, args };
      }
      return { t: 'col', qualifier: qualifier?.toLowerCase(), name: name.toLowerCase() };
    }
    return this.fail('expected a column, a literal or a function');
  }
}

export function parseSuiteQL(q: string): SelectStatement {
  if (q.trim() === '') throw queryError('Search error occurred: the query is empty.');
  return new Parser(lex(q)).statement();
}

// ---- dates: Oracle format models, UTC ----

const FORMAT_TOKENS = ['YYYY', 'HH24', 'HH12', 'MON', 'YY', 'MM', 'DD', 'HH', 'MI', 'SS', 'AM', 'PM', 'FF3', 'FF'];

function formatTokens(fmt: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < fmt.length) {
    if (fmt[i] === '"') {
      const end = fmt.indexOf('"', i + 1);
      if (end < 0) throw queryError(`Search error occurred: invalid date format '${fmt}'.`);
      out.push(`"${fmt.slice(i + 1, end)}`);
      i = end + 1;
      continue;
    }
    const tok = FORMAT_TOKENS.find((t) => fmt.toUpperCase().startsWith(t, i));
    if (tok) {
      out.push(tok);
      i += tok.length;
      continue;
    }
    if (/[-/:.,; T]/.test(fmt[i])) {
      out.push(`"${fmt[i]}`);
      i++;
      continue;
    }
    throw queryError(`Search error occurred: invalid date format '${fmt}'.`);
  }
  return out;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function formatDate(ms: number, fmt: string): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  return formatTokens(fmt)
    .map((t) => {
      if (t.startsWith('"')) return t.slice(1);
      switch (t) {
        case 'YYYY':
          return pad(d.getUTCFullYear(), 4);
        case 'YY':
          return pad(d.getUTCFullYear() % 100);
        case 'MM':
          return pad(d.getUTCMonth() + 1);
        case 'MON':
          return MONTHS[d.getUTCMonth()];
        case 'DD':
          return pad(d.getUTCDate());
        case 'HH24':
          return pad(h);
        case 'HH':
        case 'HH12':
          return pad(h % 12 === 0 ? 12 : h % 12);
        case 'MI':
          return pad(d.getUTCMinutes());
        case 'SS':
          return pad(d.getUTCSeconds());
        case 'AM':
        case 'PM':
          return h < 12 ? 'AM' : 'PM';
        case 'FF':
        case 'FF3':
          return pad(d.getUTCMilliseconds(), 3);
        default:
          return t;
      }
    })
    .join('');
}

export function parseDate(text: string, fmt: string): number {
  const parts = { y: 1970, mo: 1, d: 1, h: 0, mi: 0, s: 0, ms: 0, pm: undefined as boolean | undefined };
  let i = 0;
  const fail = (): never => {
    throw queryError(`Search error occurred: the value '${text}' does not match the date format '${fmt}'.`);
  };
  const digits = (min: number, max: number): number => {
    let j = i;
    while (j < text.length && j - i < max && /[0-9]/.test(text[j])) j++;
    if (j - i < min) fail();
    const n = Number(text.slice(i, j));
    i = j;
    return n;
  };
  for (const t of formatTokens(fmt)) {
    if (t.startsWith('"')) {
      const lit = t.slice(1);
      if (text.slice(i, i + lit.length).toUpperCase() !== lit.toUpperCase()) fail();
      i += lit.length;
      continue;
    }
    switch (t) {
      case 'YYYY':
        parts.y = digits(4, 4);
        break;
      case 'YY':
        parts.y = 2000 + digits(2, 2);
        break;
      case 'MM':
        parts.mo = digits(1, 2);
        break;
      case 'MON': {
        const m = MONTHS.indexOf(text.slice(i, i + 3).toUpperCase());
        if (m < 0) fail();
        parts.mo = m + 1;
        i += 3;
        break;
      }
      case 'DD':
        parts.d = digits(1, 2);
        break;
      case 'HH24':
      case 'HH':
      case 'HH12':
        parts.h = digits(1, 2);
        break;
      case 'MI':
        parts.mi = digits(1, 2);
        break;
      case 'SS':
        parts.s = digits(1, 2);
        break;
      case 'FF':
      case 'FF3':
        parts.ms = digits(1, 3);
        break;
      case 'AM':
      case 'PM': {
        const ap = text.slice(i, i + 2).toUpperCase();
        if (ap !== 'AM' && ap !== 'PM') fail();
        parts.pm = ap === 'PM';
        i += 2;
        break;
      }
    }
  }
  if (i !== text.length) fail();
  let h = parts.h;
  if (parts.pm !== undefined) h = (h % 12) + (parts.pm ? 12 : 0);
  const ms = Date.UTC(parts.y, parts.mo - 1, parts.d, h, parts.mi, parts.s, parts.ms);
  const back = new Date(ms);
  if (back.getUTCMonth() !== parts.mo - 1 || back.getUTCDate() !== parts.d || h > 23 || parts.mi > 59 || parts.s > 59) fail();
  return ms;
}

/** The account's date format preference (NetSuite's default, M/D/YYYY), used to show and read dates. */
export function preferenceDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
}

function implicitDate(text: string): SqlDate {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
  if (!m) throw queryError(`Search error occurred: the value '${text}' is not a valid date; use the format M/D/YYYY or TO_DATE('${text}', 'YYYY-MM-DD').`);
  return new SqlDate(parseDate(text.trim(), 'MM/DD/YYYY'), true);
}

// ---- evaluation ----

export interface QueryContext {
  now: number;
}

export interface QueryResult {
  columns: string[];
  rows: Array<Record<string, string>>;
}

function truth(v: Value): Truth {
  if (v === null) return null;
  if (typeof v === 'boolean') return v;
  throw queryError('Search error occurred: a condition was expected where a value was given.');
}

function compare(a: SqlValue, b: SqlValue): number | null {
  if (a === null || b === null) return null;
  if (a instanceof SqlDate || b instanceof SqlDate) {
    const da = a instanceof SqlDate ? a : typeof a === 'string' ? implicitDate(a) : null;
    const db = b instanceof SqlDate ? b : typeof b === 'string' ? implicitDate(b) : null;
    if (!da || !db) throw queryError('Search error occurred: a date can only be compared with a date.');
    return da.ms - db.ms;
  }
  if (typeof a === 'number' || typeof b === 'number') {
    const na = typeof a === 'number' ? a : Number(a);
    const nb = typeof b === 'number' ? b : Number(b);
    if (Number.isNaN(na) || Number.isNaN(nb)) throw queryError(`Search error occurred: invalid number '${String(Number.isNaN(na) ? a : b)}'.`);
    return na - nb;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  let re = '^';
  for (const ch of pattern) re += ch === '%' ? '[\\s\\S]*' : ch === '_' ? '[\\s\\S]' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${re}$`);
}

function asText(v: SqlValue): string | null {
  if (v === null) return null;
  if (v instanceof SqlDate) return preferenceDate(v.ms);
  return String(v);
}

export class SuiteQLExecutor<R> {
  private readonly likeCache = new Map<string, RegExp>();

  constructor(
    private readonly table: SqlTable<R>,
    private readonly stmt: SelectStatement,
    private readonly ctx: QueryContext,
  ) {
    this.checkColumns();
  }

  private column(e: { qualifier?: string; name: string }): SqlColumn<R> {
    const tableName = this.table.name;
    if (e.qualifier !== undefined && e.qualifier !== this.stmt.alias && e.qualifier !== tableName) {
      throw queryError(`Search error occurred: Unknown identifier '${e.qualifier}.${e.name}'. Available identifiers are: {${this.stmt.alias ?? tableName}=${tableName}}.`);
    }
    const col = this.table.columns.get(e.name);
    if (!col) throw queryError(`Search error occurred: Unknown identifier '${e.qualifier ? `${e.qualifier}.` : ''}${e.name}'. Available identifiers are: {${this.stmt.alias ?? tableName}=${tableName}}.`);
    return col;
  }

  private checkColumns(): void {
    const aliases = new Set(this.stmt.items.map((i) => i.alias).filter((a): a is string => a !== undefined));
    const visit = (e: Expr, allowAlias: boolean): void => {
      switch (e.t) {
        case 'col':
          if (allowAlias && e.qualifier === undefined && aliases.has(e.name) && !this.table.columns.has(e.name)) return;
          this.column(e);
          return;
        case 'lit':
          return;
        case 'fn':
          e.args.forEach((a) => visit(a, allowAlias));
          return;
        case 'cmp':
        case 'and':
        case 'or':
        case 'concat':
          visit(e.l, allowAlias);
          visit(e.r, allowAlias);
          return;
        case 'in':
          visit(e.e, allowAlias);
          e.list.forEach((a) => visit(a, allowAlias));
          return;
        case 'like':
          visit(e.e, allowAlias);
          visit(e.pattern, allowAlias);
          return;
        case 'between':
          visit(e.e, allowAlias);
          visit(e.lo, allowAlias);
          visit(e.hi, allowAlias);
          return;
        case 'isnull':
        case 'not':
        case 'neg':
          visit(e.e, allowAlias);
          return;
      }
    };
    for (const item of this.stmt.items) if (item.expr) visit(item.expr, false);
    if (this.stmt.where) visit(this.stmt.where, false);
    for (const o of this.stmt.orderBy) visit(o.expr, true);
  }

  private eval(e: Expr, row: R): Value {
    switch (e.t) {
      case 'lit':
        return e.v;
      case 'col':
        return this.column(e).get(row);
      case 'neg': {
        const v = this.eval(e.e, row);
        if (v === null) return null;
        if (typeof v !== 'number') throw queryError('Search error occurred: only a number can be negated.');
        return -v;
      }
      case 'concat': {
        const l = this.eval(e.l, row);
        const r = this.eval(e.r, row);
        return (asText(l as SqlValue) ?? '') + (asText(r as SqlValue) ?? '');
      }
      case 'fn':
        return this.call(e, row);
      case 'cmp': {
        const c = compare(this.eval(e.l, row) as SqlValue, this.eval(e.r, row) as SqlValue);
        if (c === null) return null;
        switch (e.op) {
          case '=':
            return c === 0;
          case '<>':
            return c !== 0;
          case '<':
            return c < 0;
          case '>':
            return c > 0;
          case '<=':
            return c <= 0;
          default:
            return c >= 0;
        }
      }
      case 'in': {
        const v = this.eval(e.e, row) as SqlValue;
        if (v === null) return null;
        let sawNull = false;
        for (const item of e.list) {
          const c = compare(v, this.eval(item, row) as SqlValue);
          if (c === 0) return !e.not;
          if (c === null) sawNull = true;
        }
        return sawNull ? null : e.not;
      }
      case 'like': {
        const v = this.eval(e.e, row) as SqlValue;
        const p = this.eval(e.pattern, row) as SqlValue;
        if (v === null || p === null) return null;
        const pattern = asText(p) ?? '';
        let re = this.likeCache.get(pattern);
        if (!re) {
          re = likeRegex(pattern);
          this.likeCache.set(pattern, re);
        }
        return re.test(asText(v) ?? '') !== e.not;
      }
      case 'between': {
        const v = this.eval(e.e, row) as SqlValue;
        const lo = compare(v, this.eval(e.lo, row) as SqlValue);
        const hi = compare(v, this.eval(e.hi, row) as SqlValue);
        if (lo === null || hi === null) return null;
        return (lo >= 0 && hi <= 0) !== e.not;
      }
      case 'isnull': {
        const v = this.eval(e.e, row);
        return (v === null || v === '') !== e.not;
      }
      case 'not': {
        const v = truth(this.eval(e.e, row));
        return v === null ? null : !v;
      }
      case 'and': {
        const l = truth(this.eval(e.l, row));
        if (l === false) return false;
        const r = truth(this.eval(e.r, row));
        if (r === false) return false;
        return l === null || r === null ? null : true;
      }
      case 'or': {
        const l = truth(this.eval(e.l, row));
        if (l === true) return true;
        const r = truth(this.eval(e.r, row));
        if (r === true) return true;
        return l === null || r === null ? null : false;
      }
    }
  }

  private call(e: { name: string; args: Expr[] }, row: R): SqlValue {
    const arity = (min: number, max = min): void => {
      if (e.args.length < min || e.args.length > max) throw queryError(`Search error occurred: ${e.name} takes ${min === max ? min : `${min} to ${max}`} argument(s).`);
    };
    const arg = (i: number): SqlValue => this.eval(e.args[i], row) as SqlValue;
    switch (e.name) {
      case 'SYSDATE':
      case 'CURRENT_TIMESTAMP':
        return new SqlDate(this.ctx.now, false);
      case 'CURRENT_DATE':
        return new SqlDate(Math.floor(this.ctx.now / 86_400_000) * 86_400_000, true);
      case 'TO_DATE':
      case 'TO_TIMESTAMP': {
        arity(1, 2);
        const v = arg(0);
        if (v === null) return null;
        if (v instanceof SqlDate) return v;
        const fmt = e.args.length > 1 ? asText(arg(1)) : null;
        if (fmt === null) return implicitDate(String(v));
        return new SqlDate(parseDate(String(v), fmt), false);
      }
      case 'TO_CHAR': {
        arity(1, 2);
        const v = arg(0);
        if (v === null) return null;
        if (v instanceof SqlDate) return e.args.length > 1 ? formatDate(v.ms, asText(arg(1)) ?? 'MM/DD/YYYY') : preferenceDate(v.ms);
        return String(v);
      }
      case 'TRUNC': {
        arity(1);
        const v = arg(0);
        if (v instanceof SqlDate) return new SqlDate(Math.floor(v.ms / 86_400_000) * 86_400_000, true);
        if (typeof v === 'number') return Math.trunc(v);
        return v;
      }
      case 'UPPER':
      case 'LOWER': {
        arity(1);
        const v = asText(arg(0));
        return v === null ? null : e.name === 'UPPER' ? v.toUpperCase() : v.toLowerCase();
      }
      case 'NVL': {
        arity(2);
        const v = arg(0);
        return v === null || v === '' ? arg(1) : v;
      }
      case 'BUILTIN.DF': {
        arity(1);
        const a = e.args[0];
        if (a.t !== 'col') return arg(0);
        const col = this.column(a);
        return col.display ? col.display(row) : col.get(row);
      }
      default:
        throw queryError(`Search error occurred: Unknown function '${e.name}'.`);
    }
  }

  /** Runs the query: every matching row, projected and ordered. */
  run(): QueryResult {
    const { stmt } = this;
    const columns: string[] = [];
    const projections: Array<{ name: string; expr: Expr }> = [];
    for (const item of stmt.items) {
      if (item.star) {
        for (const name of this.table.columns.keys()) projections.push({ name, expr: { t: 'col', name } });
        continue;
      }
      const expr = item.expr as Expr;
      const name = item.alias ?? (expr.t === 'col' ? expr.name : `expr${projections.length + 1}`);
      projections.push({ name, expr });
    }
    for (const p of projections) if (!columns.includes(p.name)) columns.push(p.name);

    const matched: R[] = [];
    for (const row of this.table.rows()) {
      if (!stmt.where || truth(this.eval(stmt.where, row)) === true) matched.push(row);
    }
    if (stmt.orderBy.length > 0) {
      const keyOf = (o: OrderItem, row: R): SqlValue => {
        const e = o.expr;
        if (e.t === 'lit' && typeof e.v === 'number') {
          const p = projections[e.v - 1];
          if (!p) throw queryError(`Search error occurred: ORDER BY position ${e.v} is out of range.`);
          return this.eval(p.expr, row) as SqlValue;
        }
        if (e.t === 'col' && e.qualifier === undefined && !this.table.columns.has(e.name)) {
          const p = projections.find((x) => x.name === e.name);
          if (p) return this.eval(p.expr, row) as SqlValue;
        }
        return this.eval(e, row) as SqlValue;
      };
      const keyed = matched.map((row) => ({ row, keys: stmt.orderBy.map((o) => keyOf(o, row)) }));
      keyed.sort((a, b) => {
        for (let i = 0; i < stmt.orderBy.length; i++) {
          const o = stmt.orderBy[i];
          const x = a.keys[i];
          const y = b.keys[i];
          const nullsFirst = o.nullsFirst ?? o.desc;
          if (x === null || y === null) {
            if (x === y) continue;
            return (x === null) === nullsFirst ? -1 : 1;
          }
          const c = compare(x, y) ?? 0;
          if (c !== 0) return o.desc ? -c : c;
        }
        return 0;
      });
      matched.length = 0;
      for (const k of keyed) matched.push(k.row);
    }
    const rows: Array<Record<string, string>> = [];
    const seen = new Set<string>();
    for (const row of matched) {
      const out: Record<string, string> = {};
      for (const p of projections) {
        const v = asText(this.eval(p.expr, row) as SqlValue);
        if (v !== null && v !== '') out[p.name] = v;
      }
      if (stmt.distinct) {
        const key = JSON.stringify(columns.map((c) => out[c] ?? null));
        if (seen.has(key)) continue;
        seen.add(key);
      }
      rows.push(out);
    }
    return { columns, rows };
  }
}
