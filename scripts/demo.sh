#!/usr/bin/env bash
# make demo: certificates, cpsbackupd on its defaults (embedded SQLite + local
# directory store), two backups of a sample tree (one with a database-dump
# FIFO fed by a writer process), list, show, restore into a new directory,
# compare; then an encrypted node (cpsvault): its key, a backup the server
# cannot read (searched for), a restore; stop. Everything lives under var/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
demo="$root/var/demo"
port="${DEMO_PORT:-4200}"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$demo"
mkdir -p "$demo/conf/clients" "$demo/sample"

step "certificates (CA, server cpsbackupd, clients cpsnode and cpsvault)"
scripts/make-certs "$demo/certs" cpsnode cpsvault

step "configuration"
cat > "$demo/conf/server.conf" <<CONF
address = 127.0.0.1
port = $port
status_port = 0
directory = $demo/store
ssl_cert_ca = $demo/certs/ca.pem
ssl_cert = $demo/certs/cpsbackupd.pem
ssl_key = $demo/certs/cpsbackupd.key
keep = 5
CONF
echo "ssl_peer_cn = cpsnode" > "$demo/conf/clients/cpsnode"
echo "ssl_peer_cn = cpsvault" > "$demo/conf/clients/cpsvault"
cat > "$demo/conf/node.conf" <<CONF
cname = cpsnode
server = 127.0.0.1
port = $port
ssl_peer_cn = cpsbackupd
ssl_cert_ca = $demo/certs/ca.pem
ssl_cert = $demo/certs/cpsnode.pem
ssl_key = $demo/certs/cpsnode.key
include = $demo/sample
exclude_regex = \.tmp$
read_all_fifos = 1
fifo_timeout = 30
CONF
cat "$demo/conf/node.conf"

step "sample tree: this project's sources, a binary, links, a FIFO"
cp -r packages/chunker/src "$demo/sample/chunker"
cp -r packages/store/src "$demo/sample/store"
head -c 4000000 /dev/urandom > "$demo/sample/blob.bin"
ln -s blob.bin "$demo/sample/blob-link"
ln "$demo/sample/blob.bin" "$demo/sample/blob-hardlink"
echo scratch > "$demo/sample/ignored.tmp"
mkdir "$demo/sample/empty"
mkfifo "$demo/sample/database.dump"

step "start cpsbackupd on 127.0.0.1:$port"
node packages/server/dist/cli.js -c "$demo/conf/server.conf" > "$demo/cpsbackupd.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q '"msg":"listening"' "$demo/cpsbackupd.log" 2>/dev/null && break; sleep 0.1; done
grep -q '"msg":"listening"' "$demo/cpsbackupd.log" || { cat "$demo/cpsbackupd.log"; echo "cpsbackupd did not start (port $port busy? set DEMO_PORT)"; exit 1; }
tail -n 1 "$demo/cpsbackupd.log"

cps() { node packages/agent/dist/cli/main.js -c "$demo/conf/node.conf" "$@"; }

step "backup 1 (a writer process streams a database dump into the FIFO)"
(seq 1 200000 | sed 's/^/INSERT INTO alarms VALUES (/; s/$/);/' > "$demo/sample/database.dump") &
cps -e --name first

step "change the tree, backup 2 (unchanged files are not read again)"
echo "// edited" >> "$demo/sample/store/store.ts"
rm "$demo/sample/chunker/gear.ts"
(seq 1 210000 | sed 's/^/INSERT INTO alarms VALUES (/; s/$/);/' > "$demo/sample/database.dump") &
cps -e --name second

step "list"
cps -l

step "show backup 2 (first lines)"
cps -s 2 | head -n 8
echo "..."
cps -s 2 | tail -n 1

step "restore the latest backup into $demo/restore (the dump FIFO comes back as a regular file)"
cps -i --to "$demo/restore"

step "compare"
seq 1 210000 | sed 's/^/INSERT INTO alarms VALUES (/; s/$/);/' > "$demo/expected.dump"
rm "$demo/sample/ignored.tmp"
restored="$demo/restore$demo/sample"
cmp "$restored/database.dump" "$demo/expected.dump" && echo "database dump: identical ($(wc -l < "$demo/expected.dump") lines)"
diff -r --no-dereference --exclude=database.dump "$demo/sample" "$restored" && echo "files, links, directories: identical"
[ "$(stat -c %i "$restored/blob.bin")" = "$(stat -c %i "$restored/blob-hardlink")" ] && echo "hard link: preserved"

step "an encrypted node, cpsvault: its master key (--init-key), a copy wrapped by the passphrase kept on the server"
mkdir -p "$demo/vault"
echo "demo-secret-$(date +%s%N)" > "$demo/vault/secret.txt"
cp -r packages/crypto/src "$demo/vault/crypto"
sed -e 's/^cname = cpsnode/cname = cpsvault/' -e 's/cpsnode\./cpsvault./g' -e "s|^include = .*|include = $demo/vault|" "$demo/conf/node.conf" > "$demo/conf/vault.conf"
cat >> "$demo/conf/vault.conf" <<CONF
encryption = 1
encryption_key_file = $demo/conf/vault.key
encryption_password = demo passphrase, keep yours somewhere safe
CONF
vault() { node packages/agent/dist/cli/main.js -c "$demo/conf/vault.conf" "$@"; }
vault --init-key

step "encrypted backup: the server stores what it cannot read"
vault -e
if grep -rqF "$(cat "$demo/vault/secret.txt")" "$demo/store"; then echo "plaintext found in the store"; exit 1; fi
echo "the secret file's content is nowhere in $demo/store (packs, catalog, records)"

step "encrypted restore (the node reads its own file list) and compare"
vault -i --to "$demo/vault-restore"
diff -r "$demo/vault" "$demo/vault-restore$demo/vault" && echo "encrypted node: identical"

step "stop cpsbackupd"
kill "$server_pid"; wait "$server_pid" || true; server_pid=""
tail -n 2 "$demo/cpsbackupd.log"
echo
echo "demo OK: store in $demo/store, log in $demo/cpsbackupd.log"
