export * from './check';
export * from './rule';
export * from './data-quality';
