#!/usr/bin/env bash
# The units of systemd/ run for real, with systemd as PID 1: a Debian 12 root
# (debootstrap, cached as a tarball) booted by systemd-nspawn -b, the agent and
# server packages (make package) installed in it with apt. systemd starts
# cpsbackupd (its SystemCallFilter), cpsbackup-backup.service, then
# cpsbackup-agent.service; they back up what only root reads (another user's
# 0600 files, /home, trusted.* and user.* attributes) and a PostgreSQL dump
# written through runuser -u postgres into its FIFO; the backup is restored and
# compared. Then the same without CAP_SYS_ADMIN (a drop-in): trusted.* is gone,
# as the unit says. Each check is printed; the first failure ends it (exit 1).
#   make test-units     (root; systemd-container, debootstrap, zstd; deb.debian.org reachable)
# The container shares the host's network: cpsbackupd listens on 127.0.0.1:$PORT.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cache=/var/cache/cpsbackup-test/debootstrap/bookworm-systemd.tar.zst
version=$(node -p "require('$here/package.json').version")
agent_deb="$here/build/deb/cpsbackup-agent_${version}_amd64.deb"
server_deb="$here/build/deb/cpsbackup-server_${version}_amd64.deb"
PORT=${PORT:-42790}
for f in "$agent_deb" "$server_deb"; do [ -f "$f" ] || { echo "nspawn-units: $f is missing: run make package" >&2; exit 2; }; done
command -v systemd-nspawn >/dev/null || { echo "nspawn-units: systemd-nspawn is missing: apt-get install systemd-container" >&2; exit 2; }

