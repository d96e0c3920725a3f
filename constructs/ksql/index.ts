export * from './types';
export * from './source';
export * from './query';
