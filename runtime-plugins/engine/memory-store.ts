// An in-memory store with the same semantics, for unit tests and for users who explicitly want no
// persistence (`settings.syncwright.store = 'memory'`): nothing survives a restart.
import { GroupCommitStore, type EncodedOp, type ScanRange } from './store.js';

export class MemoryStore extends GroupCommitStore {
  readonly kind = 'memory';
  private readonly data = new Map<string, string>();
  private keys: string[] = [];

  protected applyBatch(ops: EncodedOp[]): Promise<void> {
    for (const op of ops) {
      const had = this.data.has(op.key);
      if (op.type === 'put') {
        this.data.set(op.key, op.value);
        if (!had) this.keys.splice(this.lowerBound(op.key), 0, op.key);
      } else if (had) {
        this.data.delete(op.key);
        this.keys.splice(this.lowerBound(op.key), 1);
      }
    }
    return Promise.resolve();
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid]) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  protected readOne(key: string): Promise<unknown> {
    const v = this.data.get(key);
    return Promise.resolve(v === undefined ? undefined : (JSON.parse(v) as unknown));
  }

  protected readRaw(key: string): Promise<string | undefined> {
    return Promise.resolve(this.data.get(key));
  }

  async *scanRaw(range: ScanRange): AsyncIterable<[string, string]> {
    for (const k of this.selectKeys(range)) {
      const v = this.data.get(k);
      if (v !== undefined) yield [k, v];
      await Promise.resolve();
    }
  }

  protected async readMany(keys: string[]): Promise<unknown[]> {
    return Promise.all(keys.map((k) => this.readOne(k)));
  }

  private selectKeys(range: ScanRange): string[] {
    const start = range.gte !== undefined ? this.lowerBound(range.gte) : range.gt !== undefined ? this.upperBound(range.gt) : 0;
    const end = range.lt !== undefined ? this.lowerBound(range.lt) : range.lte !== undefined ? this.upperBound(range.lte) : this.keys.length;
    let out = this.keys.slice(start, Math.max(start, end));
    if (range.reverse) out = out.reverse();
    return range.limit !== undefined && range.limit >= 0 ? out.slice(0, range.limit) : out;
  }

  private upperBound(key: string): number {
    const i = this.lowerBound(key);
    return this.keys[i] === key ? i + 1 : i;
  }

  async *scan<T>(range: ScanRange): AsyncIterable<[string, T]> {
    for (const k of this.selectKeys(range)) {
      const v = this.data.get(k);
      if (v !== undefined) yield [k, JSON.parse(v) as T];
      await Promise.resolve();
    }
  }

  async *scanKeys(range: ScanRange): AsyncIterable<string> {
    for (const k of this.selectKeys(range)) {
      yield k;
      await Promise.resolve();
    }
  }

  protected closeBackend(): Promise<void> {
    return Promise.resolve();
  }
}
