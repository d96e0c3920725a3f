/**
 * `streamform/platform`: a Kafka platform on the local Docker engine (LocalKafkaPlatform), local
 * databases to capture from, and the image catalog they run. Apart from the package root because
 * only development stacks use it, and it brings the Docker provider along. It is written against
 * the root's public API (`import { Duration, Secret } from 'streamform'`), like any user.
 */
export { LocalKafkaPlatform, LocalKafkaPlatformProps, PlatformEndpoints, PlatformPorts } from './local-kafka-platform';
export { LocalDatabase, LocalDatabaseEngine, LocalDatabaseProps, LocalMariaDb, LocalPostgres, PlatformAttachment } from './local-database';
export { DockerService, DockerServiceProps } from './docker-service';
export {
  catalogFromEnvironment,
  ConnectImage,
  DEBEZIUM_PLUGINS,
  DOCKER_HUB_IMAGES,
  hasImage,
  HealthProbe,
  IMAGE_CATALOGS,
  ImageCatalog,
  KAFKA_API_VERSIONS_PROBE,
  LOCAL_IMAGES,
  SchemaRegistryFlavor,
  SchemaRegistryImage,
  ServiceImage,
  VERSIONS,
} from './images';
