#!/bin/sh
# Set up everything, build (which makes the demo PKI) and run sipcore in the foreground
# with the TLS module on etc/sipcore.cfg (UDP/TCP 5060, TLS 5061 on
# 127.0.0.1), as the user sipcore when started as root.
# Usage (as root on Debian 12): scripts/run.sh [SIPCORE OPTIONS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "${SC_SKIP_DEPS:-0}" != 1 ]; then
	scripts/deps.sh
fi
[ -f build/build.ninja ] || meson setup build
ninja -C build
# The demo PKI is made in build/pki; etc/sipcore.cfg reads etc/certs/.
if [ ! -e etc/certs ] || [ -L etc/certs ]; then
	ln -sfn ../build/pki etc/certs
fi
# As root, sipcore reads its files and binds its ports as root and then
# runs as the system user sipcore (made here if absent). A reload (SIGHUP)
# reads the keys again as that user: the demo keys are root's alone (the
# PKI check wants them so), so a reload keeps the running ones.
set -- -f etc/sipcore.cfg "$@"
if [ "$(id -u)" = 0 ]; then
	if ! id sipcore >/dev/null 2>&1; then
		if command -v useradd >/dev/null 2>&1; then
			useradd --system --user-group --no-create-home \
				--home-dir /nonexistent --shell /usr/sbin/nologin \
				sipcore
		else
			adduser --system --group --no-create-home sipcore
		fi
	fi
	set -- -u sipcore "$@"
fi
exec build/core/sipcore -D -E "$@"
