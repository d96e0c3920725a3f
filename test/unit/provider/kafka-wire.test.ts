import { decodeDescribeConfigsV1, decodeMetadataV4, describeConfigsV1, metadataV4 } from '../../../src/provider/clients/kafka-wire';

/**
 * The provider's own Metadata v4 and DescribeConfigs v1 codecs, against kafkajs' request and response codecs of the same versions as
 * the reference (kafkajs is a dependency; its codecs read the same protocol).
 */
const Encoder = require('kafkajs/src/protocol/encoder');
const kafkajsRequest = require('kafkajs/src/protocol/requests/describeConfigs/v1/request');
const kafkajsResponse = require('kafkajs/src/protocol/requests/describeConfigs/v1/response');
const kafkajsMetadataRequest = require('kafkajs/src/protocol/requests/metadata/v4/request');
const kafkajsMetadataResponse = require('kafkajs/src/protocol/requests/metadata/v4/response');

interface Entry {
  name: string;
  value: string | null;
  source: number;
  synonyms: { name: string; value: string | null; source: number }[];
}
interface Resource {
  errorCode: number;
  errorMessage: string | null;
  name: string;
  entries: Entry[];
}

function answer(resources: Resource[]): Buffer {
  const e = new Encoder();
  e.writeInt32(0); // throttle
  e.writeInt32(resources.length);
  for (const r of resources) {
    e.writeInt16(r.errorCode).writeString(r.errorMessage).writeInt8(2).writeString(r.name);
    e.writeInt32(r.entries.length);
    for (const x of r.entries) {
      e.writeString(x.name)
        .writeString(x.value)
        .writeBoolean(false)
        .writeInt8(x.source)
        .writeBoolean(x.value === null);
      e.writeInt32(x.synonyms.length);
      for (const s of x.synonyms) e.writeString(s.name).writeString(s.value).writeInt8(s.source);
    }
  }
  return e.buffer as Buffer;
}

describe('DescribeConfigs v1', () => {
  test('encodes the request kafkajs encodes: every topic, all its configs, no synonyms', async () => {
    const topics = ['orders', 'payments.v1', 'ünï'];
    const request = describeConfigsV1(topics).request;
    const kafkajs = kafkajsRequest({ resources: topics.map((name) => ({ type: 2, name })), includeSynonyms: false });
    expect([request.apiKey, request.apiVersion, request.apiName]).toEqual([kafkajs.apiKey, kafkajs.apiVersion, kafkajs.apiName]);
    const ours = (await request.encode()) as { buffer: Buffer };
    const ref = await kafkajs.encode();
    expect(ours.buffer.equals(ref.buffer)).toBe(true);
  });

  test('decodes what kafkajs decodes: errors, null and long values, synonyms, repeated entries', async () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const names = ['cleanup.policy', 'retention.ms', 'segment.bytes', 'min.insync.replicas', 'message.format.version'];
    const values = [null, 'delete', 'compact,delete', '604800000', '3600000', 'v'.repeat(65), 'v'.repeat(300), 'ünïcödé'];
    const resources: Resource[] = Array.from({ length: 60 }, (_, i) => ({
      errorCode: i % 17 === 5 ? 3 : 0,
      errorMessage: i % 17 === 5 ? 'This server does not host this topic-partition.' : null,
      name: `topic-${i}`,
      entries:
        i % 17 === 5
          ? []
          : names.map((name) => ({
              name,
              value: values[Math.floor(rnd() * values.length)],
              source: Math.floor(rnd() * 6),
              synonyms: rnd() < 0.2 ? [{ name: `log.${name}`, value: values[Math.floor(rnd() * values.length)], source: 4 }] : [],
            })),
    }));
    // as brokers answer: many topics with the same entries as the topic before, some differing in one value
    for (let i = 1; i < resources.length; i++) {
      if (i % 3 !== 0 && resources[i].entries.length > 0 && resources[i - 1].entries.length > 0) {
        resources[i].entries = resources[i - 1].entries.map((e) => ({ ...e }));
        if (i % 3 === 2) resources[i].entries[1] = { ...resources[i].entries[1], value: resources[i].entries[1].value === '1' ? '2' : '1' };
      }
    }
    const bytes = answer(resources);
    const ref = (await kafkajsResponse.decode(bytes)) as {
      resources: {
        errorCode: number;
        errorMessage: string | null;
        resourceName: string;
        configEntries: { configName: string; configValue: string | null; configSource: number }[];
      }[];
    };
    const expected = ref.resources.map((r) => ({
      topic: r.resourceName,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      entries: r.configEntries.map((e) => ({ name: e.configName, value: e.configValue, source: e.configSource })),
    }));
    const ours = decodeDescribeConfigsV1(bytes);
    expect(ours).toEqual(expected);
    // decoded twice (the interning caches warm): the same answer
    expect(decodeDescribeConfigsV1(bytes)).toEqual(expected);
    expect(ours[0].entries.length).toBe(names.length);
  });

  test('refuses an answer cut short, naming where', () => {
    const bytes = answer([
      { errorCode: 0, errorMessage: null, name: 't', entries: [{ name: 'retention.ms', value: '1', source: 1, synonyms: [] }] },
    ]);
    expect(() => decodeDescribeConfigsV1(bytes.subarray(0, bytes.length - 3))).toThrow(/DescribeConfigs answer cut short at byte \d+/);
  });
});

