// A Bloom filter of the idempotency keys the store holds: "not in the filter" means "never claimed", so a new
// key is decided without a disk read. False positives only cost the read we would have done anyway.
export class BloomFilter {
  private readonly bits: Uint32Array;
  constructor(
    private readonly size = 1 << 24,
    private readonly hashes = 7,
  ) {
    this.bits = new Uint32Array(size >>> 5);
  }

  private indexes(key: string, fn: (i: number) => boolean): boolean {
    // Two independent 32-bit FNV-1a variants, combined by double hashing.
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    for (let i = 0; i < this.hashes; i++) {
      const idx = ((h1 + Math.imul(i, h2 | 1)) >>> 0) % this.size;
      if (!fn(idx)) return false;
    }
    return true;
  }

  add(key: string): void {
    this.indexes(key, (i) => {
      this.bits[i >>> 5] = (this.bits[i >>> 5]) | (1 << (i & 31));
      return true;
    });
  }

  mightContain(key: string): boolean {
    return this.indexes(key, (i) => ((this.bits[i >>> 5]) & (1 << (i & 31))) !== 0);
  }
}
