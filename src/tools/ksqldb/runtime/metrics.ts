/**
 * Per-topic message counters as ksqlDB's MetricCollectors keep them (consumer, producer and error
 * sensors: a total, a rate, the time of the last message), formatted the way DESCRIBE EXTENDED
 * shows them (`TopicSensors.Stat#formatted`, `MetricCollectors#format`).
 */

interface Stat {
  readonly name: string;
  readonly value: number;
  /** epoch millis of the last event, 0 when none */
  readonly timestamp: number;
}

/** Events per second over the last `windowMs`. */
class Rate {
  private readonly samples: { at: number; n: number }[] = [];
  constructor(private readonly windowMs = 30_000) {}

  record(n: number, at: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && at - last.at < 1000) last.n += n;
    else this.samples.push({ at, n });
    this.trim(at);
  }

  private trim(now: number): void {
    while (this.samples.length > 0 && now - this.samples[0].at > this.windowMs) this.samples.shift();
  }

  value(now: number): number {
    this.trim(now);
    const total = this.samples.reduce((s, x) => s + x.n, 0);
    return total / (this.windowMs / 1000);
  }
}

class TopicSensor {
  total = 0;
  bytes = 0;
  last = 0;
  readonly rate = new Rate();

  record(n: number, bytes: number, at: number): void {
    this.total += n;
    this.bytes += bytes;
    this.last = at;
    this.rate.record(n, at);
  }
}

type Kind = 'consumer' | 'producer' | 'error';

/** Counters of one query (or of all of them, merged by topic). */
export class TopicMetrics {
  private readonly sensors = new Map<string, TopicSensor>();

  private sensor(kind: Kind, topic: string): TopicSensor {
    const k = `${kind}\n${topic.toLowerCase()}`;
    let s = this.sensors.get(k);
    if (!s) this.sensors.set(k, (s = new TopicSensor()));
    return s;
  }

  consumed(topic: string, n: number, bytes: number, at = Date.now()): void {
    if (n > 0) this.sensor('consumer', topic).record(n, bytes, at);
  }

  produced(topic: string, n: number, at = Date.now()): void {
    if (n > 0) this.sensor('producer', topic).record(n, 0, at);
  }

  failed(topic: string, n: number, at = Date.now()): void {
    if (n > 0) this.sensor('error', topic).record(n, 0, at);
  }

  /** Total records consumed (all topics). */
  totalConsumed(): number {
    let n = 0;
    for (const [k, s] of this.sensors) if (k.startsWith('consumer\n')) n += s.total;
    return n;
  }

  /** The stats of a topic: message stats or error stats (ksqlDB's names). */
  stats(topic: string, isError: boolean, now = Date.now()): Stat[] {
    const out: Stat[] = [];
    const t = topic.toLowerCase();
    if (isError) {
      const e = this.sensors.get(`error\n${t}`);
      if (e) {
        out.push({ name: 'consumer-failed-messages', value: e.total, timestamp: e.last });
        out.push({ name: 'consumer-failed-messages-per-sec', value: e.rate.value(now), timestamp: e.last });
      }
      return out;
    }
    const c = this.sensors.get(`consumer\n${t}`);
    if (c) {
      out.push({ name: 'consumer-messages-per-sec', value: c.rate.value(now), timestamp: c.last });
      out.push({ name: 'consumer-total-bytes', value: c.bytes, timestamp: c.last });
      out.push({ name: 'consumer-total-messages', value: c.total, timestamp: c.last });
    }
    const p = this.sensors.get(`producer\n${t}`);
    if (p) {
      out.push({ name: 'messages-per-sec', value: p.rate.value(now), timestamp: p.last });
      out.push({ name: 'total-messages', value: p.total, timestamp: p.last });
    }
    return out;
  }
}

/** Stats of several collectors merged by name (values added, latest timestamp). */
export function mergeStats(lists: readonly (readonly Stat[])[]): Stat[] {
  const byName = new Map<string, Stat>();
  for (const list of lists) {
    for (const s of list) {
      const prev = byName.get(s.name);
      byName.set(s.name, prev ? { name: s.name, value: prev.value + s.value, timestamp: Math.max(prev.timestamp, s.timestamp) } : s);
    }
  }
  return [...byName.values()];
}

const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** `MetricCollectors#format`: each stat as `%16s:%10.0f` (or `%10.2f`), then the last event. */
export function formatStats(stats: readonly Stat[], lastEventLabel: string): string {
  let out = '';
  for (const s of stats) {
    const v = s.value === Math.round(s.value) ? s.value.toFixed(0) : s.value.toFixed(2);
    out += `${pad(s.name, 16)}:${pad(v, 10)} `;
  }
  if (stats.length > 0) {
    const ts = stats[0].timestamp;
    out += `${pad(lastEventLabel, 16)}: ${pad(ts === 0 ? 'n/a' : new Date(ts).toISOString().replace(/\.\d{3}Z$/, (m) => (m === '.000Z' ? 'Z' : m)), 9)}`;
  }
  return out;
}
