// The default store: an embedded LevelDB in the Node-RED user directory. Nothing to install.
import { mkdirSync } from 'node:fs';
import { Level } from 'level';
import { GroupCommitStore, type EncodedOp, type ScanRange } from './store.js';

/** An operation as abstract-level's private API receives it: encoded, with its encodings named. */
type PrivateOp = { type: 'put'; key: string; keyEncoding: 'utf8'; value: string; valueEncoding: 'utf8' } | { type: 'del'; key: string; keyEncoding: 'utf8' };

/** Up to this many keys are read synchronously at once; more go to the thread pool (one long read blocks nobody). */
const SYNC_READ_MAX = 64;

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

  /**
   * Our ops are encoded here, to strings, and go straight to the implementation's `_batch` in the shape
   * abstract-level's private API guarantees it (type, key, keyEncoding, value, valueEncoding; encodings
   * normalised). The public `batch()` clones and re-encodes every op with an object spread that V8 cannot
   * optimise for mixed shapes: on this path it cost ~5 µs per op, more than LevelDB's own write. The public
   * call remains the fallback when the database is not open (it gives the proper error).
   */
  protected applyBatch(ops: EncodedOp[], sync: boolean): Promise<void> {
    const db = this.db as unknown as { status: string; _batch?: (ops: PrivateOp[], options: { sync: boolean }) => Promise<void> };
    if (db.status !== 'open' || typeof db._batch !== 'function') {
      return this.db.batch(ops.map((op) => (op.type === 'put' ? { ...op, valueEncoding: 'utf8' } : op)), { sync });
    }
    // GroupCommitStore.write encoded every value to a string (what _batch would otherwise store empty).
    const encoded = new Array<PrivateOp>(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      encoded[i] = op.type === 'del' ? { type: 'del', key: op.key, keyEncoding: 'utf8' } : { type: 'put', key: op.key, keyEncoding: 'utf8', value: op.value, valueEncoding: 'utf8' };
    }
    return db._batch(encoded, { sync });
  }

  /**
   * Keys are read synchronously (`getSync`): a LevelDB lookup answered from its caches takes a few µs, the hop to
   * libuv's thread pool and back 30–90 µs on a 2-core machine, behind any fsync that holds a pool thread. A
   * lookup that must read the disk holds the event loop for that read. The asynchronous get remains for a
   * database that is not open (it gives the proper error) and for long lists of keys.
   */
  private readSync<T>(read: () => T): Promise<T> {
    try {
      return Promise.resolve(read());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  protected readRaw(key: string): Promise<string | undefined> {
    if (this.db.status !== 'open') return this.db.get<string, string>(key, { valueEncoding: 'utf8' });
    return this.readSync(() => this.db.getSync<string, string>(key, { valueEncoding: 'utf8' }));
  }

  async *scanRaw(range: ScanRange): AsyncIterable<[string, string]> {
    for await (const [k, v] of this.db.iterator<string, string>({ ...range, valueEncoding: 'utf8' })) yield [k, v];
  }

  protected readOne(key: string): Promise<unknown> {
    if (this.db.status !== 'open') return this.db.get(key);
    return this.readSync(() => this.db.getSync(key));
  }

  protected readMany(keys: string[]): Promise<unknown[]> {
    if (this.db.status !== 'open' || keys.length > SYNC_READ_MAX) return this.db.getMany(keys);
    return this.readSync(() => keys.map((k) => this.db.getSync(k)));
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
