export * from './kafka';
export * from './topic-config';
