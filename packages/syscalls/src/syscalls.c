/*
 * The few system calls node:fs does not offer, as plain functions of
 * numbers, bigints and buffers. Each returns a non-negative result or
 * -errno: the TypeScript side (index.ts) turns that into an error shaped
 * like node's own (code, errno, syscall, path), so callers treat both alike.
 * Synchronous on purpose: each call is one quick system call, and the
 * callers run on worker threads or already use the *Sync forms.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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
static bool args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == n;
}

static napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

/* seek(fd, offset, hole): lseek(fd, offset, hole ? SEEK_HOLE : SEEK_DATA). */
static napi_value seek(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  double offset;
  bool hole;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CALL(napi_get_value_double(env, argv[1], &offset));
  CALL(napi_get_value_bool(env, argv[2], &hole));
  off_t r = lseek(fd, (off_t)offset, hole ? SEEK_HOLE : SEEK_DATA);
  return number(env, r < 0 ? -errno : (double)r);
}

static int timespec_of(napi_env env, napi_value v, struct timespec *ts) {
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

/* A Buffer's bytes as a C string; NULL (errno set) if it holds a NUL or memory runs out. */
static char *c_path(napi_env env, napi_value buffer) {
  void *data;
  size_t length;
  if (napi_get_buffer_info(env, buffer, &data, &length) != napi_ok) {
    errno = EINVAL;
    return NULL;
  }
  if (memchr(data, 0, length)) {
    errno = EINVAL;
    return NULL;
  }
  char *path = malloc(length + 1);
  if (!path) {
    errno = ENOMEM;
    return NULL;
  }
  memcpy(path, data, length);
  path[length] = 0;
  return path;
}

/* mknod(path, mode, rdev): a FIFO or a device node, rdev as lstat gave it (a bigint). */
static napi_value make_node(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint32_t mode;
  uint64_t rdev;
  bool lossless;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_uint32(env, argv[1], &mode));
  CALL(napi_get_value_bigint_uint64(env, argv[2], &rdev, &lossless));
  CHECK(lossless);
  char *path = c_path(env, argv[0]);
  if (!path) return number(env, -errno);
  int r = mknod(path, (mode_t)mode, (dev_t)rdev);
  int saved = errno;
  free(path);
  return number(env, r < 0 ? -saved : 0);
}

/*
 * utimens(fd, path, atimeNs, mtimeNs, noFollow): futimens(fd, …) when path
 * is null, else utimensat(AT_FDCWD, path, …), AT_SYMLINK_NOFOLLOW if asked.
 * path is a Buffer of raw bytes (file names need not be UTF-8).
 */
static napi_value utimens(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t fd;
  bool no_follow;
  napi_valuetype path_type;
  struct timespec times[2];
  CHECK(args(env, info, 5, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CALL(napi_typeof(env, argv[1], &path_type));
  CHECK(timespec_of(env, argv[2], &times[0]) == 0 && timespec_of(env, argv[3], &times[1]) == 0);
  CALL(napi_get_value_bool(env, argv[4], &no_follow));
  int r;
  if (path_type == napi_null) {
    r = futimens(fd, times);
  } else {
    char *path = c_path(env, argv[1]);
    if (!path) return number(env, -errno);
    r = utimensat(AT_FDCWD, path, times, no_follow ? AT_SYMLINK_NOFOLLOW : 0);
    int saved = errno;
    free(path);
    errno = saved;
  }
  return number(env, r < 0 ? -errno : 0);
}

/*
 * renameNoReplace(from, to): renameat2(…, RENAME_NOREPLACE), a rename that
 * fails with EEXIST instead of replacing `to`. EINVAL where the filesystem
 * cannot do it (the caller then links and unlinks instead).
 */
static napi_value rename_no_replace(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  CHECK(args(env, info, 2, argv));
  char *from = c_path(env, argv[0]);
  if (!from) return number(env, -errno);
  char *to = c_path(env, argv[1]);
  if (!to) {
    int saved = errno;
    free(from);
    return number(env, -saved);
  }
  int r = renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
  int saved = errno;
  free(from);
  free(to);
  return number(env, r < 0 ? -saved : 0);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"seek", NULL, seek, NULL, NULL, NULL, napi_default, NULL},
      {"utimens", NULL, utimens, NULL, NULL, NULL, napi_default, NULL},
      {"mknod", NULL, make_node, NULL, NULL, NULL, napi_default, NULL},
      {"renameNoReplace", NULL, rename_no_replace, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, 4, props) != napi_ok) return NULL;
  return exports;
}
