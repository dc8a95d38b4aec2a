/**
 * The request body bytes the emulator holds at once, all requests together. A request takes what it reads (or,
 * with a Content-Length, what it declares, up front) and gives it back when its response closes; a request that
 * would go past the limit is refused at once, so memory stays bounded however many clients upload together.
 */
export class BodyBudget {
  readonly limit: number;
  #held = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get held(): number {
    return this.#held;
  }

  /** Takes `bytes` if they fit; false (and nothing taken) if not. */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.limit) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}
