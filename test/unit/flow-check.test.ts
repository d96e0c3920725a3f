/**
 * The check of what flows through a deployed pipeline (src/tools/ksqldb/flow.ts), on flows built
 * by hand: the counts the demo and `streamform produce` judge, without Kafka.
 */
import { emptyDerivedTopics, flowConsistent, renderFlow, type PipelineFlow, type TopicFlow } from '../../src/tools/ksqldb/flow';

const source = (topic: string, actual: number): TopicFlow => ({ topic, role: 'source', objects: [], actual });
const derived = (topic: string, actual: number, expected: number, timingDependent = false): TopicFlow => ({
  topic,
  role: 'derived',
  objects: [topic.toUpperCase().replace(/-/g, '_')],
  actual,
  expected,
  ...(timingDependent ? { timingDependent: true } : {}),
});
const flowOf = (topics: TopicFlow[]): PipelineFlow => ({ topics, consistent: flowConsistent(topics), derivedValues: new Map() });

/** The ratings pipeline after the demo's 300 ratings, every stage fed. */
const RATINGS = [
  source('ratings', 300),
  source('customers', 100),
  derived('ratings-live', 255, 255),
  derived('ratings-test', 45, 45),
  derived('ratings-enriched', 255, 255),
  derived('unhappy-platinum-customers', 28, 28),
];

describe('flowConsistent', () => {
  test('every derived topic holding exactly what was expected is consistent', () => {
    expect(flowConsistent(RATINGS)).toBe(true);
    expect(emptyDerivedTopics(flowOf(RATINGS))).toEqual([]);
  });

  test('one empty derived topic where records are expected fails the check, and the table says DIFFERS', () => {
    const topics = RATINGS.map((t) => (t.topic === 'ratings-enriched' ? { ...t, actual: 0 } : t));
    expect(flowConsistent(topics)).toBe(false);
    expect(
      renderFlow(flowOf(topics))
        .split('\n')
        .find((l) => l.startsWith('ratings-enriched')),
    ).toMatch(/\b0\s+255\s+DIFFERS$/);
    expect(emptyDerivedTopics(flowOf(topics))).toEqual(['ratings-enriched']);
  });

  test('an empty timing-dependent topic fails even when it stopped growing; one holding records and settled passes', () => {
    const lookup = (actual: number) => [source('registrations', 50), derived('registrations-valid', actual, 40, true)];
    expect(flowConsistent(lookup(0), new Map([['registrations-valid', 0]]))).toBe(false);
    expect(flowConsistent(lookup(38), new Map([['registrations-valid', 38]]))).toBe(true);
    // still growing: not settled yet
    expect(flowConsistent(lookup(38), new Map([['registrations-valid', 30]]))).toBe(false);
  });

  test('a count other than the expected fails; no derived records at all fails', () => {
    expect(flowConsistent(RATINGS.map((t) => (t.topic === 'ratings-test' ? { ...t, actual: 46 } : t)))).toBe(false);
    expect(flowConsistent([source('ratings', 0), derived('ratings-live', 0, 0)])).toBe(false);
  });

  test('a derived topic the replay expects nothing of may be empty; the demo still names it', () => {
    const topics = [...RATINGS, derived('ratings-rejected', 0, 0)];
    expect(flowConsistent(topics)).toBe(true);
    expect(emptyDerivedTopics(flowOf(topics))).toEqual(['ratings-rejected']);
  });
});