describe('Metadata v4', () => {
  test('encodes the request kafkajs encodes, never letting the broker create a topic', async () => {
    for (const topics of [['orders', 'payments.v1'], null]) {
      const request = metadataV4(topics).request;
      const kafkajs = kafkajsMetadataRequest({ topics: topics ?? [], allowAutoTopicCreation: false });
      expect([request.apiKey, request.apiVersion, request.apiName]).toEqual([kafkajs.apiKey, kafkajs.apiVersion, kafkajs.apiName]);
      const ours = (await request.encode()) as { buffer: Buffer };
      const ref = await kafkajs.encode();
      expect(ours.buffer.equals(ref.buffer)).toBe(true);
    }
  });

  test("decodes each topic's error, partitions' leaders and replicas as kafkajs does", async () => {
    const e = new Encoder();
    e.writeInt32(0); // throttle
    const brokers = [
      { id: 1, host: 'kafka-1', port: 9092, rack: null },
      { id: 2, host: 'kafka-2.internal', port: 19092, rack: 'eu-1a' },
    ];
    e.writeInt32(brokers.length);
    for (const b of brokers) e.writeInt32(b.id).writeString(b.host).writeInt32(b.port).writeString(b.rack);
    e.writeString('cluster-xyz').writeInt32(1);
    const topics = Array.from({ length: 40 }, (_, i) => ({
      error: i % 13 === 4 ? 3 : i % 13 === 7 ? 5 : 0,
      name: `t-${i}-${'x'.repeat(i * 3)}`,
      partitions:
        i % 13 === 4
          ? []
          : Array.from({ length: (i % 4) + 1 }, (_, p) => ({
              leader: i % 13 === 7 ? -1 : (p % 2) + 1,
              replicas: p % 2 ? [2, 1] : [1],
              isr: p % 3 ? [1] : [],
            })),
    }));
    e.writeInt32(topics.length);
    for (const t of topics) {
      e.writeInt16(t.error).writeString(t.name).writeBoolean(false).writeInt32(t.partitions.length);
      t.partitions.forEach((p, k) => {
        e.writeInt16(0).writeInt32(k).writeInt32(p.leader);
        e.writeInt32(p.replicas.length);
        for (const x of p.replicas) e.writeInt32(x);
        e.writeInt32(p.isr.length);
        for (const x of p.isr) e.writeInt32(x);
      });
    }
    const bytes = e.buffer as Buffer;
    const ref = (await kafkajsMetadataResponse.decode(bytes)) as {
      topicMetadata: { topicErrorCode: number; topic: string; partitionMetadata: { leader: number; replicas: number[] }[] }[];
    };
    expect(decodeMetadataV4(bytes)).toEqual(
      ref.topicMetadata.map((t) => ({
        topic: t.topic,
        errorCode: t.topicErrorCode,
        partitions: t.partitionMetadata.map((p) => ({ leader: p.leader, replicas: p.replicas })),
      })),
    );
    expect(() => decodeMetadataV4(bytes.subarray(0, 60))).toThrow(/Metadata answer cut short at byte \d+/);
  });
});
