/** @cpsbackup/config: burp-style configuration files. */
export { ConfigError } from './errors';
export { readConfigLines, parseConfig, loadConfig, ConfigLine } from './parse';
export { key, KeySpec, ConfigOf, parseDuration } from './spec';
export {
  serverSchema,
  clientSchema,
  nodeSchema,
  ServerConfig,
  ClientConfig,
  NodeConfig,
  loadServerConfig,
  loadClientConfig,
  loadNodeConfig,
  CLIENT_NAME_PATTERN,
} from './schemas';
export { storageSchema, StorageConfig, NamedCommand, loadStorageConfig, storageConfigPathFor } from './storage-schema';
