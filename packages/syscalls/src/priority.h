/* I/O priority of a thread (ioprio_set/ioprio_get: glibc has no wrapper). */
#ifndef CPSBACKUP_PRIORITY_H
#define CPSBACKUP_PRIORITY_H
#include <node_api.h>
napi_status priority_define(napi_env env, napi_value exports);
#endif
