export * from './common';
export * from './debezium';
export * from './jdbc-sink';
export * from './external-sinks';
