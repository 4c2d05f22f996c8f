// What `npm run bench:guard-steps` measures (bench/src/guard-steps.ts drives, and
// targets/guard-steps.ts serves, these routes).

export interface GuardStepsSpec {
  port: number;
  /** `memory` or `sqlite:<path>`. */
  sessionStore: string;
}

/** The steps, in order: each route does what the one before does, and one thing more. */
export const GUARD_STEPS = [
  ['/healthz', 'open route (no guard)'],
  ['/bench/steps/handler', "/secure-data's handler, no hook (a constant caller)"],
  ['/bench/steps/constant', 'the handler behind a preHandler that sets a constant caller'],
  ['/bench/steps/cookie', '+ read the cookie'],
  ['/bench/steps/hash', '+ SHA-256 of the id (the store key; Sessions keeps it instead)'],
  ['/bench/steps/store', '+ store.get, the kept key in place of the hash'],
  ['/secure-data', 'the whole guard (requireAuth)'],
] as const;
