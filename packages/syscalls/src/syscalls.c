/*
 * The few system calls node:fs does not offer, as plain functions of
 * numbers, bigints and buffers. Each returns a non-negative result or
 * -errno: the TypeScript side (index.ts) turns that into an error shaped
 * like node's own (code, errno, syscall, path), so callers treat both alike.
 * Synchronous on purpose: each call is one quick system call, and the
 * callers run on worker threads or already use the *Sync forms.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>
#include "at.h"

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

/* Fields of each entry in lstatNames' stats, in this order (index.ts's DirEntries.stat). */
enum { F_ERRNO, F_MODE, F_UID, F_GID, F_SIZE, F_MTIME_NS, F_CTIME_NS, F_INO, F_DEV, F_RDEV, F_NLINK, F_BLOCKS, F_COUNT };

struct names {
  char *bytes;
  size_t used, room;
  size_t *starts; /* entry i's name is bytes[starts[i] .. starts[i + 1]) */
  size_t count, slots;
};

static int names_add(struct names *n, const char *name) {
  size_t len = strlen(name);
  if (n->used + len > n->room) {
    size_t room = n->room ? n->room * 2 : 4096;
    while (room < n->used + len) room *= 2;
    char *bytes = realloc(n->bytes, room);
    if (!bytes) return -ENOMEM;
    n->bytes = bytes;
    n->room = room;
  }
  if (n->count + 2 > n->slots) {
    size_t slots = n->slots ? n->slots * 2 : 256;
    size_t *starts = realloc(n->starts, slots * sizeof *starts);
    if (!starts) return -ENOMEM;
    n->starts = starts;
    n->slots = slots;
  }
  n->starts[n->count++] = n->used;
  memcpy(n->bytes + n->used, name, len);
  n->used += len;
  n->starts[n->count] = n->used;
  return 0;
}

static const struct names *sorting; /* qsort has no context argument; calls are synchronous */

static int by_name(const void *a, const void *b) {
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  size_t li = sorting->starts[i + 1] - sorting->starts[i], lj = sorting->starts[j + 1] - sorting->starts[j];
  int c = memcmp(sorting->bytes + sorting->starts[i], sorting->bytes + sorting->starts[j], li < lj ? li : lj);
  return c ? c : (li > lj) - (li < lj);
}

