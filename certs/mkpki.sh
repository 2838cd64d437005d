#!/bin/sh
# mkpki.sh - make the sipcore test/demo PKI in one command (prefix: mk_).
#
# Usage: certs/mkpki.sh [--force] OUTDIR
#
# Writes every key, certificate, chain and CRL that the tests and the sample
# configs use into OUTDIR (see certs/README.md for the list). A complete OUTDIR
# is left alone, so tests may call this before each run; --force regenerates.
# Exit status: 0 done (or nothing to do), 1 generation failed, 2 usage error
# or certtool missing. Tests decide for themselves whether to skip.
set -eu

# Bump when the set of files or their contents change, so that older
# directories are regenerated instead of being taken as complete.
PKI_VERSION=3
MARKER=.done

# Every file the PKI consists of; a directory is complete when all exist.
KEYS="ca.key rogue-ca.key inter-ca.key server-ecdsa.key server-rsa.key
server2-ecdsa.key client.key rogue-client.key expired.key expired-server.key
revoked.key chain-server.key chain-client.key mismatch.key server-ecdsa-enc.key
eku-server.key eku-codesign.key eku-none.key sip-domain.key sip-wild.key"
CERTS="ca.pem rogue-ca.pem inter-ca.pem server-ecdsa.pem server-rsa.pem
server2-ecdsa.pem client.pem rogue-client.pem expired.pem expired-server.pem
revoked.pem chain-server.pem chain-client.pem unsorted-chain.pem
ca-bundle.pem all-ca.pem crl.pem crl-empty.pem eku-server.pem eku-codesign.pem
eku-none.pem crl-rogue.pem crl-expired.pem sip-domain.pem sip-wild.pem"

mk_usage()
{
	echo "usage: $0 [--force] OUTDIR"
	echo "  makes the sipcore test PKI in OUTDIR; --force regenerates it"
}

mk_die()
{
	echo "mkpki: $*" >&2
	exit 1
}

# Run certtool quietly; on failure show what it said and stop.
mk_certtool()
{
	if ! certtool "$@" >"$work/certtool.log" 2>&1; then
		echo "mkpki: certtool $* failed:" >&2
		cat "$work/certtool.log" >&2
		exit 1
	fi
}

# mk_key NAME ecdsa|rsa: unencrypted private key NAME.key.
mk_key()
{
	case $2 in
	ecdsa)	mk_certtool --generate-privkey --key-type ecdsa \
			--curve secp256r1 --no-text --outfile "$work/$1.key" ;;
	rsa)	mk_certtool --generate-privkey --key-type rsa --bits 2048 \
			--no-text --outfile "$work/$1.key" ;;
	*)	mk_die "unknown key type $2" ;;
	esac
}

# mk_selfsigned NAME: self-signed CA certificate NAME.pem from NAME.tmpl.
mk_selfsigned()
{
	mk_key "$1" ecdsa
	mk_certtool --generate-self-signed --load-privkey "$work/$1.key" \
		--template "$tmpl_dir/$1.tmpl" --no-text --outfile "$work/$1.pem"
}

# mk_signed NAME TEMPLATE ISSUER KEYTYPE [OUT]: NAME.key and a certificate
# (OUT, default NAME.pem) for it, signed by ISSUER.pem/ISSUER.key.
mk_signed()
{
	mk_key "$1" "$4"
	mk_certtool --generate-certificate --load-privkey "$work/$1.key" \
		--load-ca-certificate "$work/$3.pem" \
		--load-ca-privkey "$work/$3.key" \
		--template "$tmpl_dir/$2.tmpl" --no-text \
		--outfile "$work/${5:-$1.pem}"
}

