export * from './platform';
export * from './validation';
