/** @cpsbackup/config: burp-style configuration files. */
export { ConfigError } from './errors';
export { readConfigLines, parseConfig, loadConfig, type ConfigLine } from './parse';
export { key, type KeySpec, type ConfigOf, parseDuration } from './spec';
export {
  serverSchema,
  clientSchema,
  nodeSchema,
  type ServerConfig,
  type ClientConfig,
  type NodeConfig,
  loadServerConfig,
  loadClientConfig,
  loadNodeConfig,
  CLIENT_NAME_PATTERN,
} from './schemas';
export { storageSchema, type StorageConfig, type NamedCommand, loadStorageConfig, storageConfigPathFor } from './storage-schema';
