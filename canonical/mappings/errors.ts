// The one error every mapping throws. canonical/ may import nothing else of ours, so the connectors turn a
// MappingError into a `data`-class SyncError themselves (see isMappingError).

export type Vendor = 'salesforce' | 'netsuite' | 'kantata';
export type MappingDirection = 'to-vendor' | 'from-vendor';

export class MappingError extends Error {
  override readonly name = 'MappingError';
  /** Stable code for the connectors' SyncError. */
  readonly code = 'MAPPING_ERROR';

  constructor(
    /** Dotted path of the field at fault: canonical when mapping to the vendor, vendor when mapping from it. */
    readonly field: string,
    /** Why the value cannot be mapped, in plain words. */
    readonly reason: string,
    readonly direction: MappingDirection,
    readonly vendor: Vendor,
    /** Vendor object type, e.g. `customer`, `pse__Proj__c`, `workspace`. */
    readonly objectType: string,
  ) {
    const what = direction === 'to-vendor' ? `to ${vendor} ${objectType}` : `from ${vendor} ${objectType}`;
    super(`cannot map ${what}: ${field === '' ? '(record)' : field} ${reason}`);
  }
}

export function isMappingError(value: unknown): value is MappingError {
  return value instanceof MappingError;
}

/** Where a mapping runs; every error it raises names this place. */
export class Scope {
  constructor(
    readonly vendor: Vendor,
    readonly objectType: string,
    readonly direction: MappingDirection,
  ) {}

  fail(field: string, reason: string): never {
    throw new MappingError(field, reason, this.direction, this.vendor, this.objectType);
  }
}
