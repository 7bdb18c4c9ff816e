/*
 * ioprio_set(2) and ioprio_get(2) on one thread: Linux keeps the I/O
 * priority per thread (IOPRIO_WHO_PROCESS takes a thread id), and glibc
 * offers no wrapper for either call.
 */
#include <sys/syscall.h>
#include <unistd.h>
#include "napi-helpers.h"
#include "priority.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* ioprioSet(tid, class, level): 0, or -errno. Class 2 best-effort, 3 idle (level 0 then). */
static napi_value ioprio_set(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t tid, cls, level;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[0], &tid));
  CALL(napi_get_value_int32(env, argv[1], &cls));
  CALL(napi_get_value_int32(env, argv[2], &level));
  CHECK(cls >= 0 && cls <= 3 && level >= 0 && level <= 7);
  long r = syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid, (cls << IOPRIO_CLASS_SHIFT) | level);
  return number(env, r < 0 ? -errno : 0);
}

/* ioprioGet(tid): the raw priority (class << 13 | level), or -errno. */
static napi_value ioprio_get(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t tid;
  CHECK(args(env, info, 1, argv));
  CALL(napi_get_value_int32(env, argv[0], &tid));
  long r = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, tid);
  return number(env, r < 0 ? -errno : (double)r);
}

napi_status priority_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"ioprioSet", NULL, ioprio_set, NULL, NULL, NULL, napi_default, NULL},
      {"ioprioGet", NULL, ioprio_get, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
