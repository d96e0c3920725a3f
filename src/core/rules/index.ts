export * from './kafka';
export * from './topic-config';
export * from './secrets';
