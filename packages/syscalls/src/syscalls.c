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
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <node_api.h>
#include "at.h"
#include "napi-helpers.h"
#include "priority.h"

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
enum { F_ERRNO, F_MODE, F_UID, F_GID, F_SIZE, F_MTIME_NS, F_CTIME_NS, F_INO, F_DEV, F_RDEV, F_NLINK, F_BLOCKS, F_XATTR_LIST, F_COUNT };

#ifndef __NR_listxattrat
#define __NR_listxattrat 465 /* Linux 6.13; one number on every architecture (syscalls added since 5.1 share them) */
#endif
static int listxattrat_works = 1; /* cleared by a kernel without it */

/*
 * How many bytes the names of an entry's extended attributes take (0: it
 * has none, or the filesystem keeps none), or -errno: one call, without
 * following a symlink. listxattrat where the kernel has it, else llistxattr
 * of /proc/self/fd/<dir>/<name> (the directory by its descriptor).
 */
static int64_t xattr_list_bytes(int dir_fd, const char *name) {
  ssize_t r = -1;
  if (listxattrat_works) {
    r = syscall(__NR_listxattrat, dir_fd, name, AT_SYMLINK_NOFOLLOW, NULL, (size_t)0);
    if (r < 0 && (errno == ENOSYS || errno == EPERM)) listxattrat_works = 0;
  }
  if (!listxattrat_works) {
    char path[64 + 256];
    snprintf(path, sizeof path, "/proc/self/fd/%d/%s", dir_fd, name);
    r = llistxattr(path, NULL, 0);
  }
  if (r >= 0) return r;
  return errno == ENOTSUP || errno == EOPNOTSUPP ? 0 : -errno;
}

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

/*
 * A directory descriptor argument, reopened so that reading it neither moves nor closes the caller's: -errno if it is
 * not one. It keeps the caller's O_NOATIME (a backup's listing leaves the directory's access time alone).
 */
static int reopen_dir(napi_env env, napi_value fd_value) {
  int32_t dir_fd;
  if (napi_get_value_int32(env, fd_value, &dir_fd) != napi_ok) return -EBADF;
  int caller = fcntl(dir_fd, F_GETFL);
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | (caller < 0 ? 0 : caller & O_NOATIME));
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
    row[F_XATTR_LIST] = xattr_list_bytes(fd, name);
  }
  return stats_buf;
}

/* ---- Extended attributes (ACLs, file capabilities, SELinux labels among them) ---- */
#include <limits.h>
#include <sys/xattr.h>

/*
 * Where xattr calls look: an open file (f*xattr), or a path whose last
 * component is never followed (l*xattr). An entry under an open directory
 * is reached as /proc/self/fd/<dirFd>/<name>: the kernel resolves the
 * directory by its descriptor, then the name within it without following
 * it, so the path of the directory is never walked again.
 */
struct xattr_src {
  int fd;
  const char *path; /* NULL: fd */
  char room[64 + NAME_MAX + 1];
};

/*
 * The source for (dirFd, name): name one component (no '/', no NUL, at most
 * NAME_MAX bytes) under dirFd, or any path when dirFd is AT_FDCWD; name
 * null: the open file dirFd itself. 0 or -errno.
 */
static int xattr_source(napi_env env, int32_t fd, napi_value name, struct xattr_src *src, char **owned) {
  napi_valuetype type;
  *owned = NULL;
  src->fd = fd;
  src->path = NULL;
  if (napi_typeof(env, name, &type) != napi_ok) return -EINVAL;
  if (type == napi_null) return 0;
  if (fd == AT_FDCWD) {
    if (!(*owned = c_path(env, name))) return -errno;
    src->path = *owned;
    return 0;
  }
  void *data;
  size_t length;
  if (napi_get_buffer_info(env, name, &data, &length) != napi_ok) return -EINVAL;
  if (length == 0 || memchr(data, 0, length) || memchr(data, '/', length)) return -EINVAL;
  if (length > NAME_MAX) return -ENAMETOOLONG;
  int at = snprintf(src->room, sizeof src->room, "/proc/self/fd/%d/", (int)fd);
  memcpy(src->room + at, data, length);
  src->room[at + length] = 0;
  src->path = src->room;
  return 0;
}

