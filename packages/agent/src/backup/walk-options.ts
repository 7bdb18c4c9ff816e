import { type NodeConfig } from '@cpsbackup/config';
import { type RootReport, type WalkOptions } from './walker';
import { globIncludes } from './selection';

/**
 * What a backup of this node walks and leaves out (node.conf's includes,
 * include_glob expanded now, excludes, selection keys, file system
 * boundaries), for a backup and for its dry run alike. `extraIncludes`
 * (the dump directory) get only include, exclude and exclude_regex.
 */
export function selectionWalkOptions(
  config: NodeConfig,
  extraIncludes: string[] | undefined,
  onWarning: (message: string) => void,
  onRoot: (root: RootReport) => void,
): WalkOptions {
  return {
    // include_glob is expanded now, at each backup (a directory made since the last one is found); an exclude it names wins.
    include: [...config.include, ...globIncludes(config.include_glob, config.exclude, onWarning), ...(extraIncludes ?? [])],
    exclude: config.exclude,
    excludeRegex: config.exclude_regex,
    rules: {
      includeRegex: config.include_regex,
      includeExt: config.include_ext,
      excludeExt: config.exclude_ext,
      nobackup: config.nobackup,
      minFileSize: config.min_file_size,
      maxFileSize: config.max_file_size,
    },
    // The dumps are the dump jobs' to select, not node.conf's selection keys'.
    exempt: extraIncludes,
    filesystems: {
      crossAll: config.cross_all_filesystems,
      cross: config.cross_filesystem,
      excludeFs: config.exclude_fs,
      includeFs: config.include_fs,
    },
    onWarning,
    onRoot,
  };
}
