# cpsbackup — every target installs what it needs itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM_INSTALL_STAMP := node_modules/.cpsbackup-installed

.PHONY: help setup build man lint test test-units test-deps test-rgw ceph-deps bench bench-peers bench-s3 bench-s3-trees peers demo install package package-deps lint-package clean

help:
	@echo "make demo    set up, build, start cpsbackupd, back up and restore a sample tree"
	@echo "make package the Debian packages build/deb/cpsbackup-agent_VERSION_amd64.deb and cpsbackup-server_... (DEB_VERSION=... overrides package.json's)"
	@echo "make lint-package  lintian on those packages"
	@echo "make test-units  the systemd units under a real systemd (systemd-nspawn -b of a Debian 12 root) with those packages"
	@echo "make install put cpsbackupd, cpsbackup, check_cpsbackup on PATH, their man pages in PREFIX/share/man/man8; /etc/cpsbackup from conf/; the systemd units with those paths"
	@echo "make setup   install npm dependencies (native addons are compiled here)"
	@echo "make build   compile TypeScript (tsc -b); the man pages build/man/cpsbackup.8, cpsbackupd.8, check_cpsbackup.8"
	@echo "make test    set up, build, lint, package, run every test (the packages installed in clean Debian roots, the units under systemd; the S3 suites on s3rver, then again on a real Ceph RGW)"
	@echo "make test-rgw  the S3 suites against a real Ceph RGW the tests start (one host, 127.0.0.1, Debian's ceph packages)"
	@echo "make lint    ESLint (package graph included), Prettier, type check of the tests, dead exports (knip)"
	@echo "make bench-peers  cpsbackup against restic and borg (writes docs/PERFORMANCE.md)"
	@echo "make bench   set up, build, print chunker / store throughput, dedup and tree-manifest figures"
	@echo "make bench-s3  the store on S3-compatible storage (s3rver and a real Ceph RGW) against the local directory: times and requests per GB"
	@echo "make bench-s3-trees  what a commit and GC read back from S3 with a pack cache smaller than a backup; local disk of tree packs per file"

# Native addons (better-sqlite3, zstd-napi, re2) build from source: prebuilt-binary
# downloads are not reachable on our machines, so we do not even try
# (DOWNLOAD_FORCE_BUILD: re2's installer skips its GitHub download).
$(NPM_INSTALL_STAMP): package.json package-lock.json packages/*/package.json
	npm_config_build_from_source=true DOWNLOAD_FORCE_BUILD=1 npm ci --no-audit --no-fund
	@touch $@

setup: $(NPM_INSTALL_STAMP)

# npm ci compiles the syscalls addon; a checkout that pulls a change to its C source compiles it again here.
SYSCALLS_ADDON := packages/syscalls/build/Release/syscalls.node
$(SYSCALLS_ADDON): packages/syscalls/binding.gyp $(wildcard packages/syscalls/src/*.c) | $(NPM_INSTALL_STAMP)
	cd packages/syscalls && npx node-gyp rebuild
	@touch $@

build: setup $(SYSCALLS_ADDON)
	@# protobufjs' generated code is plain JS beside its .d.ts: put it in dist
	@# first, so the packages built after protocol see its types.
	mkdir -p packages/protocol/dist/generated
	cp packages/protocol/src/generated/backup.js packages/protocol/src/generated/backup.d.ts packages/protocol/dist/generated/
	npx tsc -b
	chmod +x packages/agent/dist/cli/main.js packages/server/dist/cli.js packages/server/dist/check-cpsbackup.js
	node scripts/make-man.mjs build/man

# cpsbackup(8), cpsbackupd(8) and check_cpsbackup(8) in build/man, made from the programs' option definitions.
man: build

# Debian packages the tests use: PostgreSQL (pg_dump/pg_restore round trip).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# PostgreSQL (dump-job tests), Chromium (the status page test), and for the fidelity test
# (a tree of every file type and attribute, compared by rsync -aHAX): rsync, acl (setfacl),
# attr (getfattr, setfattr), libcap2-bin (setcap) and python3, from Debian's packages; for the install
# test (test/package/), debootstrap and zstd (clean Debian roots, cached as tarballs); promtool
# (prometheus: /metrics and the example alert rules are checked with it).
test-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="postgresql"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium fonts-dejavu-core"; \
	for tool in /usr/sbin/debootstrap:debootstrap zstd:zstd rsync:rsync setfacl:acl getfattr:attr /usr/sbin/setcap:libcap2-bin python3:python3 sshfs:sshfs /usr/sbin/sshd:openssh-server systemd-analyze:systemd systemd-nspawn:systemd-container lintian:lintian promtool:prometheus; do \
	  command -v "$${tool%%:*}" >/dev/null || missing="$$missing $${tool#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing from Debian's packages:$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

# ESLint (with the package graph as import rules), Prettier, a type check of the tests too,
# and knip (knip.json): an export nothing imports, not even a test, fails the build (a stale
# knip.json too). It does not look at what a package's index re-exports (its public API).
lint: setup
	npx eslint .
	npx prettier --check "**/*.{ts,js,mjs,cjs,json}"
	npx tsc -p tsconfig.test.json --noEmit
	npx knip --treat-config-hints-as-errors

