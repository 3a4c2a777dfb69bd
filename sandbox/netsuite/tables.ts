// The SuiteQL tables over the record store, derived from the record definitions: one table per record
// type, except `transaction`, which holds sales orders, invoices, payments and expense reports side by side
// and tells them apart by `type` (SalesOrd, CustInvc, CustPymt, ExpRept), as in NetSuite.
import { RECORD_TYPES, type FieldDef, type RecordTypeDef } from './records.js';
import { isRef, textOf, type FieldValue, type RecordStore, type StoredRecord } from './store.js';
import { SqlDate, type SqlColumn, type SqlTable, type SqlValue } from './suiteql.js';

/** A row: the record and its values with derived ones, computed once per row. */
export interface Row {
  rec: StoredRecord;
  values: Record<string, FieldValue>;
}

function sqlValue(f: FieldDef, v: FieldValue | undefined): SqlValue {
  if (v === undefined) return null;
  switch (f.kind) {
    case 'boolean':
      return v === true ? 'T' : 'F';
    case 'date':
      return typeof v === 'string' ? new SqlDate(Date.parse(`${v}T00:00:00Z`), true) : null;
    case 'datetime':
      return typeof v === 'number' ? new SqlDate(v, false) : null;
    case 'ref':
      return isRef(v) ? v.id : null;
    case 'integer':
    case 'number':
      return typeof v === 'number' ? v : null;
    default:
      return textOf(v);
  }
}

/** Display labels of transaction statuses as BUILTIN.DF shows them (`Invoice : Open`). */
function statusLabel(def: RecordTypeDef, v: FieldValue | undefined): string | null {
  const f = def.fields['status'];
  if (!f?.options || typeof v !== 'string') return null;
  return `${def.title} : ${f.options[v] ?? v}`;
}

export function buildTables(store: RecordStore): Map<string, SqlTable<Row>> {
  const byTable = new Map<string, RecordTypeDef[]>();
  for (const def of RECORD_TYPES) byTable.set(def.table, [...(byTable.get(def.table) ?? []), def]);
  const tables = new Map<string, SqlTable<Row>>();
  for (const [name, defs] of byTable) {
    const columns = new Map<string, SqlColumn<Row>>();
    columns.set('id', { get: (r) => r.rec.id });
    for (const def of defs) {
      for (const [field, f] of Object.entries(def.fields)) {
        if (f.column === false || field === 'id') continue;
        const col = f.column ?? field.toLowerCase();
        if (columns.has(col)) continue;
        // A column may come from a differently named field in another type of the same table (customer → entity).
        const sources = new Map<string, { field: string; f: FieldDef }>();
        for (const d of defs) {
          for (const [fn, ff] of Object.entries(d.fields)) {
            if (ff.column !== false && (ff.column ?? fn.toLowerCase()) === col && fn !== 'id') sources.set(d.name, { field: fn, f: ff });
          }
        }
        const created = field === def.createdField;
        columns.set(col, {
          get: (r) => {
            if (created) return new SqlDate(r.rec.created, false);
            if (field === 'lastModifiedDate') return new SqlDate(r.rec.modified, false);
            const s = sources.get(r.rec.def.name);
            return s ? sqlValue(s.f, r.values[s.field]) : null;
          },
          display: (r) => {
            const s = sources.get(r.rec.def.name);
            if (!s) return null;
            const v = r.values[s.field];
            if (s.field === 'status') return statusLabel(r.rec.def, v);
            if (s.f.kind === 'select') return typeof v === 'string' ? (s.f.options?.[v] ?? v) : null;
            if (s.f.kind === 'ref') {
              const target = store.deref(v);
              return target ? store.nameOf(target) : null;
            }
            const plain = sqlValue(s.f, v);
            return plain === null ? null : plain instanceof SqlDate ? null : String(plain);
          },
        });
      }
    }
    if (name === 'transaction') {
      columns.set('type', { get: (r) => r.rec.def.transactionType ?? null, display: (r) => r.rec.def.title });
      columns.set('recordtype', { get: (r) => r.rec.def.name.toLowerCase() });
    }
    if (name === 'item') columns.set('itemtype', { get: () => 'Service', display: () => 'Service' });
    tables.set(name, {
      name,
      columns,
      rows: () => {
        const recs = defs.flatMap((d) => store.all(d.name)).sort((a, b) => a.id - b.id);
        return recs.map((rec) => ({ rec, values: store.valuesOf(rec) }));
      },
    });
  }
  return tables;
}
