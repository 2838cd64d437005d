#!/bin/sh
# Install every Debian 12 package the build, the tests and the benchmarks
# use. Run as root. Safe to run again.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential pkg-config meson ninja-build \
	libgnutls28-dev nettle-dev libc-ares-dev check \
	gnutls-bin openssl ca-certificates softhsm2 \
	python3 procps iproute2 \
	clang libclang-rt-14-dev \
	kamailio kamailio-tls-modules gnuplot-nox \
	sipsak baresip
