/*
 * Calls relative to an open directory (the *at family), for a restore and
 * a walk that never resolve a path through a symbolic link they did not
 * make, at any depth: every path is reached from a directory descriptor,
 * one component at a time or by openat2 with RESOLVE_NO_SYMLINKS, and the
 * last component is acted on without following it. Each function returns a
 * non-negative result or -errno, as in syscalls.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <node_api.h>
#include "at.h"
#include "napi-helpers.h"

/* A single path component: not empty, no '/', not "." or "..". */
static bool is_component(const char *name) {
  if (!name[0] || strchr(name, '/')) return false;
  return !(name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)));
}

/* A name argument that must be one component; NULL with errno = EINVAL otherwise. */
static char *component(napi_env env, napi_value buffer) {
  char *name = c_string(env, buffer, NULL);
  if (name && !is_component(name)) {
    free(name);
    errno = EINVAL;
    return NULL;
  }
  return name;
}

static int openat2_works = 1; /* cleared when the kernel (or a seccomp filter) refuses openat2 */

/*
 * Opens `rel` (relative, at most PATH_MAX - 1 bytes) under dir_fd without
 * following any symbolic link and never above dir_fd: openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or, where there is no openat2,
 * one component at a time with O_NOFOLLOW.
 */
static int open_piece(int dir_fd, char *rel, int flags, mode_t mode) {
  if (openat2_works) {
    struct open_how how = {.flags = (uint64_t)flags, .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    long fd = syscall(SYS_openat2, dir_fd, rel, &how, sizeof how);
    if (fd >= 0) return (int)fd;
    if (errno != ENOSYS && errno != EPERM) return -errno;
    openat2_works = 0;
  }
  /* Component by component: every directory on the way opened with O_NOFOLLOW. */
  if (strcmp(rel, ".") == 0) {
    int fd = openat(dir_fd, ".", flags, mode);
    return fd < 0 ? -errno : fd;
  }
  int cur = dir_fd;
  char *p = rel;
  for (;;) {
    while (*p == '/') p++;
    char *slash = strchr(p, '/');
    char *next = slash;
    while (next && next[1] == '/') next++;
    bool last = !slash || next[1] == 0;
    if (slash) *slash = 0;
    if (*p && !is_component(p)) {
      if (cur != dir_fd) close(cur);
      return -EXDEV; /* what openat2 says of ".." with RESOLVE_BENEATH */
    }
    int fd = last ? openat(cur, *p ? p : ".", flags | O_NOFOLLOW, mode) : openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int saved = errno;
    struct stat st;
    /* As openat2 says it: a symbolic link on the way is ELOOP (O_DIRECTORY makes it ENOTDIR). */
    if (fd < 0 && saved == ENOTDIR && fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) saved = ELOOP;
    if (slash) *slash = '/';
    if (cur != dir_fd) close(cur);
    if (fd < 0) return -saved;
    if (last) return fd;
    cur = fd;
    p = next + 1;
  }
}

/*
 * openBeneath(dirFd, rel, flags, mode): `rel` under dirFd, no symbolic
 * link followed anywhere on the way or at the end. A path longer than
 * PATH_MAX is opened a piece at a time (each piece below PATH_MAX, cut at
 * a '/'), so any depth can be reached. An empty `rel` opens dirFd itself.
 */
static napi_value open_beneath(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t dir_fd, flags;
  uint32_t mode;
  size_t length;
  CHECK(args(env, info, 4, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  CALL(napi_get_value_int32(env, argv[2], &flags));
  CALL(napi_get_value_uint32(env, argv[3], &mode));
  char *rel = c_string(env, argv[1], &length);
  if (!rel) return number(env, -errno);
  if (rel[0] == '/') {
    free(rel);
    return number(env, -EXDEV);
  }
  flags |= O_CLOEXEC | O_NOFOLLOW;
  int cur = dir_fd;
  char *p = rel;
  int result;
  for (;;) {
    size_t left = strlen(p);
    if (left < PATH_MAX) {
      result = open_piece(cur, left ? p : ".", flags, (mode_t)mode);
      break;
    }
    /* The longest piece below PATH_MAX that ends at a '/'. */
    char *cut = p + PATH_MAX - 1;
    while (cut > p && *cut != '/') cut--;
    if (cut == p) {
      result = -ENAMETOOLONG; /* one component longer than PATH_MAX */
      break;
    }
    *cut = 0;
    int fd = open_piece(cur, p, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, 0);
    *cut = '/';
    if (cur != dir_fd) close(cur);
    cur = dir_fd; /* closed: not to be closed again below */
    if (fd < 0) {
      result = fd;
      break;
    }
    cur = fd;
    p = cut + 1;
  }
  if (cur != dir_fd) close(cur);
  free(rel);
  return number(env, result);
}

/* mkdirAt(dirFd, name, mode) */
static napi_value mkdir_at(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t dir_fd;
  uint32_t mode;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  CALL(napi_get_value_uint32(env, argv[2], &mode));
  char *name = component(env, argv[1]);
  if (!name) return number(env, -errno);
  int r = mkdirat(dir_fd, name, (mode_t)mode);
  int saved = errno;
  free(name);
  return number(env, r < 0 ? -saved : 0);
}

/* symlinkAt(target, dirFd, name) */
static napi_value symlink_at(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t dir_fd;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[1], &dir_fd));
  char *target = c_string(env, argv[0], NULL);
  if (!target) return number(env, -errno);
  char *name = component(env, argv[2]);
  if (!name) {
    int saved = errno;
    free(target);
    return number(env, -saved);
  }
  int r = symlinkat(target, dir_fd, name);
  int saved = errno;
  free(target);
  free(name);
  return number(env, r < 0 ? -saved : 0);
}

/* mknodAt(dirFd, name, mode (with the type bits), rdev) */
static napi_value mknod_at(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t dir_fd;
  uint32_t mode;
  uint64_t rdev;
  bool lossless;
  CHECK(args(env, info, 4, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  CALL(napi_get_value_uint32(env, argv[2], &mode));
  CALL(napi_get_value_bigint_uint64(env, argv[3], &rdev, &lossless));
  CHECK(lossless);
  char *name = component(env, argv[1]);
  if (!name) return number(env, -errno);
  int r = mknodat(dir_fd, name, (mode_t)mode, (dev_t)rdev);
  int saved = errno;
  free(name);
  return number(env, r < 0 ? -saved : 0);
}

/* unlinkAt(dirFd, name, isDir) */
static napi_value unlink_at(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t dir_fd;
  bool is_dir;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  CALL(napi_get_value_bool(env, argv[2], &is_dir));
  char *name = component(env, argv[1]);
  if (!name) return number(env, -errno);
  int r = unlinkat(dir_fd, name, is_dir ? AT_REMOVEDIR : 0);
  int saved = errno;
  free(name);
  return number(env, r < 0 ? -saved : 0);
}

/* Two names under two directories: the shape of rename and link. */
static napi_value two_names(napi_env env, napi_callback_info info, int (*call)(int, const char *, int, const char *, int), int flags) {
  napi_value argv[4];
  int32_t from_fd, to_fd;
  CHECK(args(env, info, 4, argv));
  CALL(napi_get_value_int32(env, argv[0], &from_fd));
  CALL(napi_get_value_int32(env, argv[2], &to_fd));
  char *from = component(env, argv[1]);
  if (!from) return number(env, -errno);
  char *to = component(env, argv[3]);
  if (!to) {
    int saved = errno;
    free(from);
    return number(env, -saved);
  }
  int r = call(from_fd, from, to_fd, to, flags);
  int saved = errno;
  free(from);
  free(to);
  return number(env, r < 0 ? -saved : 0);
}

static int do_rename(int a, const char *x, int b, const char *y, int flags) { return renameat2(a, x, b, y, (unsigned)flags); }
/* linkat without AT_SYMLINK_FOLLOW: a symbolic link at the old name is linked itself, never followed. */
static int do_link(int a, const char *x, int b, const char *y, int flags) { return linkat(a, x, b, y, flags); }

/* renameAt(fromDirFd, from, toDirFd, to): rename that fails with EEXIST rather than replace (RENAME_NOREPLACE). */
static napi_value rename_noreplace_at(napi_env env, napi_callback_info info) { return two_names(env, info, do_rename, RENAME_NOREPLACE); }
/* renameReplaceAt(fromDirFd, from, toDirFd, to): plain renameat (filesystems without RENAME_NOREPLACE nor hard links). */
static napi_value rename_replace_at(napi_env env, napi_callback_info info) { return two_names(env, info, do_rename, 0); }
/* linkAt(oldDirFd, oldName, newDirFd, newName) */
static napi_value link_at(napi_env env, napi_callback_info info) { return two_names(env, info, do_link, 0); }

/* The procfs link of a descriptor: names the object itself, whatever is now at its old name. */
static void proc_path(char *out, size_t room, int fd) { snprintf(out, room, "/proc/self/fd/%d", fd); }

/*
 * openTmpfileAt(dirFd, mode): a new regular file in the directory with no
 * name (O_TMPFILE), for writing; it takes a name only through linkFdAt, so
 * a restore that is killed leaves nothing. -EOPNOTSUPP (or -EISDIR,
 * -EINVAL on old kernels) where the filesystem cannot.
 */
static napi_value open_tmpfile_at(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t dir_fd;
  uint32_t mode;
  CHECK(args(env, info, 2, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  CALL(napi_get_value_uint32(env, argv[1], &mode));
  int fd = openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, (mode_t)mode);
  return number(env, fd < 0 ? -errno : fd);
}

/*
 * linkFdAt(fd, dirFd, name): gives the file open at fd (an O_TMPFILE one)
 * the name `name` in the directory; fails with EEXIST rather than replace.
 * Through the descriptor's procfs link, which names the file itself and
 * needs no privilege (AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH).
 */
static napi_value link_fd_at(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, dir_fd;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CALL(napi_get_value_int32(env, argv[1], &dir_fd));
  char *name = component(env, argv[2]);
  if (!name) return number(env, -errno);
  char proc[64];
  proc_path(proc, sizeof proc, fd);
  int r = linkat(AT_FDCWD, proc, dir_fd, name, AT_SYMLINK_FOLLOW);
  if (r < 0 && errno == ENOENT) r = linkat(fd, "", dir_fd, name, AT_EMPTY_PATH); /* no /proc mounted: root may still */
  int saved = errno;
  free(name);
  return number(env, r < 0 ? -saved : 0);
}

/* readlinkAt(dirFd, name): the link's target as a Buffer, or -errno. */
static napi_value readlink_at(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t dir_fd;
  CHECK(args(env, info, 2, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  char *name = component(env, argv[1]);
  if (!name) return number(env, -errno);
  size_t room = 256;
  for (;;) {
    char *buf = malloc(room);
    if (!buf) {
      free(name);
      return number(env, -ENOMEM);
    }
    ssize_t n = readlinkat(dir_fd, name, buf, room);
    if (n < 0) {
      int saved = errno;
      free(buf);
      free(name);
      return number(env, -saved);
    }
    if ((size_t)n < room) {
      void *data;
      napi_value out;
      napi_status s = napi_create_buffer_copy(env, (size_t)n, buf, &data, &out);
      free(buf);
      free(name);
      return s == napi_ok ? out : number(env, -ENOMEM);
    }
    free(buf);
    if (room >= 1 << 20) {
      free(name);
      return number(env, -ENAMETOOLONG);
    }
    room *= 2;
  }
}

static int64_t ns_of(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

/* A stat as the ArrayBuffer of STAT_FIELDS int64 that index.ts reads (the order of syscalls.c's lstat rows). */
napi_value stat_values(napi_env env, const struct stat *st) {
  void *data;
  napi_value out;
  if (napi_create_arraybuffer(env, 12 * 8, &data, &out) != napi_ok) return number(env, -ENOMEM);
  int64_t *row = data;
  row[0] = 0;
  row[1] = st->st_mode;
  row[2] = st->st_uid;
  row[3] = st->st_gid;
  row[4] = st->st_size;
  row[5] = ns_of(st->st_mtim);
  row[6] = ns_of(st->st_ctim);
  row[7] = (int64_t)st->st_ino;
  row[8] = (int64_t)st->st_dev;
  row[9] = (int64_t)st->st_rdev;
  row[10] = (int64_t)st->st_nlink;
  row[11] = st->st_blocks;
  return out;
}

/* lstatAt(dirFd, name): fstatat(…, AT_SYMLINK_NOFOLLOW); an empty name: fstat(dirFd). */
static napi_value lstat_at(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t dir_fd;
  CHECK(args(env, info, 2, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  size_t length;
  char *name = c_string(env, argv[1], &length);
  if (!name) return number(env, -errno);
  if (length && !is_component(name)) {
    free(name);
    return number(env, -EINVAL);
  }
  struct stat st;
  int r = length ? fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) : fstat(dir_fd, &st);
  int saved = errno;
  free(name);
  return r < 0 ? number(env, -saved) : stat_values(env, &st);
}

/*
 * openAt(dirFd, name, flags, mode): one component under dirFd, never
 * following a symbolic link there (O_NOFOLLOW; with O_PATH, a link is
 * opened itself, to be acted on through the descriptor below).
 */
static napi_value open_at(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t dir_fd, flags;
  uint32_t mode;
  CHECK(args(env, info, 4, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  CALL(napi_get_value_int32(env, argv[2], &flags));
  CALL(napi_get_value_uint32(env, argv[3], &mode));
  char *name = component(env, argv[1]);
  if (!name) return number(env, -errno);
  int fd = openat(dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
  int saved = errno;
  free(name);
  return number(env, fd < 0 ? -saved : fd);
}

/*
 * The calls below act on the object an O_PATH descriptor refers to, never
 * on anything found by name (whatever is now at its old name): for FIFOs,
 * device nodes and symbolic links, which cannot be opened for writing
 * without side effects. chmod and utimensat go through the descriptor's
 * procfs link, which names the object itself.
 */

/* chownPath(fd, uid, gid): fchownat(fd, "", AT_EMPTY_PATH). */
static napi_value chown_path(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, uid, gid;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CALL(napi_get_value_int32(env, argv[1], &uid));
  CALL(napi_get_value_int32(env, argv[2], &gid));
  return number(env, fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0 ? -errno : 0);
}

/* chmodPath(fd, mode): chmod of /proc/self/fd/N (fchmodat2 with AT_EMPTY_PATH where /proc is missing). */
static napi_value chmod_path(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  uint32_t mode;
  CHECK(args(env, info, 2, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CALL(napi_get_value_uint32(env, argv[1], &mode));
  char proc[64];
  proc_path(proc, sizeof proc, fd);
  if (chmod(proc, (mode_t)mode) == 0) return number(env, 0);
  int saved = errno;
#ifdef SYS_fchmodat2
  if (saved == ENOENT) return number(env, syscall(SYS_fchmodat2, fd, "", (mode_t)mode, AT_EMPTY_PATH) == 0 ? 0 : -errno);
#endif
  return number(env, -saved);
}

/* utimensPath(fd, atimeNs, mtimeNs): the object's own times (not for a symbolic link: ELOOP; see utimensAt). */
static napi_value utimens_path(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  struct timespec times[2];
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CHECK(timespec_of(env, argv[1], &times[0]) == 0 && timespec_of(env, argv[2], &times[1]) == 0);
  struct stat st;
  if (fstat(fd, &st) < 0) return number(env, -errno);
  if (S_ISLNK(st.st_mode)) return number(env, -ELOOP);
  char proc[64];
  proc_path(proc, sizeof proc, fd);
  if (utimensat(AT_FDCWD, proc, times, 0) == 0) return number(env, 0);
  return number(env, -errno);
}

/* utimensAt(dirFd, name, atimeNs, mtimeNs): utimensat(…, AT_SYMLINK_NOFOLLOW): a symbolic link's own times. */
static napi_value utimens_at(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t dir_fd;
  struct timespec times[2];
  CHECK(args(env, info, 4, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  CHECK(timespec_of(env, argv[2], &times[0]) == 0 && timespec_of(env, argv[3], &times[1]) == 0);
  char *name = component(env, argv[1]);
  if (!name) return number(env, -errno);
  int r = utimensat(dir_fd, name, times, AT_SYMLINK_NOFOLLOW);
  int saved = errno;
  free(name);
  return number(env, r < 0 ? -saved : 0);
}

/*
 * setXattrPath(fd, attr, value): setxattr through the procfs link of an
 * O_PATH descriptor, so it reaches the object the descriptor names (a FIFO
 * or a device node, which cannot be opened for fsetxattr without side
 * effects), whatever is now at its old name.
 */
static napi_value set_xattr_path(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  void *value;
  size_t value_length;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CALL(napi_get_buffer_info(env, argv[2], &value, &value_length));
  char *attr = c_string(env, argv[1], NULL);
  if (!attr) return number(env, -errno);
  char proc[64];
  proc_path(proc, sizeof proc, fd);
  int r = setxattr(proc, attr, value, value_length, 0);
  int saved = errno;
  free(attr);
  return number(env, r < 0 ? -saved : 0);
}

/*
 * removeXattr(fd, attr, viaProc): fremovexattr of an open file, or with
 * viaProc removexattr through the procfs link of an O_PATH descriptor (the
 * object it names). 0 when it is gone or never was (ENODATA, or a
 * filesystem that keeps none): what a
 * restore uses to drop the ACL a new file inherited from its directory's
 * default ACL when the backup had none.
 */
static napi_value remove_xattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  bool via_proc;
  CHECK(args(env, info, 3, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  CALL(napi_get_value_bool(env, argv[2], &via_proc));
  char *attr = c_string(env, argv[1], NULL);
  if (!attr) return number(env, -errno);
  int r;
  if (via_proc) {
    char proc[64];
    proc_path(proc, sizeof proc, fd);
    r = removexattr(proc, attr);
  } else {
    r = fremovexattr(fd, attr);
  }
  int saved = errno;
  free(attr);
  if (r < 0 && saved != ENODATA && saved != ENOTSUP && saved != EOPNOTSUPP) return number(env, -saved);
  return number(env, 0);
}

/*
 * xattrSize(fd, attr): the size of one extended attribute of what an
 * O_PATH (or any) descriptor names, through its procfs link; 0 when it has
 * none of that name (or the filesystem keeps none).
 */
static napi_value xattr_size(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  CHECK(args(env, info, 2, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  char *attr = c_string(env, argv[1], NULL);
  if (!attr) return number(env, -errno);
  char proc[64];
  proc_path(proc, sizeof proc, fd);
  ssize_t r = getxattr(proc, attr, NULL, 0);
  int saved = errno;
  free(attr);
  if (r < 0) return number(env, saved == ENODATA || saved == ENOTSUP || saved == EOPNOTSUPP ? 0 : -saved);
  return number(env, (double)r);
}

/* lchownAt(dirFd, name, uid, gid): fchownat(…, AT_SYMLINK_NOFOLLOW). */
static napi_value lchown_at(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t dir_fd, uid, gid;
  CHECK(args(env, info, 4, argv));
  CALL(napi_get_value_int32(env, argv[0], &dir_fd));
  CALL(napi_get_value_int32(env, argv[2], &uid));
  CALL(napi_get_value_int32(env, argv[3], &gid));
  char *name = component(env, argv[1]);
  if (!name) return number(env, -errno);
  int r = fchownat(dir_fd, name, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW);
  int saved = errno;
  free(name);
  return number(env, r < 0 ? -saved : 0);
}

/*
 * closeFd(fd): close(2). Descriptors the calls here open are closed here
 * too: node's own close warns, in a worker thread, of a descriptor it did
 * not open itself.
 */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  CHECK(args(env, info, 1, argv));
  CALL(napi_get_value_int32(env, argv[0], &fd));
  return number(env, close(fd) < 0 ? -errno : 0);
}

/* useOpenat2(enabled): tests run openBeneath's component-by-component path too, as on a kernel without openat2. */
static napi_value use_openat2(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool enabled;
  CHECK(args(env, info, 1, argv));
  CALL(napi_get_value_bool(env, argv[0], &enabled));
  openat2_works = enabled;
  return number(env, 0);
}

napi_status at_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openBeneath", NULL, open_beneath, NULL, NULL, NULL, napi_default, NULL},
      {"mkdirAt", NULL, mkdir_at, NULL, NULL, NULL, napi_default, NULL},
      {"symlinkAt", NULL, symlink_at, NULL, NULL, NULL, napi_default, NULL},
      {"mknodAt", NULL, mknod_at, NULL, NULL, NULL, napi_default, NULL},
      {"unlinkAt", NULL, unlink_at, NULL, NULL, NULL, napi_default, NULL},
      {"renameNoReplaceAt", NULL, rename_noreplace_at, NULL, NULL, NULL, napi_default, NULL},
      {"renameReplaceAt", NULL, rename_replace_at, NULL, NULL, NULL, napi_default, NULL},
      {"linkAt", NULL, link_at, NULL, NULL, NULL, napi_default, NULL},
      {"openTmpfileAt", NULL, open_tmpfile_at, NULL, NULL, NULL, napi_default, NULL},
      {"linkFdAt", NULL, link_fd_at, NULL, NULL, NULL, napi_default, NULL},
      {"readlinkAt", NULL, readlink_at, NULL, NULL, NULL, napi_default, NULL},
      {"lstatAt", NULL, lstat_at, NULL, NULL, NULL, napi_default, NULL},
      {"setXattrPath", NULL, set_xattr_path, NULL, NULL, NULL, napi_default, NULL},
      {"removeXattr", NULL, remove_xattr, NULL, NULL, NULL, napi_default, NULL},
      {"xattrSize", NULL, xattr_size, NULL, NULL, NULL, napi_default, NULL},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL},
      {"useOpenat2", NULL, use_openat2, NULL, NULL, NULL, napi_default, NULL},
      {"openAt", NULL, open_at, NULL, NULL, NULL, napi_default, NULL},
      {"chownPath", NULL, chown_path, NULL, NULL, NULL, napi_default, NULL},
      {"chmodPath", NULL, chmod_path, NULL, NULL, NULL, napi_default, NULL},
      {"utimensPath", NULL, utimens_path, NULL, NULL, NULL, napi_default, NULL},
      {"utimensAt", NULL, utimens_at, NULL, NULL, NULL, napi_default, NULL},
      {"lchownAt", NULL, lchown_at, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
