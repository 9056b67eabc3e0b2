/**
 * One upstream request for many simultaneous misses (request collapsing, as CloudFront does): a
 * miss joins the request already on its way for the same key, or sends one. The key is free again
 * once that request settles, so the next miss asks again (by then its answer is cached, or it was a
 * failure worth trying again).
 */
export class RequestCollapser<A, V> {
  private readonly inflight = new Map<string, Promise<V>>();

  /** `send(key, arg)` makes the one request for `key`. */
  constructor(private readonly send: (key: string, arg: A) => Promise<V>) {}

  /** The answer of the request in flight for `key`, or of a new one sent with `arg`. */
  join(key: string, arg: A): Promise<V> {
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.send(key, arg);
      this.inflight.set(key, pending);
      const mine = pending;
      // Registered before any joiner's reaction: the key is free by the time they run.
      const forget = (): void => {
        if (this.inflight.get(key) === mine) this.inflight.delete(key);
      };
      void mine.then(forget, forget);
    }
    return pending;
  }

  /** Requests in flight. */
  get size(): number {
    return this.inflight.size;
  }
}
