// A config node that owns a target's limits (syncwright-target, and the vendor connection nodes) exposes
// them this way; store-forward nodes pace deliveries with that target's shared limiter.
import type { TargetLimitsInput } from '../engine/limiter.js';

export interface LimitedTarget {
  /** Engine limiter id, e.g. `target:<config node id>`. */
  limiterTarget: string;
  limits: TargetLimitsInput;
  limitsError?: string | undefined;
}

export function isLimitedTarget(node: unknown): node is LimitedTarget {
  return typeof node === 'object' && node !== null && typeof (node as LimitedTarget).limiterTarget === 'string' && typeof (node as LimitedTarget).limits === 'object';
}
