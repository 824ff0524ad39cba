/**
 * A typed-array column that grows as rows arrive, so a file of unknown length can be bound in one
 * streaming pass without an intermediate array of parsed rows.
 */
type Typed = Float32Array | Int32Array | Uint8Array;

interface TypedConstructor<T extends Typed> {
  new (length: number): T;
}

export class GrowableColumn<T extends Typed> {
  data: T;
  private capacity: number;

  constructor(
    private readonly kind: TypedConstructor<T>,
    readonly width: number,
    initialRows = 1024,
  ) {
    this.capacity = initialRows;
    this.data = new kind(initialRows * width);
  }

  /** Where row `i` starts in `data`, growing the column (by doubling) when needed; read `data` after this call. */
  at(i: number): number {
    if (i >= this.capacity) {
      let capacity = Math.max(this.capacity * 2, 1);
      while (capacity <= i) capacity *= 2;
      const grown = new this.kind(capacity * this.width);
      grown.set(this.data);
      this.data = grown;
      this.capacity = capacity;
    }
    return i * this.width;
  }

  /**
   * The first `n` rows in an array of exactly that length; the column must not be used afterwards.
   * When the column holds little more than that (a reserved count a few blank or bad rows too
   * high), the array is a view of it rather than a copy, so the values are never in memory twice.
   */
  finish(n: number): T {
    const used = n * this.width;
    const out =
      used === this.data.length
        ? this.data
        : ((used >= this.data.length * 0.8 ? this.data.subarray(0, used) : this.data.slice(0, used)) as T);
    this.data = new this.kind(0);
    this.capacity = 0;
    return out;
  }
}
