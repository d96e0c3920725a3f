export * from './images';
export * from './local-kafka-platform';
export { DockerService, DockerServiceProps, dockerProviderFor, literal } from './docker-service';
