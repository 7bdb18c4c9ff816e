/* The *at calls (at.c), added to the module's exports by syscalls.c. */
#ifndef CPSBACKUP_AT_H
#define CPSBACKUP_AT_H
#include <node_api.h>
#include <sys/stat.h>

napi_status at_define(napi_env env, napi_value exports);
/* A stat as the ArrayBuffer of int64 fields index.ts reads. */
napi_value stat_values(napi_env env, const struct stat *st);
#endif
