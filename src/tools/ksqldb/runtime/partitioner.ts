/**
 * Kafka's default partitioner for keyed records (Java client `Utils.murmur2`, positive, modulo the
 * partition count), so that records land where Kafka Streams would put them and co-partitioned
 * topics stay co-partitioned. Records without a key are spread round-robin.
 */

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = 0x9747b28c ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] & 0xff) | ((data[i4 + 1] & 0xff) << 8) | ((data[i4 + 2] & 0xff) << 16) | ((data[i4 + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= (data[tail + 2] & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1] & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail] & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives a key. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/** A partitioner: by key hash, round-robin for null keys. */
export class DefaultPartitioner {
  private next = 0;

  partition(key: Uint8Array | null, partitions: number): number {
    if (partitions <= 1) return 0;
    if (key === null) {
      const p = this.next % partitions;
      this.next = (this.next + 1) % partitions;
      return p;
    }
    return partitionForKey(key, partitions);
  }
}
