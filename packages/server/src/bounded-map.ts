/**
 * Sets `key` in `map`, which holds at most `max` entries: when it is full and `key` is new, the
 * oldest entry (the first inserted) goes first. Every in-process cache of Gatehouse is bounded
 * this way, so memory stays capped whatever callers send. Delete `key` first to make it the
 * newest again.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max && !map.has(key)) map.delete(map.keys().next().value!);
  map.set(key, value);
}