static ssize_t xattr_list(const struct xattr_src *s, char *buf, size_t size) {
  return s->path ? llistxattr(s->path, buf, size) : flistxattr(s->fd, buf, size);
}

static ssize_t xattr_get(const struct xattr_src *s, const char *name, void *buf, size_t size) {
  return s->path ? lgetxattr(s->path, name, buf, size) : fgetxattr(s->fd, name, buf, size);
}

/* Which bound an entry's attributes went beyond (readXattrs' answer [kind, amount]; index.ts names them). */
enum { XL_COUNT = 1, XL_NAME, XL_VALUE, XL_TOTAL };
/* Which call failed (readXattrs' answer [-errno, which, attribute?]). */
enum { XC_SOURCE, XC_LIST, XC_GET };

static napi_value xattr_answer(napi_env env, double a, double b, const char *attr) {
  napi_value out, v;
  napi_create_array_with_length(env, attr ? 3 : 2, &out);
  napi_set_element(env, out, 0, number(env, a));
  napi_set_element(env, out, 1, number(env, b));
  if (attr && napi_create_buffer_copy(env, strlen(attr), attr, NULL, &v) == napi_ok) napi_set_element(env, out, 2, v);
  return out;
}

/*
 * readXattrs(dirFd, name, maxCount, maxName, maxValue, maxTotal): every
 * extended attribute of the entry (see xattr_source), never following a
 * symlink at name, as [0, name0, value0, name1, value1, …] in the order the
 * kernel lists them; 0 when there are none, or the filesystem has none
 * (ENOTSUP). [-errno, which call, attribute?] on failure; [bound, amount]
 * when the attributes go beyond a bound, before reading more than it
 * allows. A name listed then removed before it is read is left out. Most
 * entries have none: that costs one call.
 */
