// One clock for the engine, injectable so tests control time (leases, retention, backoff deadlines).
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