work=$(mktemp -d /var/tmp/cpsbackup-nspawn-units.XXXXXX)
root="$work/root"
nspawn_pid=
finish() {
  if [ -n "$nspawn_pid" ]; then kill "$nspawn_pid" 2>/dev/null || true; wait "$nspawn_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap finish EXIT

if [ ! -f "$cache" ]; then
  echo "debootstrap: a Debian 12 root with systemd (cached in $cache)"
  mkdir -p "$(dirname "$cache")"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$work/fresh" http://deb.debian.org/debian >"$work/debootstrap.log"
  tar -C "$work/fresh" -c . | zstd -q -T1 -o "$cache.tmp" && mv "$cache.tmp" "$cache"
  rm -rf "$work/fresh"
fi
mkdir "$root"
zstd -dc "$cache" | tar -C "$root" -x
echo cpsbackup-units >"$root/etc/hostname"
mkdir "$root/root/debs"
cp "$agent_deb" "$server_deb" "$root/root/debs/"

# Not booted: a command in the root. (nspawn's "cannot remove disk file system" on exit is about its own propagation directory.)
run() { systemd-nspawn -q -D "$root" --register=no --keep-unit "$@" </dev/null 2> >(grep -v 'Attempted to remove disk file system' >&2); }
echo "apt: the two packages, postgresql-15, attr"
run sh -c "apt-get install -y -q /root/debs/*.deb >/root/apt.log 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15 attr >>/root/apt.log 2>&1" ||
  { cat "$root/root/apt.log" >&2; exit 1; }
# The units are started by hand here, one at a time.
rm -f "$root"/etc/systemd/system/*.wants/cpsbackup*

cat >"$root/root/setup.sh" <<EOF
#!/bin/sh
set -e
cd /etc/cpsbackup
/usr/share/cpsbackup/make-certs /etc/cpsbackup/certs node1 >/dev/null
sed -i 's/^port = 4200$/port = $PORT/; s/^status_port = 4201$/status_port = 0/' server.conf
printf 'ssl_peer_cn = node1\n' >clients/node1
[ -f records.key ] || /usr/bin/cpsbackupd --make-records-key -c /etc/cpsbackup/server.conf
chgrp -R cpsbackup /etc/cpsbackup && chmod -R g+rX,o-rwx /etc/cpsbackup
useradd -m alice
mkdir -p /srv/data
echo "alice's secret" >/home/alice/secret.txt && chown alice: /home/alice/secret.txt && chmod 600 /home/alice/secret.txt
echo "owned by nobody, mode 0400" >/srv/data/private && chown nobody /srv/data/private && chmod 400 /srv/data/private
setfattr -n trusted.label -v kept /srv/data/private
setfattr -n user.note -v kept /srv/data/private
cat >node.conf <<CONF
cname = node1
server = 127.0.0.1
port = $PORT
ssl_cert_ca = /etc/cpsbackup/certs/ca.pem
ssl_cert = /etc/cpsbackup/certs/node1.pem
ssl_key = /etc/cpsbackup/certs/node1.key
include = /srv/data
include = /home
backup_script_pre = /root/record-pre.sh
CONF
cat >storage.conf <<CONF
dump = pg: runuser -u postgres -- pg_dump --format=custom postgres > {fifo}
restore = pg: runuser -u postgres -- pg_restore --list {file} >/dev/null
CONF
EOF
cat >"$root/root/record-pre.sh" <<'EOF'
#!/bin/sh
# What the agent runs with, seen by its child: capabilities, seccomp, niceness, I/O priority.
{ grep -E '^(CapBnd|Seccomp|NoNewPrivs):' /proc/$PPID/status; echo "nice: $(sed 's/.*) //' /proc/$PPID/stat | cut -d' ' -f17)"; echo "ionice: $(ionice -p $PPID)"; } >/run/cpsbackup/pre.txt
EOF
chmod 755 "$root/root/setup.sh" "$root/root/record-pre.sh"
run /root/setup.sh

echo "boot: systemd as PID 1 in the root"
setsid systemd-nspawn -q -D "$root" -b --register=no --keep-unit --console=pipe </dev/null >"$work/boot.log" 2>&1 &
nspawn_pid=$!
init=
for _ in $(seq 1 100); do
  init=$(pgrep -P "$nspawn_pid" -x systemd || true)
  [ -n "$init" ] && break
  sleep 0.2
done
[ -n "$init" ] || { echo "nspawn-units: the container's systemd did not start:" >&2; cat "$work/boot.log" >&2; exit 1; }
inside() { nsenter -t "$init" -m -u -i -n -p -C "$@"; }
# Booted: the system has finished starting (degraded is fine: a container lacks what some units need).
state=
for _ in $(seq 1 300); do
  state=$(inside systemctl is-system-running 2>/dev/null || true)
  case "$state" in running | degraded) break ;; esac
  sleep 0.2
done
echo "  systemd: $state"

fail() { echo "FAILED: $*" >&2; exit 1; }
check() { echo "  ok: $*"; }

inside systemctl start cpsbackupd
until inside journalctl -u cpsbackupd -o cat --no-pager | grep -q '"msg":"listening"'; do
  inside systemctl is-active -q cpsbackupd || fail "cpsbackupd did not start: $(inside journalctl -u cpsbackupd -o cat --no-pager | tail -5)"
  sleep 0.2
done
[ "$(inside grep '^Seccomp:' /proc/"$(inside systemctl show -p MainPID --value cpsbackupd)"/status | tr -d '\t ')" = Seccomp:2 ] || fail "cpsbackupd runs without its seccomp filter"
check "cpsbackupd listens under SystemCallFilter=@system-service"

inside systemctl start cpsbackup-backup.service || fail "cpsbackup-backup.service: $(inside journalctl -u cpsbackup-backup -o cat --no-pager | tail -5)"
inside journalctl -u cpsbackup-backup -o cat --no-pager | grep -q 'Backup 0000001 available' || fail "no backup 1: $(inside journalctl -u cpsbackup-backup -o cat --no-pager | tail -5)"
check "cpsbackup-backup.service made backup 1"
inside cat /run/cpsbackup/pre.txt | sed 's/^/    /'
grep -q '^CapBnd:.*00000000002000ec$' <(inside cat /run/cpsbackup/pre.txt) || fail "the agent's capability bounding set is not the unit's"
grep -q '^Seccomp:.*2$' <(inside cat /run/cpsbackup/pre.txt) || fail "the agent runs without the seccomp filter"
grep -q '^nice: 10$' <(inside cat /run/cpsbackup/pre.txt) || fail "the agent's niceness is not node.conf's default"
grep -q '^ionice: best-effort: prio 7$' <(inside cat /run/cpsbackup/pre.txt) || fail "the agent's I/O priority is not node.conf's default"
check "the agent ran with the unit's capabilities and filter, at nice 10, best-effort:7"
# Before anything else reads it (relatime: a first read after a write would set it).
[ "$(inside stat -c %X /srv/data/private)" = "$(inside stat -c %Y /srv/data/private)" ] || fail "the backup changed the access time of /srv/data/private (O_NOATIME needs CAP_FOWNER)"
check "access times left as they were (O_NOATIME on files of other users)"

inside cpsbackup -c /etc/cpsbackup/node.conf -i 1 --to /root/restored >/dev/null 2>&1 || true
inside cmp /srv/data/private /root/restored/srv/data/private || fail "/srv/data/private (nobody's, 0400) restored differently"
inside cmp /home/alice/secret.txt /root/restored/home/alice/secret.txt || fail "/home/alice/secret.txt (alice's, 0600) restored differently"
check "files only their owners read, /home included, restored byte for byte"
[ "$(inside getfattr --absolute-names --only-values -n trusted.label /root/restored/srv/data/private)" = kept ] || fail "trusted.label was not backed up"
[ "$(inside getfattr --absolute-names --only-values -n user.note /root/restored/srv/data/private)" = kept ] || fail "user.note was not backed up"
check "trusted.* and user.* attributes restored"
[ "$(inside head -c 5 /root/restored/var/lib/cpsbackup-agent/dumps/pg.dump)" = PGDMP ] || fail "the PostgreSQL dump is not in the backup"
inside sh -c 'runuser -u postgres -- pg_restore --list </root/restored/var/lib/cpsbackup-agent/dumps/pg.dump' >/dev/null || fail "pg_restore cannot read the dump"
check "pg_dump through runuser -u postgres and a unix socket, into its FIFO: a dump pg_restore reads"

inside systemctl restart cpsbackupd
until [ "$(inside journalctl -u cpsbackupd -o cat --no-pager | grep -c '"msg":"listening"')" -ge 2 ]; do
  inside systemctl is-active -q cpsbackupd || [ "$(inside systemctl show -p ActiveState --value cpsbackupd)" = activating ] ||
    fail "cpsbackupd does not start again after the agent's backup: $(inside journalctl -u cpsbackupd -o cat --no-pager | tail -3)"
  sleep 0.2
done
check "cpsbackupd starts again after the agent's backup (nothing of the agent in its store)"

echo "backup_interval = 1s" >>"$root/etc/cpsbackup/node.conf"
inside systemctl start cpsbackup-agent.service
until inside journalctl -u cpsbackup-agent -o cat --no-pager | grep -q '"msg":"backup done"'; do
  inside systemctl is-active -q cpsbackup-agent || fail "cpsbackup-agent.service stopped: $(inside journalctl -u cpsbackup-agent -o cat --no-pager | tail -5)"
  sleep 0.2
done
inside systemctl stop cpsbackup-agent.service
sed -i '/^backup_interval = 1s$/d' "$root/etc/cpsbackup/node.conf"
check "cpsbackup-agent.service (the daemon) made a backup"

mkdir -p "$root/etc/systemd/system/cpsbackup-backup.service.d"
printf '[Service]\nCapabilityBoundingSet=~CAP_SYS_ADMIN\n' >"$root/etc/systemd/system/cpsbackup-backup.service.d/no-sys-admin.conf"
inside systemctl daemon-reload
inside systemctl start cpsbackup-backup.service || fail "cpsbackup-backup.service without CAP_SYS_ADMIN failed"
last=$(inside journalctl -u cpsbackup-backup -o cat --no-pager | grep -oE 'Backup [0-9]+ available' | tail -1 | grep -oE '[0-9]+')
last=$((10#$last))
inside cpsbackup -c /etc/cpsbackup/node.conf -i "$last" --to /root/no-sys-admin >/dev/null 2>&1 || true
inside cmp /srv/data/private /root/no-sys-admin/srv/data/private || fail "without CAP_SYS_ADMIN, /srv/data/private restored differently"
if inside getfattr --absolute-names --only-values -n trusted.label /root/no-sys-admin/srv/data/private >/dev/null 2>&1; then fail "trusted.label backed up without CAP_SYS_ADMIN: the unit's comment is wrong"; fi
check "with CapabilityBoundingSet=~CAP_SYS_ADMIN (drop-in) trusted.* is left out, the rest kept"
echo "nspawn-units: all checks passed"
