import { decodeDescribeConfigsV1, describeConfigsV1 } from '../../../src/provider/clients/kafka-wire';

/**
 * The provider's own DescribeConfigs v1 codec, against kafkajs' v1 request and response codecs as
 * the reference (kafkajs is a dependency; its codecs read the same protocol).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const Encoder = require('kafkajs/src/protocol/encoder');
const kafkajsRequest = require('kafkajs/src/protocol/requests/describeConfigs/v1/request');
const kafkajsResponse = require('kafkajs/src/protocol/requests/describeConfigs/v1/response');

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
      e.writeString(x.name).writeString(x.value).writeBoolean(false).writeInt8(x.source).writeBoolean(x.value === null);
      e.writeInt32(x.synonyms.length);
      for (const s of x.synonyms) e.writeString(s.name).writeString(s.value).writeInt8(s.source);
    }
  }
  return e.buffer as Buffer;
}

describe('DescribeConfigs v1', () => {
  test('encodes the request kafkajs encodes: every topic, all its configs, no synonyms', async () => {
    const topics = ['orders', 'payments.v1', 'ünï'];
    const ours = (await describeConfigsV1(topics).request.encode()) as { buffer: Buffer };
    const ref = await kafkajsRequest({ resources: topics.map((name) => ({ type: 2, name })), includeSynonyms: false }).encode();
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
      entries: i % 17 === 5 ? [] : names.map((name) => ({
        name,
        value: values[Math.floor(rnd() * values.length)],
        source: Math.floor(rnd() * 6),
        synonyms: rnd() < 0.2 ? [{ name: `log.${name}`, value: values[Math.floor(rnd() * values.length)], source: 4 }] : [],
      })),
    }));
    const bytes = answer(resources);
    const ref = (await kafkajsResponse.decode(bytes)) as {
      resources: { errorCode: number; errorMessage: string | null; resourceName: string; configEntries: { configName: string; configValue: string | null; configSource: number }[] }[];
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
    const bytes = answer([{ errorCode: 0, errorMessage: null, name: 't', entries: [{ name: 'retention.ms', value: '1', source: 1, synonyms: [] }] }]);
    expect(() => decodeDescribeConfigsV1(bytes.subarray(0, bytes.length - 3))).toThrow(/DescribeConfigs answer cut short at byte \d+/);
  });
});
