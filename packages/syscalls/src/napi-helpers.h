/*
 * What every function of the addon shares: argument checks, numbers back,
 * raw-byte paths and nanosecond times from their JavaScript forms. Static
 * inline: each source file gets its own copy of these few lines.
 */
#ifndef CPSBACKUP_NAPI_HELPERS_H
#define CPSBACKUP_NAPI_HELPERS_H
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <node_api.h>

/* A call that the TypeScript side made wrongly: a programming error, thrown. */
#define CHECK(ok)                                                   \
  do {                                                              \
    if (!(ok)) {                                                    \
      napi_throw_type_error(env, NULL, "syscalls: bad arguments");  \
      return NULL;                                                  \
    }                                                               \
  } while (0)
#define CALL(call) CHECK((call) == napi_ok)

/* The call's arguments into argv; whether there were exactly n. */
static inline bool args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == n;
}

static inline napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

/* Nanoseconds (a bigint) as a timespec; -1 if the value is not an int64. */
static inline int timespec_of(napi_env env, napi_value v, struct timespec *ts) {
  int64_t ns;
  bool lossless;
  if (napi_get_value_bigint_int64(env, v, &ns, &lossless) != napi_ok || !lossless) return -1;
  ts->tv_sec = ns / 1000000000;
  ts->tv_nsec = ns % 1000000000;
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += 1000000000;
    ts->tv_sec -= 1;
  }
  return 0;
}

/* A Buffer's bytes as a C string (malloc'd; its length in *length_out if given); NULL with errno set if it holds a NUL or memory runs out. */
static inline char *c_string(napi_env env, napi_value buffer, size_t *length_out) {
  void *data;
  size_t length;
  if (napi_get_buffer_info(env, buffer, &data, &length) != napi_ok || memchr(data, 0, length)) {
    errno = EINVAL;
    return NULL;
  }
  char *s = malloc(length + 1);
  if (!s) {
    errno = ENOMEM;
    return NULL;
  }
  memcpy(s, data, length);
  s[length] = 0;
  if (length_out) *length_out = length;
  return s;
}

/* A path argument (raw bytes) as a C string. */
static inline char *c_path(napi_env env, napi_value buffer) { return c_string(env, buffer, NULL); }
#endif
