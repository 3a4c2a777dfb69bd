// The default store: an embedded LevelDB in the Node-RED user directory. Nothing to install.
import { mkdirSync } from 'node:fs';
import { Level } from 'level';
import { GroupCommitStore, type ScanRange, type WriteOp } from './store.js';

export class LevelStore extends GroupCommitStore {
  readonly kind = 'leveldb';
  private constructor(
    private readonly db: Level<string, unknown>,
    readonly location: string,
  ) {
    super();
  }

  static async open(location: string): Promise<LevelStore> {
    mkdirSync(location, { recursive: true });
    const db = new Level<string, unknown>(location, { valueEncoding: 'json' });
    try {
      await db.open();
    } catch (err) {
      const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
      if (code === 'LEVEL_LOCKED') {
        throw new Error(`the Syncwright store at ${location} is in use by another process (LevelDB allows one at a time); for several Node-RED instances use the PostgreSQL store`, { cause: err });
      }
      throw err;
    }
    return new LevelStore(db, location);
  }

  protected applyBatch(ops: WriteOp[], sync: boolean): Promise<void> {
    const encoded = ops.map((op) => (op.type === 'put' && op.raw ? { type: 'put' as const, key: op.key, value: op.value, valueEncoding: 'utf8' } : op));
    return this.db.batch(encoded, { sync });
  }

  protected readRaw(key: string): Promise<string | undefined> {
    return this.db.get<string, string>(key, { valueEncoding: 'utf8' });
  }

  async *scanRaw(range: ScanRange): AsyncIterable<[string, string]> {
    for await (const [k, v] of this.db.iterator<string, string>({ ...range, valueEncoding: 'utf8' })) yield [k, v];
  }

  protected readOne(key: string): Promise<unknown> {
    return this.db.get(key);
  }

  protected readMany(keys: string[]): Promise<unknown[]> {
    return this.db.getMany(keys);
  }

  async *scan<T>(range: ScanRange): AsyncIterable<[string, T]> {
    for await (const [k, v] of this.db.iterator(range)) yield [k, v as T];
  }

  async *scanKeys(range: ScanRange): AsyncIterable<string> {
    for await (const k of this.db.keys(range)) yield k;
  }

  protected closeBackend(): Promise<void> {
    return this.db.close();
  }
}
