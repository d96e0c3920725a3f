/**
 * Which derived topics of a pipeline depend on the relative progress of its queries: downstream of
 * a join whose two inputs carry the same records by two paths. The flow check compares those by
 * "settled" rather than by exact count (see src/tools/ksqldb/flow.ts).
 */
import { App } from 'cdktf';
import { environment } from '../../stacks/environments';
import { PIPELINES } from '../../stacks/main';
import { pipelineTopology, timingDependentTopics } from '../../src/tools/ksqldb/flow';

const FIXED_ENV = { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' };

describe('timingDependentTopics', () => {
  test('a stream joined with a table aggregated from it, and everything downstream, depend on timing', () => {
    const queries = [
      { sourceTopics: ['in'], sinkTopic: 'prepared' },
      { sourceTopics: ['prepared'], sinkTopic: 'first-seen' },
      { sourceTopics: ['prepared', 'first-seen'], sinkTopic: 'lookup' },
      { sourceTopics: ['lookup'], sinkTopic: 'checked' },
      { sourceTopics: ['in'], sinkTopic: 'copy' },
    ];
    expect([...timingDependentTopics(queries)].sort()).toEqual(['checked', 'lookup']);
  });

  test('a join of two independent sources does not', () => {
    const queries = [
      { sourceTopics: ['ratings'], sinkTopic: 'live' },
      { sourceTopics: ['live', 'customers'], sinkTopic: 'enriched' },
      { sourceTopics: ['enriched'], sinkTopic: 'unhappy' },
    ];
    expect([...timingDependentTopics(queries)]).toEqual([]);
  });
});

describe('the seed pipelines', () => {
  const topology = (name: string) => {
    const Pipeline = PIPELINES[name];
    return pipelineTopology(new Pipeline(new App(), `${name}-dev`, { env: environment('dev', FIXED_ENV) }));
  };

  test('customer-quality: the uniqueness lookup and what follows it depend on timing', () => {
    const t = topology('customer-quality');
    expect(t.timingDependent.length).toBeGreaterThan(0);
    expect(t.timingDependent).toEqual(expect.arrayContaining(['registrations-valid', 'registrations-failures']));
  });

  test('ratings and airline-merger: every derived topic is determined by the source records', () => {
    expect(topology('ratings').timingDependent).toEqual([]);
    expect(topology('airline-merger').timingDependent).toEqual([]);
  });
});