# mk_crl NAME TEMPLATE [ISSUER [REVOKED.pem]]: CRL of ISSUER (default:
# the root CA).
mk_crl()
{
	out=$work/$1
	tmpl=$tmpl_dir/$2
	issuer=${3:-ca}
	shift 2
	[ $# -gt 0 ] && shift
	mk_certtool --generate-crl --load-ca-privkey "$work/$issuer.key" \
		--load-ca-certificate "$work/$issuer.pem" "$@" \
		--template "$tmpl" --no-text --outfile "$out"
}

mk_generate()
{
	mk_selfsigned ca
	mk_selfsigned rogue-ca
	mk_signed inter-ca inter-ca ca ecdsa

	mk_signed server-ecdsa server-ecdsa ca ecdsa
	mk_signed server-rsa server-rsa ca rsa
	mk_signed server2-ecdsa server2-ecdsa ca ecdsa
	mk_signed client client ca ecdsa
	mk_signed rogue-client rogue-client rogue-ca ecdsa
	mk_signed expired expired ca ecdsa
	mk_signed expired-server expired-server ca ecdsa
	mk_signed revoked revoked ca ecdsa

	# Chains are sorted leaf first, as TLS sends them; the unsorted one
	# exists to prove that a wrong order is a startup error.
	mk_signed chain-server server-ecdsa inter-ca ecdsa chain-server.leaf
	mk_signed chain-client chain-client inter-ca ecdsa chain-client.leaf
	cat "$work/chain-server.leaf" "$work/inter-ca.pem" >"$work/chain-server.pem"
	cat "$work/chain-client.leaf" "$work/inter-ca.pem" >"$work/chain-client.pem"
	cat "$work/inter-ca.pem" "$work/chain-server.leaf" >"$work/unsorted-chain.pem"

	# Same key type as server-ecdsa.key, so only the key itself differs.
	mk_key mismatch ecdsa
	mk_certtool --to-p8 --load-privkey "$work/server-ecdsa.key" \
		--password sipcore-test --no-text \
		--outfile "$work/server-ecdsa-enc.key"

	# One purpose each: server only, code signing only, none stated.
	mk_signed eku-server eku-server ca ecdsa
	mk_signed eku-codesign eku-codesign ca ecdsa
	mk_signed eku-none eku-none ca ecdsa

	# SIP domains (RFC 5922): a sip: URI identity, a wildcard DNS name.
	mk_signed sip-domain sip-domain ca ecdsa
	mk_signed sip-wild sip-wild ca ecdsa

	mk_crl crl.pem crl.tmpl ca --load-certificate "$work/revoked.pem"
	mk_crl crl-empty.pem crl-empty.tmpl
	mk_crl crl-rogue.pem crl-rogue.tmpl rogue-ca
	mk_crl crl-expired.pem crl-expired.tmpl

	cat "$work/ca.pem" >"$work/ca-bundle.pem"
	cat "$work/ca.pem" "$work/rogue-ca.pem" >"$work/all-ca.pem"
}

mk_is_complete()
{
	[ -f "$outdir/$MARKER" ] || return 1
	[ "$(cat "$outdir/$MARKER")" = "sipcore-pki $PKI_VERSION" ] || return 1
	for f in $KEYS $CERTS; do
		[ -f "$outdir/$f" ] || return 1
	done
	return 0
}

# Move the finished files into OUTDIR; the marker goes last, so an
# interrupted run is never mistaken for a complete one.
mk_install()
{
	for f in $KEYS; do
		chmod 0600 "$work/$f"
	done
	for f in $CERTS; do
		chmod 0644 "$work/$f"
	done
	for f in $KEYS $CERTS; do
		mv -f "$work/$f" "$outdir/$f"
		echo "mkpki: made $outdir/$f"
	done
	echo "sipcore-pki $PKI_VERSION" >"$work/$MARKER"
	chmod 0644 "$work/$MARKER"
	mv -f "$work/$MARKER" "$outdir/$MARKER"
}

force=0
while [ $# -gt 0 ]; do
	case $1 in
	-f|--force)	force=1 ;;
	-h|--help)	mk_usage; exit 0 ;;
	--)		shift; break ;;
	-*)		mk_usage >&2; exit 2 ;;
	*)		break ;;
	esac
	shift
done
if [ $# -ne 1 ] || [ -z "$1" ]; then
	mk_usage >&2
	exit 2
fi
outdir=$1

if ! command -v certtool >/dev/null 2>&1; then
	echo "mkpki: certtool not found; install GnuTLS's tools (Debian: gnutls-bin)" >&2
	exit 2
fi

tmpl_dir=$(cd "$(dirname "$0")" && pwd)/templates
[ -d "$tmpl_dir" ] || mk_die "templates not found in $tmpl_dir"

mkdir -p "$outdir" || mk_die "cannot create $outdir"

# Parallel test runs may call this on the same directory: serialise them,
# and let the ones that waited find the work done.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$outdir/.mkpki.lock"
	flock 9 || mk_die "cannot lock $outdir/.mkpki.lock"
fi

if [ "$force" -eq 0 ] && mk_is_complete; then
	exit 0
fi
rm -f "$outdir/$MARKER"

# Keys are private from the moment they exist; certificates are made
# world-readable when they are installed.
umask 077
work=$(mktemp -d "$outdir/.mkpki.XXXXXX") || mk_die "cannot create a work directory in $outdir"
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

mk_generate
mk_install
