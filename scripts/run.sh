#!/bin/sh
# Set up everything, build (which makes the demo PKI) and run sipcore in the foreground
# with the TLS module on etc/sipcore.cfg (UDP/TCP 5060, TLS 5061 on
# 127.0.0.1). Usage (as root on Debian 12): scripts/run.sh
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
exec build/core/sipcore -D -E -f etc/sipcore.cfg "$@"
