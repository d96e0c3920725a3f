export * from './types';
export * from './source';
export * from './query';
export * from './insert-into';
