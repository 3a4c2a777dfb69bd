// A SOQL subset with Salesforce's own lexical rules and error messages: field lists with parent relationship
// paths, COUNT(), WHERE with comparison, IN, LIKE, AND/OR/NOT and parentheses, ORDER BY, LIMIT, OFFSET.
import { fail, type SfFailure } from './errors.js';
import { normalizeId } from './ids.js';
import type { FieldDef, FieldType, OrgSchema, SObjectDef } from './schema.js';
import { isDate, parseDateTime, wireValue, type OrgStore, type Row } from './store.js';

// Private-use stand-ins for `\_` and `\%`, which mean a literal _ or % inside LIKE patterns.
const LITERAL_UNDERSCORE = '\uE000';
const LITERAL_PERCENT = '\uE001';

type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded string literal, or the number. */
  value?: string | number;
  pos: number;
}

/** MALFORMED_QUERY and friends carry the query line, a caret under the problem, and its row and column. */
function queryError(code: string, soql: string, pos: number, detail: string): SfFailure {
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = soql.indexOf('\n', pos) < 0 ? soql.length : soql.indexOf('\n', pos);
  const column = pos - lineStart + 1;
  return fail(400, code, `\n${soql.slice(lineStart, lineEnd)}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${detail}`);
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\', _: LITERAL_UNDERSCORE, '%': LITERAL_PERCENT };

function tokenize(soql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = soql.length;
  while (i < n) {
    const c = soql[i];
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw queryError('MALFORMED_QUERY', soql, n, `line ${soql.slice(0, n).split('\n').length}:${n - soql.lastIndexOf('\n', n - 1)} mismatched character '<EOF>' expecting '''`);
        const ch = soql[i];
        if (ch === "'") {
          i++;
          break;
        }
        if (ch === '\\') {
          const next = soql[i + 1] ?? '';
          if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(soql.slice(i + 2, i + 6))) {
            value += String.fromCharCode(parseInt(soql.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          const decoded = ESCAPES[next];
          if (decoded === undefined) {
            let end = i + 1;
            while (end < n && soql[end] !== "'") end++;
            throw queryError('MALFORMED_QUERY', soql, start, `Invalid string literal '${soql.slice(start + 1, end)}'. Illegal character sequence '\\${next}' in string literal.`);
          }
          value += decoded;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      out.push({ kind: 'string', text: soql.slice(start, i), value, pos: start });
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '-' && /[0-9]/.test(soql[i + 1] ?? ''))) {
      const dt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})/.exec(soql.slice(i));
      if (dt) {
        out.push({ kind: 'datetime', text: dt[0], pos: start });
        i += dt[0].length;
        continue;
      }
      const d = /^\d{4}-\d{2}-\d{2}(?![\w:])/.exec(soql.slice(i));
      if (d) {
        out.push({ kind: 'date', text: d[0], pos: start });
        i += d[0].length;
        continue;
      }
      const num = /^-?\d+(?:\.\d+)?/.exec(soql.slice(i)) as RegExpExecArray;
      out.push({ kind: 'number', text: num[0], value: Number(num[0]), pos: start });
      i += num[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(soql[j])) j++;
      out.push({ kind: 'ident', text: soql.slice(i, j), pos: start });
      i = j;
      continue;
    }
    const two = soql.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      out.push({ kind: 'op', text: two === '<>' ? '!=' : two, pos: start });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ kind: 'op', text: c, pos: start });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '.' || c === ':') {
      out.push({ kind: 'punct', text: c, pos: start });
      i++;
      continue;
    }
    throw queryError('MALFORMED_QUERY', soql, start, `line ${soql.slice(0, start).split('\n').length}:${start - soql.lastIndexOf('\n', start - 1) - 1} no viable alternative at character '${c}'`);
  }
  out.push({ kind: 'eof', text: '<EOF>', pos: n });
  return out;
}

/** A field reached from the queried object, through zero or more parent relationships. */
export interface FieldPath {
  rels: FieldDef[];
  leaf: FieldDef;
  objects: SObjectDef[];
}

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';
type Predicate = (row: Row) => boolean;

interface OrderItem {
  path: FieldPath;
  desc: boolean;
  nullsLast: boolean;
}

