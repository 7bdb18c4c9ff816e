/** @cpsbackup/config: burp-style configuration files. */
export { ConfigError } from './errors';
export { readConfigLines, parseConfig, loadConfig, type ConfigLine, type ForeignKeys } from './parse';
export { BURP_NODE_KEYS, BURP_SERVER_KEYS, type BurpKey } from './burp-keys';
export { key, type KeySpec, type ConfigOf, type PathPattern, parseDuration } from './spec';
export { bytesText } from './size-text';
export { untrustedText, pluginLineText } from './untrusted-text';
export { type NetworkRule, parseNetwork, networkAllows } from './networks';
export { type FsType, fsMagicOf, fsTypeName, parseFsType } from './fs-types';
export { type IoPriority, ioPriorityText, parseIoPriority } from './io-priority';
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
export { type CommandLineSpec, type OptionSpec, BUILTIN_OPTIONS, COMPLETION_COMMAND, completionRequest, completions } from './command-line';
export { manPage } from './man-page';
export { defaultLockFile } from './lock-file';
