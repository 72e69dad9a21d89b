/**
 * A Map that forgets its oldest entries past a size: the mock keeps recent responses,
 * conversations and keys in memory, and a long CI run or a benchmark must not grow it forever.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.capacity) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
