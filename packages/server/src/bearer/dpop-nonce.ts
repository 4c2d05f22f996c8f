import { createHmac } from 'node:crypto';

/** Seconds a nonce is issued for; it is accepted for one more step after that. */
export const DPOP_NONCE_STEP = 300;

/**
 * Server-issued DPoP nonces (RFC 9449 9) that need no shared state: the nonce of a time step is
 * an HMAC of the step under a key derived from SESSION_SECRET, so every instance issues and
 * accepts the same ones, and a nonce stops working two steps after it was issued.
 */
export class DPoPNonces {
  #step = -1;
  #current = '';
  #previous = '';

  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  /** The nonce to send in `DPoP-Nonce` now. */
  current(): string {
    this.#roll();
    return this.#current;
  }

  /** Whether a proof's `nonce` is this step's or the previous step's. */
  accepts(nonce: unknown): boolean {
    this.#roll();
    return typeof nonce === 'string' && (nonce === this.#current || nonce === this.#previous);
  }

  #roll(): void {
    const step = Math.floor(this.now() / 1000 / DPOP_NONCE_STEP);
    if (step === this.#step) return;
    this.#current = this.#at(step);
    this.#previous = this.#at(step - 1);
    this.#step = step;
  }

  #at(step: number): string {
    return createHmac('sha256', this.key).update(`dpop nonce ${step}`).digest('base64url');
  }
}
