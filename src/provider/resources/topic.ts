import { z } from 'zod';
import { KafkaClientError, KafkaTopicError, TopicDescription } from '../clients/kafka';
import { KafkaErrorCode } from '../clients/kafka-wire';
import { ProviderClients } from '../provider-clients';
import { afterCreate, Diagnostic, DiagnosticError, error, Planned, ResourceDefinition, warning } from '../framework/resource';
import { attr, objectSchema, StateOf } from '../framework/schema';
import { containsUnknown, isUnknown, UNKNOWN } from '../plugin/cty';
import { isTopicName, PARTITIONS, REPLICATION_FACTOR, TOPIC_CONFIG_NAME, TOPIC_NAME_RULE } from '../../core/rules';

const schema = objectSchema(
  0,
  'A Kafka topic. Only the configs set here are compared with the cluster; broker defaults never cause a diff.',
  {
    id: attr.computed(z.string(), 'The topic name.'),
    name: attr.required(z.string().refine(isTopicName, TOPIC_NAME_RULE), 'Topic name. Changing it creates a new topic.', {
      forceNew: true,
    }),
    partitions: attr.required(
      z.number().int().min(PARTITIONS.min).max(PARTITIONS.max),
      'Number of partitions. Can grow in place; shrinking needs `allow_replacement`.',
    ),
    replication_factor: attr.optionalComputed(
      z.number().int().min(REPLICATION_FACTOR.min).max(REPLICATION_FACTOR.max),
      'Replicas per partition. Defaults to the broker default.',
    ),
    config: attr.optional(
      z.record(z.string().regex(TOPIC_CONFIG_NAME, 'must be a topic config name like `retention.ms`'), z.string()),
      'Topic configs to set, e.g. `{"retention.ms": "604800000"}`.',
    ),
    allow_replacement: attr.optional(
      z.boolean(),
      'Allow changes Kafka cannot make in place (fewer partitions, another replication factor) by deleting and re-creating the topic. **All its messages are lost.** Default false.',
    ),
    deletion_protection: attr.optional(z.boolean(), 'Refuse to delete or replace the topic. Default false.'),
    exclusive_configs: attr.optional(
      z.boolean(),
      'This configuration owns all the topic-level configs of the topic: configs set on the topic outside streamform are removed by apply (they show in the plan). Default false: they are kept and reported in the plan as a warning.',
    ),
    unmanaged_configs: attr.computed(
      z.record(z.string(), z.string()),
      'Topic-level configs set on the topic outside streamform (not in `config`), as the last refresh found them; kept unless `exclusive_configs` is true.',
    ),
  },
);

type Topic = StateOf<(typeof schema)['attributes']>;

const IMPORTED = -1;

/** The topic as Kafka describes it now (concurrent reads share one request per kind). */
async function describe(c: ProviderClients, name: string): Promise<TopicDescription | undefined> {
  return (await c.kafka().describeTopics([name])).get(name);
}

/** Overrides on the topic that the configuration does not name. */
function outsideOverrides(t: TopicDescription, config: Readonly<Record<string, string>> | null): Record<string, string> {
  const out: Record<string, string> = {};
  // every config of the topic (40-odd per topic), on every read: no entry arrays
  for (const k in t.configs) {
    const e = t.configs[k];
    if (e.isOverride && e.value !== null && !(config && k in config)) out[k] = e.value;
  }
  return out;
}

function stateOf(prior: Topic, t: TopicDescription): Topic {
  let config: Record<string, string> | null = null;
  let unmanaged: Record<string, string> | null = null;
  if (prior.partitions === IMPORTED) {
    // Adopting an existing topic: take its overrides as the starting configuration.
    const overrides = Object.entries(t.configs).filter(([, e]) => e.isOverride && e.value !== null);
    config = overrides.length > 0 ? Object.fromEntries(overrides.map(([k, e]) => [k, e.value as string])) : null;
  } else if (prior.config) {
    config = {};
    for (const key of Object.keys(prior.config)) {
      const actual = t.configs[key];
      // A key the broker does not know (typo) stays as configured, so the plan does not flap.
      config[key] = actual && actual.value !== null ? actual.value : prior.config[key];
    }
  }
  if (prior.partitions !== IMPORTED) {
    const outside = outsideOverrides(t, prior.config);
    if (Object.keys(outside).length > 0) {
      // Owned by this configuration: state takes them into config, so the plan shows their removal.
      if (prior.exclusive_configs === true) config = { ...(config ?? {}), ...outside };
      else unmanaged = outside;
    }
  }
  return {
    ...prior,
    id: t.name,
    name: t.name,
    partitions: t.partitions,
    replication_factor: t.replicationFactor,
    config,
    unmanaged_configs: unmanaged,
  };
}

