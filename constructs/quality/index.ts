export { Check } from './check';
export {
  CompletenessRule,
  ConsistencyRule,
  DataQualityDimension,
  Rule,
  RuleOptions,
  TimelinessOptions,
  TimelinessRule,
  UniquenessOptions,
  UniquenessRule,
  ValidityRule,
} from './rule';
export { DataQuality, DataQualityProps, DataQualityTopicOptions } from './data-quality';
