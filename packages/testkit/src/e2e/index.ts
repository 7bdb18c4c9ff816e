/** The end-to-end harness: real certificates, config files, cpsbackupd and CLI processes on 127.0.0.1, and what the tests check with. */
export * from './cluster';
export * from './raw-client';
export * from './tree';
export * from './fidelity';
export * from './loop-disk';
export * from './postgres';
export * from './fill-disk';
export * from './events';
export * from './debian-root';
export * from './debian-packages';