function listed(configs: Readonly<Record<string, string>>): string {
  return Object.entries(configs)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * Topic configs set outside streamform: a warning naming them; with exclusive_configs they are
 * removed by apply (an owned key already shows in the config diff, see stateOf).
 */
function planUnmanaged(prior: Topic, planned: Planned<Topic>, diagnostics: Diagnostic[]): void {
  const config = planned.config;
  if (containsUnknown(config) || containsUnknown(planned.exclusive_configs)) {
    if (prior.unmanaged_configs) planned.unmanaged_configs = UNKNOWN;
    return;
  }
  const c = config as Record<string, string> | null;
  const exclusive = planned.exclusive_configs === true;
  const outside = Object.fromEntries(Object.entries(prior.unmanaged_configs ?? {}).filter(([k]) => !(c && k in c)));
  const none = Object.keys(outside).length === 0;
  planned.unmanaged_configs = none || exclusive ? null : outside;
  if (none) return;
  diagnostics.push(
    warning(
      `Topic ${prior.name} has configs set outside streamform: ${listed(outside)}`,
      exclusive
        ? `exclusive_configs is true, so apply removes ${listed(outside)} (the topic falls back to the broker defaults for these keys).`
        : `streamform keeps ${listed(outside)} (not in config). Add them to config to manage them, or set exclusive_configs = true to have apply remove them.`,
      ['config'],
    ),
  );
}

export const topicResource: ResourceDefinition<(typeof schema)['attributes'], ProviderClients> = {
  typeName: 'streamform_topic',
  schema,
  deletionProtection: { object: (t) => `Topic ${t.name}`, loses: () => 'all its messages' },

  async plan({ prior, planned, requiresReplace, diagnostics }) {
    if (!isUnknown(planned.name)) planned.id = planned.name;
    if (prior === null) {
      planned.unmanaged_configs = null;
      return;
    }
    const allow = planned.allow_replacement === true;
    const p = planned.partitions;
    if (typeof p === 'number' && p < prior.partitions) {
      if (allow) requiresReplace.add('partitions');
      else {
        // Partitions added outside streamform (or a configured count lowered): Kafka cannot remove
        // partitions, so the topic keeps its count, state records it, and the stack still applies.
        planned.partitions = prior.partitions;
        diagnostics.push(
          warning(
            `Topic ${prior.name} has ${prior.partitions} partitions, the configuration asks for ${p}`,
            `Kafka cannot remove partitions: the topic keeps ${prior.partitions} (partitions added outside streamform are adopted). Raise partitions to ${prior.partitions} in the configuration, or set allow_replacement = true to delete and re-create the topic with ${p} (all its messages are lost).`,
            ['partitions'],
          ),
        );
      }
    }
    planUnmanaged(prior, planned, diagnostics);
    const rf = planned.replication_factor;
    if (typeof rf === 'number' && prior.replication_factor !== null && rf !== prior.replication_factor) {
      if (allow) requiresReplace.add('replication_factor');
      else
        diagnostics.push(
          error(
            `Cannot change the replication factor of topic ${prior.name} in place`,
            `the topic has ${prior.replication_factor} replicas per partition and the configuration asks for ${rf}; streamform does not reassign partitions. Keep ${prior.replication_factor}, or set allow_replacement = true to delete and re-create the topic (all its messages are lost).`,
            ['replication_factor'],
          ),
        );
    }
  },

  // a refresh reads the topics the configuration names: described together, ahead of the reads
  readAhead: {
    key: (config) => (typeof config.name === 'string' ? config.name : undefined),
    start: (names, clients) => clients.kafka().readAhead(names),
  },

  async read(state, { clients }) {
    const t = await describe(clients, state.name);
    return t ? stateOf(state, t) : null;
  },

  async create(planned, { clients }) {
    const name = planned.name as string;
    const spec = {
      name,
      partitions: planned.partitions as number,
      replicationFactor: typeof planned.replication_factor === 'number' ? planned.replication_factor : -1,
      configs: (planned.config as Record<string, string> | null) ?? {},
    };
    const created = {
      ...(planned as Topic),
      id: name,
      replication_factor: typeof planned.replication_factor === 'number' ? planned.replication_factor : null,
    };
    let t: TopicDescription;
    try {
      t = await clients.kafka().createTopic(spec);
    } catch (err) {
      const cause = err instanceof KafkaClientError ? err.cause : undefined;
      if (cause instanceof KafkaTopicError && cause.code === KafkaErrorCode.TOPIC_ALREADY_EXISTS) {
        throw new DiagnosticError(
          error(
            `Topic ${name} already exists`,
            'it was not created by this configuration; adopt it with an import block (`import { to = ..., id = "' +
              name +
              '" }`) or choose another name',
            ['name'],
          ),
        );
      }
      // Created, but its leaders or metadata did not show in time: keep it in state (tainted).
      if (err instanceof KafkaClientError && / was created/.test(err.message)) {
        await afterCreate(created, `Topic ${name} was created but cannot be read back`, () => Promise.reject(err));
      }
      throw err;
    }
    return stateOf(created, t);
  },

  async update(prior, planned, { clients }) {
    const name = prior.name;
    const admin = clients.kafka();
    if (typeof planned.partitions === 'number' && planned.partitions > prior.partitions) {
      await admin.createPartitions(name, planned.partitions);
    }
    const desired = (planned.config as Record<string, string> | null) ?? {};
    const owned = [
      ...Object.keys(prior.config ?? {}),
      ...(planned.exclusive_configs === true ? Object.keys(prior.unmanaged_configs ?? {}) : []),
    ];
    const release = owned.filter((k) => !(k in desired));
    const changed = release.length > 0 || Object.entries(desired).some(([k, v]) => prior.config?.[k] !== v);
    if (changed) await admin.setTopicConfigs(name, desired, release);
    const t = (await admin.describeTopics([name])).get(name);
    if (!t) throw new Error(`topic ${name} disappeared during the update`);
    return stateOf({ ...(planned as Topic), id: name }, t);
  },

  async delete(prior, { clients }) {
    // A topic already gone is fine (deleted outside streamform, or by an interrupted apply).
    await clients.kafka().deleteTopic(prior.name);
  },

  async importState(id, { clients }) {
    if (!(await clients.kafka().describeTopics([id])).has(id)) {
      throw new DiagnosticError(error(`Cannot import topic ${id}`, `no topic named ${id} exists on the cluster`));
    }
    return {
      id,
      name: id,
      partitions: IMPORTED,
      replication_factor: null,
      config: null,
      allow_replacement: null,
      deletion_protection: null,
      exclusive_configs: null,
      unmanaged_configs: null,
    };
  },
};
