export * from './images';
export * from './local-kafka-platform';
export { DockerService, DockerServiceProps, dockerProviderFor, goDuration } from './docker-service';
export * from './local-database';