export interface ParsedQuery {
  object: SObjectDef;
  /** undefined for `SELECT COUNT()`. */
  fields?: FieldPath[];
  /** `SELECT COUNT(field) [alias]`: an AggregateResult. */
  aggregate?: { alias: string; path?: FieldPath };
  where?: Predicate;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

const KEYWORDS = new Set(['select', 'from', 'where', 'and', 'or', 'not', 'in', 'like', 'order', 'by', 'asc', 'desc', 'nulls', 'first', 'last', 'limit', 'offset', 'null', 'true', 'false', 'includes', 'excludes', 'group', 'having', 'with', 'for', 'using']);
const TEXT_TYPES: ReadonlySet<FieldType> = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist']);

/** A comparable form of a value: lower-cased text (SOQL compares text case-insensitively), else the value. */
type Cmp = string | number | boolean | null;

class Parser {
  private i = 0;
  constructor(
    private readonly soql: string,
    private readonly tokens: Token[],
    private readonly schema: OrgSchema,
    private readonly store: OrgStore,
    private readonly now: number,
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text.toLowerCase() === word;
  }
  private unexpected(t: Token = this.peek()): SfFailure {
    return queryError('MALFORMED_QUERY', this.soql, t.pos, `unexpected token: ${t.kind === 'string' ? t.text : t.text}`);
  }
  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) throw this.unexpected();
    return this.next();
  }
  private expectPunct(p: string): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== p) throw this.unexpected();
    return this.next();
  }

  parse(): ParsedQuery {
    this.expectKeyword('select');
    const selectStart = this.i;
    // The object comes after the field list but the fields are resolved against it: find FROM first.
    let depth = 0;
    let fromAt = -1;
    for (let k = this.i; k < this.tokens.length; k++) {
      const t = this.tokens[k];
      if (t.kind === 'punct' && t.text === '(') depth++;
      if (t.kind === 'punct' && t.text === ')') depth--;
      if (depth === 0 && t.kind === 'ident' && t.text.toLowerCase() === 'from') {
        fromAt = k;
        break;
      }
    }
    if (fromAt < 0) {
      // Let the select list report what is wrong with it; then complain about the missing FROM.
      this.i = selectStart;
    } else {
      this.i = fromAt + 1;
    }
    const objectToken = fromAt < 0 ? undefined : this.next();
    if (objectToken && objectToken.kind !== 'ident') throw this.unexpected(objectToken);
    const object = objectToken ? this.schema.get(objectToken.text) : undefined;
    if (objectToken && !object) {
      throw queryError('INVALID_TYPE', this.soql, objectToken.pos, `sObject type '${objectToken.text}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    const afterFrom = this.i;
    this.i = selectStart;
    const query: ParsedQuery = { object: object as SObjectDef, orderBy: [] };
    this.parseSelectList(query, object);
    if (!object) throw this.unexpected();
    this.i = afterFrom;
    if (this.isKeyword('where')) {
      this.next();
      query.where = this.parseCondition(object);
    }
    if (this.isKeyword('order')) {
      this.next();
      this.expectKeyword('by');
      for (;;) {
        const path = this.parsePath(object);
        let desc = false;
        if (this.isKeyword('asc')) this.next();
        else if (this.isKeyword('desc')) {
          this.next();
          desc = true;
        }
        let nullsLast = desc;
        if (this.isKeyword('nulls')) {
          this.next();
          if (this.isKeyword('first')) nullsLast = false;
          else if (this.isKeyword('last')) nullsLast = true;
          else throw this.unexpected();
          this.next();
        }
        query.orderBy.push({ path, desc, nullsLast });
        if (this.peek().kind === 'punct' && this.peek().text === ',') {
          this.next();
          continue;
        }
        break;
      }
    }
    if (this.isKeyword('limit')) {
      this.next();
      query.limit = this.parseCount();
    }
    if (this.isKeyword('offset')) {
      this.next();
      const t = this.peek();
      query.offset = this.parseCount();
      if (query.offset > 2000) throw queryError('NUMBER_OUTSIDE_VALID_RANGE', this.soql, t.pos, 'Maximum SOQL offset allowed is 2000');
    }
    if (this.peek().kind !== 'eof') throw this.unexpected();
    if (query.fields === undefined && query.orderBy.length > 0 && query.aggregate === undefined) {
      throw queryError('MALFORMED_QUERY', this.soql, this.tokens[selectStart].pos, 'Ordered field must be grouped or aggregated: COUNT()');
    }
    return query;
  }

  private parseCount(): number {
    const t = this.next();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || (t.value as number) < 0) throw this.unexpected(t);
    return t.value as number;
  }

  private parseSelectList(query: ParsedQuery, object: SObjectDef | undefined): void {
    if (this.isKeyword('count') && this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
      this.next();
      this.next();
      if (this.peek().kind === 'punct' && this.peek().text === ')') {
        this.next();
        this.expectKeyword('from');
        return;
      }
      const path = object ? this.parsePath(object) : undefined;
      this.expectPunct(')');
      let alias = 'expr0';
      if (this.peek().kind === 'ident' && !this.isKeyword('from')) alias = this.next().text;
      query.aggregate = path ? { alias, path } : { alias };
      this.expectKeyword('from');
      return;
    }
    const fields: FieldPath[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'ident' || KEYWORDS.has(t.text.toLowerCase())) throw this.unexpected(t);
      if (!object) {
        // Skip the path to reach the missing FROM.
        this.next();
        while (this.peek().kind === 'punct' && this.peek().text === '.') {
          this.next();
          this.next();
        }
      } else fields.push(this.parsePath(object));
      if (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next();
        continue;
      }
      break;
    }
    this.expectKeyword('from');
    query.fields = fields;
  }

  /** `Name`, `Account.Name`, `pse__Project__r.pse__Account__r.Syncwright_Key__c`. */
  private parsePath(object: SObjectDef): FieldPath {
    const first = this.next();
    if (first.kind !== 'ident' || KEYWORDS.has(first.text.toLowerCase())) throw this.unexpected(first);
    const parts: Token[] = [first];
    while (this.peek().kind === 'punct' && this.peek().text === '.') {
      this.next();
      const p = this.next();
      if (p.kind !== 'ident') throw this.unexpected(p);
      parts.push(p);
    }
    let current = object;
    // A path may start with the queried object's own name: `Account.Name` FROM Account.
    if (parts.length > 1 && parts[0].text.toLowerCase() === object.name.toLowerCase() && !object.byRelationship.has(parts[0].text.toLowerCase())) parts.shift();
    const rels: FieldDef[] = [];
    const objects: SObjectDef[] = [object];
    for (let k = 0; k < parts.length - 1; k++) {
      const rel = current.byRelationship.get(parts[k].text.toLowerCase());
      if (!rel) {
        throw queryError('INVALID_FIELD', this.soql, first.pos, `Didn't understand relationship '${parts[k].text}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
      }
      rels.push(rel);
      current = this.schema.get(rel.referenceTo[0] ?? '') as SObjectDef;
      objects.push(current);
    }
    const last = parts[parts.length - 1];
    const leaf = current.byName.get(last.text.toLowerCase());
    if (!leaf) {
      const shown = parts.map((p) => p.text).join('.');
      throw queryError('INVALID_FIELD', this.soql, first.pos, `No such column '${rels.length > 0 ? last.text : shown}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    return { rels, leaf, objects };
  }

  // condition := term ((AND term)* | (OR term)*)   — SOQL refuses AND and OR mixed without parentheses.
  private parseCondition(object: SObjectDef): Predicate {
    const first = this.parseTerm(object);
    const items = [first];
    let joiner: 'and' | 'or' | undefined;
    while (this.isKeyword('and') || this.isKeyword('or')) {
      const word = this.peek().text.toLowerCase() as 'and' | 'or';
      if (joiner !== undefined && joiner !== word) throw this.unexpected();
      joiner = word;
      this.next();
      items.push(this.parseTerm(object));
    }
    if (items.length === 1) return first;
    if (joiner === 'and') return (row) => items.every((p) => p(row));
    return (row) => items.some((p) => p(row));
  }

  private parseTerm(object: SObjectDef): Predicate {
    if (this.isKeyword('not')) {
      this.next();
      const inner = this.parseTerm(object);
      return (row) => !inner(row);
    }
    if (this.peek().kind === 'punct' && this.peek().text === '(') {
      this.next();
      const inner = this.parseCondition(object);
      this.expectPunct(')');
      return inner;
    }
    const pathToken = this.peek();
    const path = this.parsePath(object);
    const get = (row: Row) => this.comparable(path, row);
    if (this.isKeyword('like')) {
      this.next();
      const t = this.next();
      if (t.kind !== 'string') throw this.unexpected(t);
      if (!TEXT_TYPES.has(path.leaf.type)) throw queryError('INVALID_QUERY_FILTER_OPERATOR', this.soql, pathToken.pos, `invalid operator on ${path.leaf.type === 'id' ? 'id' : path.leaf.type} field: ${path.leaf.name}`);
      // Lower-cased like the values it is matched against (comparable()), so LIKE folds case as = does.
      const re = likeToRegExp((t.value as string).toLowerCase());
      return (row) => {
        const v = get(row);
        return typeof v === 'string' && re.test(v);
      };
    }
    let negated = false;
    if (this.isKeyword('not') && this.isKeyword('in', 1)) {
      this.next();
      negated = true;
    }
    if (this.isKeyword('in')) {
      this.next();
      this.expectPunct('(');
      const values = new Set<Cmp>();
      for (;;) {
        const lit = this.parseLiteral(path, '=');
        if (typeof lit === 'function') throw this.unexpected();
        values.add(lit);
        if (this.peek().kind === 'punct' && this.peek().text === ',') {
          this.next();
          continue;
        }
        break;
      }
      this.expectPunct(')');
      return negated ? (row) => !values.has(get(row)) : (row) => values.has(get(row));
    }
    if (negated) throw this.unexpected();
    const opToken = this.next();
    if (opToken.kind !== 'op') throw this.unexpected(opToken);
    const op = opToken.text as Op;
    const lit = this.parseLiteral(path, op);
    if (typeof lit === 'function') return (row) => lit(get(row));
    if (lit === null) {
      if (op === '=') return (row) => get(row) === null;
      if (op === '!=') return (row) => get(row) !== null;
      return () => false;
    }
    return (row) => compareWith(get(row), op, lit);
  }

  /** A literal in the field's comparable domain, or (for date constants like TODAY) a test on the value. */
  private parseLiteral(path: FieldPath, op: Op): Cmp | ((v: Cmp) => boolean) {
    const t = this.next();
    const f = path.leaf;
    const field = path.rels.length > 0 ? `${path.rels.map((r) => r.relationshipName).join('.')}.${f.name}` : f.name;
    const typeName = f.type === 'datetime' ? 'dateTime' : f.type === 'currency' || f.type === 'percent' ? 'double' : f.type === 'id' || f.type === 'reference' ? 'id' : TEXT_TYPES.has(f.type) ? 'string' : f.type;
    const wrongType = () => queryError('INVALID_QUERY_FILTER_OPERATOR', this.soql, t.pos, `value of filter criterion for field '${field}' must be of type ${typeName} and should${typeName === 'string' || typeName === 'id' ? '' : ' not'} be enclosed in quotes`);
    if (t.kind === 'ident' && t.text.toLowerCase() === 'null') return null;
    switch (f.type) {
      case 'boolean':
        if (t.kind === 'ident' && (t.text.toLowerCase() === 'true' || t.text.toLowerCase() === 'false')) return t.text.toLowerCase() === 'true';
        throw wrongType();
      case 'double':
      case 'currency':
      case 'percent':
      case 'int':
        if (t.kind === 'number') return t.value as number;
        throw wrongType();
      case 'date':
      case 'datetime': {
        if (t.kind === 'date' && f.type === 'date') {
          if (!isDate(t.text)) throw queryError('MALFORMED_QUERY', this.soql, t.pos, `line 1:${t.pos} no viable alternative at character ' '`);
          return t.text;
        }
        if (t.kind === 'datetime' && f.type === 'datetime') {
          const ms = parseDateTime(t.text);
          if (ms === undefined) throw wrongType();
          return ms;
        }
        if (t.kind === 'ident') {
          const range = this.dateConstant(t);
          if (range) {
            const [lo, hi] = f.type === 'date' ? [isoDay(range[0]), isoDay(range[1])] : range;
            return (v: Cmp) => v !== null && inRange(v as string | number, op, lo, hi);
          }
        }
        throw wrongType();
      }
      case 'id':
      case 'reference': {
        if (t.kind !== 'string') throw wrongType();
        const id = normalizeId(t.value as string);
        if (!id) throw queryError('INVALID_QUERY_FILTER_OPERATOR', this.soql, t.pos, `invalid ID field: ${String(t.value)}`);
        return id;
      }
      default:
        if (t.kind !== 'string') throw wrongType();
        return (t.value as string).replaceAll(LITERAL_UNDERSCORE, '_').replaceAll(LITERAL_PERCENT, '%').toLowerCase();
    }
  }

  /** TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n as [from, to) in epoch ms (UTC days). */
  private dateConstant(t: Token): [number, number] | undefined {
    const day = 86_400_000;
    const today = Math.floor(this.now / day) * day;
    const name = t.text.toUpperCase();
    if (name === 'TODAY') return [today, today + day];
    if (name === 'YESTERDAY') return [today - day, today];
    if (name === 'TOMORROW') return [today + day, today + 2 * day];
    if (name === 'LAST_N_DAYS' || name === 'NEXT_N_DAYS') {
      this.expectPunct(':');
      const n = this.parseCount();
      return name === 'LAST_N_DAYS' ? [today - n * day, today + day] : [today + day, today + (n + 1) * day];
    }
    return undefined;
  }

  comparable(path: FieldPath, row: Row): Cmp {
    let current: Row | undefined = row;
    for (const rel of path.rels) {
      const id: Row[string] = current[rel.name];
      if (typeof id !== 'string') return null;
      current = this.store.lookup(id)?.row;
      if (!current) return null;
    }
    const v = current[path.leaf.name];
    if (v === undefined || v === null) return null;
    return typeof v === 'string' && TEXT_TYPES.has(path.leaf.type) ? v.toLowerCase() : v;
  }
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function inRange(v: string | number, op: Op, lo: string | number, hi: string | number): boolean {
  switch (op) {
    case '=':
      return v >= lo && v < hi;
    case '!=':
      return v < lo || v >= hi;
    case '<':
      return v < lo;
    case '<=':
      return v < hi;
    case '>':
      return v >= hi;
    case '>=':
      return v >= lo;
  }
}

function compareWith(v: Cmp, op: Op, lit: Exclude<Cmp, null>): boolean {
  if (op === '=') return v === lit;
  if (op === '!=') return v !== lit;
  // SOQL: a null never satisfies an ordering comparison.
  if (v === null) return false;
  switch (op) {
    case '<':
      return v < lit;
    case '<=':
      return v <= lit;
    case '>':
      return v > lit;
    default:
      return v >= lit;
  }
}

function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else if (ch === LITERAL_PERCENT) re += '%';
    else if (ch === LITERAL_UNDERSCORE) re += '_';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'iu');
}

export function parseSoql(soql: string, schema: OrgSchema, store: OrgStore, now: number): { query: ParsedQuery; comparable: (path: FieldPath, row: Row) => Cmp } {
  const parser = new Parser(soql, tokenize(soql), schema, store, now);
  const query = parser.parse();
  return { query, comparable: (path, row) => parser.comparable(path, row) };
}

export interface QueryResult {
  totalSize: number;
  records: Array<Record<string, unknown>>;
}

/** Runs a query: filter, order, offset and limit, then shape each record as the REST API returns it. */
export function runSoql(soql: string, schema: OrgSchema, store: OrgStore, now: number, version: string, includeDeleted: boolean): QueryResult {
  if (soql.trim().length === 0) throw fail(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  const { query, comparable } = parseSoql(soql, schema, store, now);
  let rows = store.rows(query.object, includeDeleted);
  if (query.where) rows = rows.filter(query.where);
  if (query.orderBy.length > 0) {
    const keys = query.orderBy;
    const decorated = rows.map((row, index) => ({ row, index, values: keys.map((k) => comparable(k.path, row)) }));
    decorated.sort((a, b) => {
      for (let k = 0; k < keys.length; k++) {
        const x = a.values[k];
        const y = b.values[k];
        if (x === y) continue;
        const key = keys[k];
        if (x === null) return key.nullsLast ? 1 : -1;
        if (y === null) return key.nullsLast ? -1 : 1;
        const c = x < y ? -1 : 1;
        return key.desc ? -c : c;
      }
      return a.index - b.index;
    });
    rows = decorated.map((d) => d.row);
  }
  if (query.offset !== undefined) rows = rows.slice(query.offset);
  if (query.limit !== undefined) rows = rows.slice(0, query.limit);
  if (query.aggregate) {
    const path = query.aggregate.path;
    const count = path ? rows.filter((r) => comparable(path, r) !== null).length : rows.length;
    return { totalSize: 1, records: [{ attributes: { type: 'AggregateResult' }, [query.aggregate.alias]: count }] };
  }
  if (!query.fields) return { totalSize: rows.length, records: [] };
  const fields = query.fields;
  return { totalSize: rows.length, records: rows.map((row) => project(query.object, fields, row, store, version)) };
}

function project(object: SObjectDef, fields: FieldPath[], row: Row, store: OrgStore, version: string): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: object.name, url: `/services/data/v${version}/sobjects/${object.name}/${String(row['Id'])}` } };
  for (const path of fields) {
    let target: Record<string, unknown> = out;
    let current: Row | undefined = row;
    let reached = true;
    for (let k = 0; k < path.rels.length; k++) {
      const rel = path.rels[k];
      const key = rel.relationshipName as string;
      const id: unknown = current[rel.name];
      const parent = typeof id === 'string' ? store.lookup(id) : undefined;
      if (!parent) {
        if (!(key in target)) target[key] = null;
        reached = false;
        break;
      }
      let nested = target[key] as Record<string, unknown> | null | undefined;
      if (nested === undefined || nested === null) {
        nested = { attributes: { type: parent.def.name, url: `/services/data/v${version}/sobjects/${parent.def.name}/${String(parent.row['Id'])}` } };
        target[key] = nested;
      }
      target = nested;
      current = parent.row;
    }
    if (reached) target[path.leaf.name] = wireValue(path.leaf, current);
  }
  return out;
}
