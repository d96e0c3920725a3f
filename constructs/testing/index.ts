export {
  PipelineTest,
  type PipelineTestProps,
  type PipelineTestRecord,
  type ResolvedTestRecord,
  type TestTopic,
  type TestValue,
} from './pipeline-test';