# The packages first: test/package/ installs them in clean Debian 12 and 13 roots
# (debootstrap, cached in /var/cache/cpsbackup-test/debootstrap), test/e2e/enrol-install
# unpacks the agent's with install-agent --prefix.
# The packages the tests install are built with gzip: the same contents, a
# minute sooner than xz's (make package's default, for what is shipped).
test: build lint test-deps
	$(MAKE) --no-print-directory package DEB_COMPRESSION=gzip
	npx jest --ci
	bash test/systemd/nspawn-units.sh
	$(MAKE) --no-print-directory test-rgw

# A one-host Ceph cluster (monitor, manager, one BlueStore OSD, RGW) the S3 tests
# start themselves: Debian 12's packages (Ceph 16.2), no systemd.
ceph-deps:
	@missing=""; \
	for tool in ceph-mon:ceph-mon ceph-mgr:ceph-mgr ceph-osd:ceph-osd radosgw:radosgw; do \
	  command -v "$${tool%%:*}" >/dev/null || missing="$$missing $${tool#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing from Debian's packages:$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

# The S3 suites against a real Ceph RGW: one cluster for the run (jest's global
# setup), each test file its own bucket. The fault-injection cases run on it too
# (through the same proxy); what only s3rver does is said in each file.
RGW_SUITES := packages/testkit/src/s3/rgw.test.ts packages/store/src/s3-backend.test.ts packages/store/src/s3-lease.test.ts packages/store/src/s3-store.test.ts packages/store/src/s3-pack-reads.test.ts packages/store/src/s3-multipart.test.ts packages/store/src/s3-tree-packs.test.ts test/e2e/s3-storage.test.ts test/e2e/s3-storage-down.test.ts test/e2e/s3-outage.test.ts
test-rgw: build ceph-deps
	CPSBACKUP_S3=rgw npx jest --ci --runInBand $(RGW_SUITES)

# restic and borg from Debian's packages, for the comparison.
peers:
	@command -v restic >/dev/null && command -v borg >/dev/null || { \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends restic borgbackup; }

bench-peers: build peers
	node --max-old-space-size=4096 packages/bench/dist/peers-bench.js

# The store on S3-compatible storage (s3rver, then a real Ceph RGW) against the local directory, same run.
bench-s3: build ceph-deps
	node --max-old-space-size=4096 packages/bench/dist/s3-bench.js

bench-s3-trees: build
	node --max-old-space-size=4096 packages/bench/dist/s3-trees-bench.js

demo: build
	bash scripts/demo.sh

# cpsbackupd, cpsbackup and check_cpsbackup on PATH (PREFIX, default /usr/local),
# /etc/cpsbackup from conf/ (existing files kept), the systemd unit.
install: build
	bash scripts/install

# The Debian packages (packaging/): each with its own stripped Node.js runtime (this
# machine's node, >= 20), the program's JavaScript and production dependencies, native
# addons stripped. DEB_VERSION=0.1.0+t2 overrides package.json's version; DEB_COMPRESSION
# (default xz) is dpkg-deb's compressor (zstd: a build in seconds, for tests).
# Tools from Debian's packages: dpkg-deb and dpkg-shlibdeps (Depends computed from the
# runtime's and the addons' ELF files), strip; lintian for lint-package.
package-deps:
	@missing=""; \
	for tool in dpkg-deb:dpkg dpkg-shlibdeps:dpkg-dev strip:binutils; do \
	  command -v "$${tool%%:*}" >/dev/null || missing="$$missing $${tool#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing from Debian's packages:$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

package: build package-deps
	DEB_VERSION="$(DEB_VERSION)" DEB_COMPRESSION="$(DEB_COMPRESSION)" bash packaging/package

# The units of systemd/ under a real systemd (PID 1 of a Debian 12 root booted by systemd-nspawn), with the packages.
test-units: package
	bash test/systemd/nspawn-units.sh

lint-package: package
	@command -v lintian >/dev/null || { \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends lintian; }
	bash packaging/lint-package

bench: build
	node --max-old-space-size=4096 packages/bench/dist/store-bench.js
	node --max-old-space-size=4096 packages/bench/dist/tree-bench.js
	node --max-old-space-size=4096 packages/bench/dist/floor-bench.js

clean:
	npx tsc -b --clean || true
	rm -rf node_modules packages/*/dist packages/*/tsconfig.tsbuildinfo