static napi_value read_xattrs(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd;
  double max_count, max_name, max_value, max_total;
  CHECK(args(env, info, 6, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CALL(napi_get_value_double(env, argv[2], &max_count));
  CALL(napi_get_value_double(env, argv[3], &max_name));
  CALL(napi_get_value_double(env, argv[4], &max_value));
  CALL(napi_get_value_double(env, argv[5], &max_total));
  CHECK(max_value >= 0 && max_value < (double)(1 << 30));
  struct xattr_src src;
  char *owned;
  int r = xattr_source(env, fd, argv[1], &src, &owned);
  if (r < 0) return xattr_answer(env, r, XC_SOURCE, NULL);

  char stack[4096];
  char *list = stack, *heap = NULL, *value = NULL;
  napi_value out = NULL;
  ssize_t n = xattr_list(&src, stack, sizeof stack);
  /* Longer than the stack buffer, or grown between our calls: ask its size and read again. */
  for (int tries = 0; n < 0 && errno == ERANGE && tries < 16; tries++) {
    ssize_t size = xattr_list(&src, NULL, 0);
    if (size <= 0) {
      n = size;
      break;
    }
    char *bigger = realloc(heap, (size_t)size);
    if (!bigger) {
      errno = ENOMEM;
      n = -1;
      break;
    }
    list = heap = bigger;
    n = xattr_list(&src, heap, (size_t)size);
  }
  if (n < 0) {
    int saved = errno;
    if (saved == ENOTSUP || saved == EOPNOTSUPP) n = 0;
    else {
      out = xattr_answer(env, -saved, XC_LIST, NULL);
      goto done;
    }
  }
  if (n == 0) {
    out = number(env, 0); /* no attributes, the common case: no array to make */
    goto done;
  }
  size_t count = 0;
  for (ssize_t i = 0; i < n; i++) count += list[i] == 0;
  if ((double)count > max_count) {
    out = xattr_answer(env, XL_COUNT, (double)count, NULL);
    goto done;
  }
  /* One read per attribute: a buffer one byte over the bound tells a value beyond it (or ERANGE does). */
  size_t room = (size_t)max_value + 1;
  if (!(value = malloc(room))) {
    out = xattr_answer(env, -ENOMEM, XC_GET, NULL);
    goto done;
  }
  napi_value result;
  if (napi_create_array_with_length(env, 1 + 2 * count, &result) != napi_ok) {
    out = xattr_answer(env, -ENOMEM, XC_GET, NULL);
    goto done;
  }
  napi_set_element(env, result, 0, number(env, 0));
  uint32_t at = 1;
  double total = 0;
  for (ssize_t i = 0; i < n;) {
    const char *name = list + i;
    size_t len = strlen(name);
    i += (ssize_t)len + 1;
    if ((double)len > max_name) {
      out = xattr_answer(env, XL_NAME, (double)len, NULL);
      goto done;
    }
    ssize_t got = xattr_get(&src, name, value, room);
    if (got < 0 && errno == ENODATA) continue;
    if (got < 0 && errno == ERANGE) {
      ssize_t size = xattr_get(&src, name, NULL, 0);
      out = xattr_answer(env, XL_VALUE, size > 0 ? (double)size : (double)room, NULL);
      goto done;
    }
    if (got < 0) {
      out = xattr_answer(env, -errno, XC_GET, name);
      goto done;
    }
    if ((double)got > max_value) {
      out = xattr_answer(env, XL_VALUE, (double)got, NULL);
      goto done;
    }
    total += (double)len + (double)got;
    if (total > max_total) {
      out = xattr_answer(env, XL_TOTAL, total, NULL);
      goto done;
    }
    napi_value name_buf, value_buf;
    if (napi_create_buffer_copy(env, len, name, NULL, &name_buf) != napi_ok ||
        napi_create_buffer_copy(env, (size_t)got, value, NULL, &value_buf) != napi_ok) {
      out = xattr_answer(env, -ENOMEM, XC_GET, name);
      goto done;
    }
    napi_set_element(env, result, at++, name_buf);
    napi_set_element(env, result, at++, value_buf);
  }
  /* Names removed meanwhile leave holes at the end: the array is cut to what was read. */
  napi_value length;
  if (napi_create_uint32(env, at, &length) == napi_ok) napi_set_named_property(env, result, "length", length);
  out = result;
done:
  free(heap);
  free(value);
  free(owned);
  return out;
}

/*
 * setXattr(fd, name, xattrName, value): fsetxattr(fd, …) when name is null,
 * else lsetxattr of the entry name under directory fd (see xattr_source:
 * a symlink at name is set itself, never followed). 0 or -errno.
 */
static napi_value set_xattr(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd;
  void *value;
  size_t value_length;
  CHECK(args(env, info, 4, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CALL(napi_get_buffer_info(env, argv[3], &value, &value_length));
  struct xattr_src src;
  char *owned;
  int r = xattr_source(env, fd, argv[1], &src, &owned);
  if (r < 0) return number(env, r);
  char *attr = c_path(env, argv[2]);
  if (!attr) {
    int saved = errno;
    free(owned);
    return number(env, -saved);
  }
  r = src.path ? lsetxattr(src.path, attr, value, value_length, 0) : fsetxattr(src.fd, attr, value, value_length, 0);
  int saved = errno;
  free(attr);
  free(owned);
  return number(env, r < 0 ? -saved : 0);
}

/* ---- end of extended attributes ---- */

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"seek", NULL, seek, NULL, NULL, NULL, napi_default, NULL},
      {"utimens", NULL, utimens, NULL, NULL, NULL, napi_default, NULL},
      {"mknod", NULL, make_node, NULL, NULL, NULL, napi_default, NULL},
      {"renameNoReplace", NULL, rename_no_replace, NULL, NULL, NULL, napi_default, NULL},
      {"listDir", NULL, list_dir, NULL, NULL, NULL, napi_default, NULL},
      {"lstatNames", NULL, lstat_names, NULL, NULL, NULL, napi_default, NULL},
      {"readXattrs", NULL, read_xattrs, NULL, NULL, NULL, napi_default, NULL},
      {"setXattr", NULL, set_xattr, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (at_define(env, exports) != napi_ok) return NULL;
  if (priority_define(env, exports) != napi_ok) return NULL;
  return exports;
}
