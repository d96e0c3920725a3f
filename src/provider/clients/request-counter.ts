/** Counts requests per server kind; benchmarks and the batched-read tests read it. */
export const requestCounter = {
  counts: new Map<string, number>(),
  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  },
  get(kind: string): number {
    return this.counts.get(kind) ?? 0;
  },
  reset(): void {
    this.counts.clear();
  },
};
