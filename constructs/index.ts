export * from './platform';
export * from './validation';
export * from './terraform';
export * from './cluster';
export * from './topic';
export * from './schema';
export * from './secret';
export * from './connector';
export * from './connectors';
export * from './ksql';
export * from './quality';
export * from './masking';
export {
  PipelineTest,
  type PipelineTestProps,
  type PipelineTestRecord,
  type ResolvedTestRecord,
  type TestTopic,
  type TestValue,
} from './testing';