static int64_t ns_of(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

/* A directory descriptor argument, reopened so that reading it neither moves nor closes the caller's: -errno if it is not one. */
static int reopen_dir(napi_env env, napi_value fd_value) {
  int32_t dir_fd;
  if (napi_get_value_int32(env, fd_value, &dir_fd) != napi_ok) return -EBADF;
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

/*
 * listDir(dirFd): the names in an open directory (without . and ..) sorted by
 * their bytes, as [names, ends]: the names end to end (a Buffer) and where
 * each ends (an ArrayBuffer of uint32); -errno if the directory cannot be
 * opened or read.
 */
static napi_value list_dir(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  CHECK(args(env, info, 1, argv));
  int fd = reopen_dir(env, argv[0]);
  if (fd < 0) return number(env, fd);
  DIR *dir = fdopendir(fd);
  if (!dir) {
    int saved = errno;
    close(fd);
    return number(env, -saved);
  }
  struct names n = {0};
  int failure = 0;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(dir);
    if (!e) {
      failure = errno ? -errno : 0;
      break;
    }
    if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
    if ((failure = names_add(&n, e->d_name)) < 0) break;
  }
  closedir(dir);
  size_t *order = NULL;
  if (!failure && n.count && !(order = malloc(n.count * sizeof *order))) failure = -ENOMEM;
  napi_value out = NULL;
  if (!failure) {
    for (size_t i = 0; i < n.count; i++) order[i] = i;
    sorting = &n;
    if (n.count) qsort(order, n.count, sizeof *order, by_name);
    void *names_data, *ends_data;
    napi_value names_buf, ends_buf;
    if (napi_create_buffer(env, n.used, &names_data, &names_buf) == napi_ok &&
        napi_create_arraybuffer(env, n.count * 4, &ends_data, &ends_buf) == napi_ok &&
        napi_create_array_with_length(env, 2, &out) == napi_ok) {
      uint32_t *ends = ends_data;
      size_t at = 0;
      for (size_t k = 0; k < n.count; k++) {
        size_t i = order[k], len = n.starts[i + 1] - n.starts[i];
        memcpy((char *)names_data + at, n.bytes + n.starts[i], len);
        ends[k] = (uint32_t)(at += len);
      }
      napi_set_element(env, out, 0, names_buf);
      napi_set_element(env, out, 1, ends_buf);
    } else {
      out = NULL;
      failure = -ENOMEM;
    }
  }
  free(n.bytes);
  free(n.starts);
  free(order);
  return failure ? number(env, failure) : out;
}

/*
 * lstatNames(dirFd, names, ends, wanted): fstatat(…, AT_SYMLINK_NOFOLLOW)
 * under the open directory dirFd of each name listDir returned whose byte in
 * `wanted` (a Uint8Array) is not 0, so an excluded entry (a hung network
 * mount) is never looked at. Returns an ArrayBuffer of F_COUNT int64 per
 * name (F_ERRNO: that lstat's errno, -1 for a name not wanted; 0 when the
 * other fields hold its stat).
 */
static napi_value lstat_names(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  void *names, *ends_data, *wanted;
  size_t names_length, ends_bytes, count;
  napi_typedarray_type type;
  CHECK(args(env, info, 4, argv));
  CALL(napi_get_buffer_info(env, argv[1], &names, &names_length));
  CALL(napi_get_arraybuffer_info(env, argv[2], &ends_data, &ends_bytes));
  CALL(napi_get_typedarray_info(env, argv[3], &type, &count, &wanted, NULL, NULL));
  CHECK(type == napi_uint8_array && count == ends_bytes / 4);
  const uint32_t *ends = ends_data;
  const uint8_t *want = wanted;
  int32_t fd;
  CALL(napi_get_value_int32(env, argv[0], &fd));
  void *stats_data;
  napi_value stats_buf;
  if (napi_create_arraybuffer(env, count * F_COUNT * 8, &stats_data, &stats_buf) != napi_ok) return number(env, -ENOMEM);
  int64_t *row = stats_data;
  for (size_t k = 0; k < count; k++, row += F_COUNT) {
    size_t start = k ? ends[k - 1] : 0, len = ends[k] - start;
    memset(row, 0, F_COUNT * sizeof *row);
    if (!want[k]) {
      row[F_ERRNO] = -1;
      continue;
    }
    char name[256];
    if (ends[k] < start || ends[k] > names_length || len >= sizeof name) {
      row[F_ERRNO] = ENAMETOOLONG;
      continue;
    }
    memcpy(name, (char *)names + start, len);
    name[len] = 0;
    struct stat st;
    if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      row[F_ERRNO] = errno;
      continue;
    }
    row[F_MODE] = st.st_mode;
    row[F_UID] = st.st_uid;
    row[F_GID] = st.st_gid;
    row[F_SIZE] = st.st_size;
    row[F_MTIME_NS] = ns_of(st.st_mtim);
    row[F_CTIME_NS] = ns_of(st.st_ctim);
    row[F_INO] = (int64_t)st.st_ino;
    row[F_DEV] = (int64_t)st.st_dev;
    row[F_RDEV] = (int64_t)st.st_rdev;
    row[F_NLINK] = (int64_t)st.st_nlink;
    row[F_BLOCKS] = st.st_blocks;
  }
  return stats_buf;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"seek", NULL, seek, NULL, NULL, NULL, napi_default, NULL},
      {"utimens", NULL, utimens, NULL, NULL, NULL, napi_default, NULL},
      {"mknod", NULL, make_node, NULL, NULL, NULL, napi_default, NULL},
      {"renameNoReplace", NULL, rename_no_replace, NULL, NULL, NULL, napi_default, NULL},
      {"listDir", NULL, list_dir, NULL, NULL, NULL, napi_default, NULL},
      {"lstatNames", NULL, lstat_names, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (at_define(env, exports) != napi_ok) return NULL;
  return exports;
}
