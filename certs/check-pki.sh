#!/usr/bin/env bash
# check-pki.sh - prove that a PKI made by mkpki.sh is what the tests expect
# (prefix: ck_).
#
# Usage: certs/check-pki.sh OUTDIR
#
# Checks file modes, certificate contents, chain verification with certtool
# and openssl (good certificates pass; rogue, expired and revoked ones fail
# for the right reason), and real TLS handshakes against gnutls-serv with
# gnutls-cli and openssl s_client, including client-certificate checks.
# Exit status: 0 all passed, 1 some check failed, 2 usage error,
# 77 a needed tool is missing (meson's "skip").
set -eu
set -o pipefail

PASSWORD=sipcore-test
OID_SERVER=1.3.6.1.5.5.7.3.1
OID_CLIENT=1.3.6.1.5.5.7.3.2
TEN_YEARS_MINUS_A_WEEK=$(( (3650 - 7) * 86400 ))
EXTS=basicConstraints,keyUsage,extendedKeyUsage,subjectAltName
TEXT_OPTS=no_sigdump,no_header,no_extensions,no_issuer,no_subject,no_validity,no_serial,no_version,no_signame

KEYS=(ca rogue-ca inter-ca server-ecdsa server-rsa server2-ecdsa client
	rogue-client expired expired-server revoked chain-server chain-client
	mismatch server-ecdsa-enc eku-server eku-codesign eku-none sip-domain
	sip-wild)
# Certificates with a key of the same name (chains: the leaf is first).
PAIRS=(ca rogue-ca inter-ca server-ecdsa server-rsa server2-ecdsa client
	rogue-client expired expired-server revoked chain-server chain-client
	eku-server eku-codesign eku-none sip-domain sip-wild)
OTHER_FILES=(unsorted-chain.pem ca-bundle.pem all-ca.pem crl.pem crl-empty.pem
	crl-rogue.pem crl-expired.pem)

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
dir=$1

for tool in certtool openssl gnutls-serv gnutls-cli timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "check-pki: $tool not found, skipping" >&2
		exit 77
	fi
done
if [ ! -d "$dir" ]; then
	echo "check-pki: no such directory: $dir" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-pki.XXXXXX")
log=$tmp/log
srv_pid=
srv_port=
passes=0
fails=0

ck_cleanup()
{
	if [ -n "$srv_pid" ]; then
		kill "$srv_pid" 2>/dev/null || true
		wait "$srv_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap ck_cleanup EXIT
trap 'exit 1' HUP INT TERM

ck_pass()
{
	passes=$((passes + 1))
	echo "ok   - $*"
}

ck_fail()
{
	fails=$((fails + 1))
	echo "FAIL - $*"
	if [ -s "$log" ]; then
		tail -n 8 "$log" | sed 's/^/       | /'
	fi
}

# ck_ok DESC CMD...: CMD must succeed.
ck_ok()
{
	local desc=$1
	shift
	if "$@" >"$log" 2>&1 </dev/null; then
		ck_pass "$desc"
	else
		ck_fail "$desc"
	fi
}

# ck_refused DESC REGEX CMD...: CMD must fail, saying something matching
# REGEX, so that a failure for an unrelated reason does not count.
ck_refused()
{
	local desc=$1 re=$2
	shift 2
	if "$@" >"$log" 2>&1 </dev/null; then
		ck_fail "$desc (unexpectedly succeeded)"
	elif grep -qiE -- "$re" "$log"; then
		ck_pass "$desc"
	else
		ck_fail "$desc (failed, but not with /$re/)"
	fi
}

# ck_same DESC A B: two strings must be equal (and non-empty).
ck_same()
{
	: >"$log"
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ck_pass "$1"
	else
		printf 'got:  %s\nwant: %s\n' "$2" "$3" >"$log"
		ck_fail "$1"
	fi
}

# openssl starts slowly, so each certificate is read once and the checks
# look at the cached dump: subject, issuer, serial, end date, extensions,
# public key and its description.
ck_dump()
{
	local cache=$tmp/dump.${1##*/}
	if [ ! -s "$cache" ]; then
		openssl x509 -in "$1" -noout -subject -issuer -serial -enddate \
			-nameopt RFC2253 -ext "$EXTS" -pubkey -text \
			-certopt "$TEXT_OPTS" >"$cache" 2>/dev/null || true
	fi
	cat "$cache"
}

ck_pubkey_of_cert()
{
	ck_dump "$1" | sed -n '/-----BEGIN PUBLIC KEY-----/,/-----END PUBLIC KEY-----/p'
}

ck_pubkey_of_key()
{
	openssl pkey -in "$1" -pubout 2>/dev/null
}

# ck_valid_for CERT SECONDS: CERT does not expire within SECONDS.
ck_valid_for()
{
	local end
	end=$(ck_field "$1" notAfter)
	[ -n "$end" ] || return 1
	[ "$(date -d "$end" +%s)" -gt $(( $(date +%s) + $2 )) ]
}

# ck_ext CERT EXT: one extension's value, joined on one line.
ck_ext()
{
	local title
	case $2 in
	basicConstraints)	title="Basic Constraints" ;;
	keyUsage)		title="Key Usage" ;;
	extendedKeyUsage)	title="Extended Key Usage" ;;
	subjectAltName)		title="Subject Alternative Name" ;;
	*)			return 1 ;;
	esac
	ck_dump "$1" | awk -v t="X509v3 $title:" '
		/^[^ ]/ { on = index($0, t) == 1; next }
		on { sub(/^ */, ""); print }' | paste -sd' '
}

# ck_field CERT subject|issuer|serial
ck_field()
{
	ck_dump "$1" | sed -n "s/^$2=//p"
}

ck_count_certs()
{
	grep -c -- '-----BEGIN CERTIFICATE-----' "$1"
}

# ck_nth_cert FILE N: the Nth certificate (1-based) of a PEM file.
ck_nth_cert()
{
	awk -v n="$2" '/-----BEGIN CERTIFICATE-----/ { i++ }
		i == n { print }
		i == n && /-----END CERTIFICATE-----/ { exit }' "$1"
}

ck_certtool_verify()
{
	certtool --verify --verify-profile medium "$@"
}

# ck_grep REGEX CMD...: CMD must succeed and print REGEX.
ck_grep()
{
	local re=$1
	shift
	"$@" && grep -qE -- "$re" "$log"
}

ck_plain_key()
{
	grep -q -- '-----BEGIN [A-Z ]*PRIVATE KEY-----' "$1" &&
		! grep -q 'ENCRYPTED' "$1" &&
		openssl pkey -in "$1" -passin pass: -noout
}

ck_files()
{
	local f mode
	for f in "${KEYS[@]}"; do
		mode=$(stat -c %a "$dir/$f.key" 2>/dev/null || echo missing)
		ck_same "$f.key exists with mode 600" "$mode" 600
	done
	for f in "${PAIRS[@]}" "${OTHER_FILES[@]%.pem}"; do
		: >"$log"
		if [ -s "$dir/$f.pem" ]; then
			ck_pass "$f.pem exists"
		else
			ck_fail "$f.pem exists"
		fi
	done
	: >"$log"
	if [ -s "$dir/.done" ]; then
		ck_pass ".done marker present"
	else
		ck_fail ".done marker present"
	fi
	for f in "${KEYS[@]}"; do
		if [ "$f" = server-ecdsa-enc ]; then
			continue
		fi
		ck_ok "$f.key is a PEM key that loads without a password" \
			ck_plain_key "$dir/$f.key"
	done
}

ck_key_pairs()
{
	local f c
	for f in "${PAIRS[@]}"; do
		ck_pubkey_of_cert "$dir/$f.pem" >"$tmp/$f.pub"
		ck_same "$f.key matches $f.pem" \
			"$(ck_pubkey_of_key "$dir/$f.key")" "$(cat "$tmp/$f.pub")"
	done
	c=$(ck_pubkey_of_key "$dir/mismatch.key")
	: >"$log"
	for f in "${PAIRS[@]}"; do
		if [ -z "$c" ] || [ "$c" = "$(cat "$tmp/$f.pub")" ]; then
			ck_fail "mismatch.key differs from $f.pem"
			return
		fi
	done
	ck_pass "mismatch.key matches no certificate"
	ck_same "mismatch.key is ECDSA P-256 like server-ecdsa.key" \
		"$(openssl pkey -in "$dir/mismatch.key" -noout -text | grep -c 'prime256v1')" 1

	ck_ok "server-ecdsa-enc.key is PKCS#8 encrypted" \
		grep -q -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' "$dir/server-ecdsa-enc.key"
	ck_same "server-ecdsa-enc.key decrypts (openssl) to server-ecdsa.key" \
		"$(openssl pkey -in "$dir/server-ecdsa-enc.key" -passin "pass:$PASSWORD" -pubout 2>/dev/null)" \
		"$(ck_pubkey_of_key "$dir/server-ecdsa.key")"
	ck_ok "server-ecdsa-enc.key decrypts with certtool" \
		certtool -k --password "$PASSWORD" --infile "$dir/server-ecdsa-enc.key"
	ck_refused "server-ecdsa-enc.key refuses a wrong password" 'decrypt|bad|error|fail' \
		openssl pkey -in "$dir/server-ecdsa-enc.key" -passin pass:wrong -noout
}

ck_ca_certs()
{
	local root rogue inter
	root=$(ck_field "$dir/ca.pem" subject)
	rogue=$(ck_field "$dir/rogue-ca.pem" subject)
	inter=$(ck_field "$dir/inter-ca.pem" subject)
	ck_same "ca.pem subject" "$root" "CN=sipcore test root CA,O=sipcore test PKI"
	ck_same "ca.pem is self-issued" "$(ck_field "$dir/ca.pem" issuer)" "$root"
	ck_same "rogue-ca.pem subject" "$rogue" "CN=sipcore rogue CA,O=sipcore rogue PKI"
	ck_same "rogue-ca.pem is self-issued" "$(ck_field "$dir/rogue-ca.pem" issuer)" "$rogue"
	ck_same "inter-ca.pem is issued by the root" "$(ck_field "$dir/inter-ca.pem" issuer)" "$root"
	ck_same "ca.pem basic constraints" "$(ck_ext "$dir/ca.pem" basicConstraints)" "CA:TRUE"
	ck_same "rogue-ca.pem basic constraints" "$(ck_ext "$dir/rogue-ca.pem" basicConstraints)" "CA:TRUE"
	ck_same "inter-ca.pem basic constraints" "$(ck_ext "$dir/inter-ca.pem" basicConstraints)" "CA:TRUE, pathlen:0"
	for f in ca rogue-ca inter-ca; do
		ck_same "$f.pem key usage" "$(ck_ext "$dir/$f.pem" keyUsage)" "Certificate Sign, CRL Sign"
	done
	ck_ok "ca-bundle.pem is ca.pem" cmp "$dir/ca-bundle.pem" "$dir/ca.pem"
	ck_same "all-ca.pem holds two certificates" "$(ck_count_certs "$dir/all-ca.pem")" 2
	ck_same "all-ca.pem starts with the root" \
		"$(ck_nth_cert "$dir/all-ca.pem" 1)" "$(cat "$dir/ca.pem")"
	ck_same "all-ca.pem ends with the rogue CA" \
		"$(ck_nth_cert "$dir/all-ca.pem" 2)" "$(cat "$dir/rogue-ca.pem")"
}

ck_server_cert()
{
	local f=$1 cn=$2 sans=$3 ku=$4
	ck_same "$f.pem subject" "$(ck_field "$dir/$f.pem" subject)" "CN=$cn,O=sipcore test PKI"
	ck_same "$f.pem SANs" "$(ck_ext "$dir/$f.pem" subjectAltName)" "$sans"
	ck_same "$f.pem key usage" "$(ck_ext "$dir/$f.pem" keyUsage)" "$ku"
	ck_same "$f.pem extended key usage" "$(ck_ext "$dir/$f.pem" extendedKeyUsage)" \
		"TLS Web Client Authentication, TLS Web Server Authentication"
	ck_same "$f.pem basic constraints" "$(ck_ext "$dir/$f.pem" basicConstraints)" "CA:FALSE"
	ck_ok "$f.pem matches host localhost" \
		ck_grep 'does match' openssl x509 -in "$dir/$f.pem" -noout -checkhost localhost
}

ck_client_cert()
{
	local f=$1 cn=$2 o=${3:-sipcore test PKI}
	ck_same "$f.pem subject" "$(ck_field "$dir/$f.pem" subject)" "CN=$cn,O=$o"
	ck_same "$f.pem SANs" "$(ck_ext "$dir/$f.pem" subjectAltName)" \
		"DNS:client.test, URI:sip:client@client.test, IP Address:127.0.0.1"
	ck_same "$f.pem key usage" "$(ck_ext "$dir/$f.pem" keyUsage)" "Digital Signature"
	ck_same "$f.pem extended key usage" "$(ck_ext "$dir/$f.pem" extendedKeyUsage)" \
		"TLS Web Client Authentication"
}

ck_leaf_certs()
{
	local s1="DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"
	local s2="DNS:sip2.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"
	local eku

	ck_server_cert server-ecdsa localhost "$s1" "Digital Signature"
	ck_server_cert server-rsa localhost "$s1" "Digital Signature, Key Encipherment"
	ck_server_cert server2-ecdsa sip2.test "$s2" "Digital Signature"
	ck_server_cert expired-server localhost "$s1" "Digital Signature"
	ck_server_cert chain-server localhost "$s1" "Digital Signature"
	ck_ok "server2-ecdsa.pem matches host sip2.test" \
		ck_grep 'does match' openssl x509 -in "$dir/server2-ecdsa.pem" -noout -checkhost sip2.test
	ck_refused "server-ecdsa.pem does not match host sip2.test" 'NOT match' \
		ck_grep 'does match' openssl x509 -in "$dir/server-ecdsa.pem" -noout -checkhost sip2.test

	for f in eku-server eku-codesign eku-none; do
		ck_same "$f.pem subject" "$(ck_field "$dir/$f.pem" subject)" \
			"CN=localhost,O=sipcore test PKI"
		ck_same "$f.pem SANs" "$(ck_ext "$dir/$f.pem" subjectAltName)" "$s1"
	done
	ck_same "sip-domain.pem SANs: sip: URI identity, SRV target name" \
		"$(ck_ext "$dir/sip-domain.pem" subjectAltName)" \
		"DNS:srv-target.test, URI:sip:sipdomain.test, IP Address:127.0.0.1"
	ck_same "sip-wild.pem SANs: a wildcard name only" \
		"$(ck_ext "$dir/sip-wild.pem" subjectAltName)" \
		"DNS:*.wild.test, IP Address:127.0.0.1"
	ck_same "eku-server.pem extended key usage" \
		"$(ck_ext "$dir/eku-server.pem" extendedKeyUsage)" "TLS Web Server Authentication"
	ck_same "eku-codesign.pem extended key usage" \
		"$(ck_ext "$dir/eku-codesign.pem" extendedKeyUsage)" "Code Signing"
	eku=$(ck_ext "$dir/eku-none.pem" extendedKeyUsage)
	ck_same "eku-none.pem has no extended key usage" "${eku:-none}" none
	ck_client_cert client "sipcore test client"
	ck_client_cert rogue-client "sipcore rogue client"
	ck_client_cert expired "sipcore expired client"
	ck_client_cert revoked "sipcore revoked client"
	ck_client_cert chain-client "sipcore chain client"

	for f in server-ecdsa server2-ecdsa expired-server chain-server client \
		 rogue-client expired revoked chain-client ca rogue-ca inter-ca; do
		ck_same "$f.pem key is ECDSA P-256" \
			"$(ck_dump "$dir/$f.pem" | grep -c 'ASN1 OID: prime256v1')" 1
	done
	ck_same "server-rsa.pem key is RSA-2048" \
		"$(ck_dump "$dir/server-rsa.pem" | grep -cE 'rsaEncryption|Public-Key: \(2048 bit\)')" 2

	for f in ca rogue-ca inter-ca server-ecdsa server-rsa server2-ecdsa client \
		 rogue-client revoked chain-server chain-client; do
		ck_ok "$f.pem is valid for about 10 more years" \
			ck_valid_for "$dir/$f.pem" "$TEN_YEARS_MINUS_A_WEEK"
	done
	for f in expired expired-server; do
		ck_same "$f.pem expired at the end of 2020" \
			"$(ck_field "$dir/$f.pem" notAfter)" "Dec 31 23:59:59 2020 GMT"
	done
}

ck_serials()
{
	local f all dups
	all=$(for f in "${PAIRS[@]}"; do
		ck_field "$dir/$f.pem" serial
	done)
	dups=$(printf '%s\n' "$all" | sort | uniq -d)
	ck_same "all ${#PAIRS[@]} serial numbers are distinct" \
		"$(printf '%s\n' "$all" | sort -u | wc -l)" "${#PAIRS[@]}"
	ck_same "no duplicate serial" "${dups:-none}" none
}

ck_chains()
{
	local f
	for f in chain-server chain-client; do
		ck_same "$f.pem holds two certificates" "$(ck_count_certs "$dir/$f.pem")" 2
		ck_same "$f.pem leaf is issued by the intermediate" \
			"$(ck_field "$dir/$f.pem" issuer)" "$(ck_field "$dir/inter-ca.pem" subject)"
		ck_same "$f.pem ends with the intermediate" \
			"$(ck_nth_cert "$dir/$f.pem" 2)" "$(cat "$dir/inter-ca.pem")"
	done
	ck_same "unsorted-chain.pem holds two certificates" \
		"$(ck_count_certs "$dir/unsorted-chain.pem")" 2
	ck_same "unsorted-chain.pem starts with the intermediate" \
		"$(ck_nth_cert "$dir/unsorted-chain.pem" 1)" "$(cat "$dir/inter-ca.pem")"
	ck_same "unsorted-chain.pem ends with chain-server's leaf" \
		"$(ck_nth_cert "$dir/unsorted-chain.pem" 2)" "$(ck_nth_cert "$dir/chain-server.pem" 1)"
}

ck_certtool_checks()
{
	local f ca=$dir/ca.pem
	for f in server-ecdsa server-rsa server2-ecdsa chain-server; do
		ck_ok "certtool: $f.pem verifies against ca.pem as a server for localhost" \
			ck_certtool_verify --load-ca-certificate "$ca" --verify-purpose "$OID_SERVER" \
				--verify-hostname localhost --infile "$dir/$f.pem"
		ck_ok "certtool: $f.pem verifies as a client too" \
			ck_certtool_verify --load-ca-certificate "$ca" --verify-purpose "$OID_CLIENT" \
				--infile "$dir/$f.pem"
	done
	ck_ok "certtool: server2-ecdsa.pem verifies for sip2.test" \
		ck_certtool_verify --load-ca-certificate "$ca" --verify-hostname sip2.test \
			--infile "$dir/server2-ecdsa.pem"
	ck_refused "certtool: server-ecdsa.pem is refused for sip2.test" 'hostname|NOT trusted' \
		ck_certtool_verify --load-ca-certificate "$ca" --verify-hostname sip2.test \
			--infile "$dir/server-ecdsa.pem"
	for f in client revoked chain-client; do
		ck_ok "certtool: $f.pem verifies against ca.pem as a client" \
			ck_certtool_verify --load-ca-certificate "$ca" --verify-purpose "$OID_CLIENT" \
				--infile "$dir/$f.pem"
	done
	ck_refused "certtool: client.pem is not a server certificate" 'purpose' \
		ck_certtool_verify --load-ca-certificate "$ca" --verify-purpose "$OID_SERVER" \
			--infile "$dir/client.pem"
	ck_refused "certtool: eku-server.pem is not a client certificate" 'purpose' \
		ck_certtool_verify --load-ca-certificate "$ca" --verify-purpose "$OID_CLIENT" \
			--infile "$dir/eku-server.pem"
	ck_ok "certtool: eku-server.pem verifies as a server" \
		ck_certtool_verify --load-ca-certificate "$ca" --verify-purpose "$OID_SERVER" \
			--verify-hostname localhost --infile "$dir/eku-server.pem"
	for c in "$OID_SERVER" "$OID_CLIENT"; do
		ck_refused "certtool: eku-codesign.pem is refused for purpose $c" 'purpose' \
			ck_certtool_verify --load-ca-certificate "$ca" --verify-purpose "$c" \
				--infile "$dir/eku-codesign.pem"
		ck_ok "certtool: eku-none.pem verifies for purpose $c" \
			ck_certtool_verify --load-ca-certificate "$ca" --verify-purpose "$c" \
				--infile "$dir/eku-none.pem"
	done
	ck_ok "certtool: inter-ca.pem verifies against ca.pem" \
		ck_certtool_verify --load-ca-certificate "$ca" --infile "$dir/inter-ca.pem"

	ck_refused "certtool: rogue-client.pem is refused by ca.pem" 'issuer is unknown|NOT trusted' \
		ck_certtool_verify --load-ca-certificate "$ca" --infile "$dir/rogue-client.pem"
	ck_ok "certtool: rogue-client.pem verifies against rogue-ca.pem" \
		ck_certtool_verify --load-ca-certificate "$dir/rogue-ca.pem" --infile "$dir/rogue-client.pem"
	ck_ok "certtool: rogue-client.pem verifies against all-ca.pem" \
		ck_certtool_verify --load-ca-certificate "$dir/all-ca.pem" --infile "$dir/rogue-client.pem"
	ck_refused "certtool: client.pem is refused by rogue-ca.pem" 'issuer is unknown|NOT trusted' \
		ck_certtool_verify --load-ca-certificate "$dir/rogue-ca.pem" --infile "$dir/client.pem"
	for f in expired expired-server; do
		ck_refused "certtool: $f.pem is refused as expired" 'expired' \
			ck_certtool_verify --load-ca-certificate "$ca" --infile "$dir/$f.pem"
	done
	ck_nth_cert "$dir/chain-server.pem" 1 >"$tmp/leaf.pem"
	ck_refused "certtool: chain-server leaf alone does not verify" 'issuer is unknown|NOT trusted' \
		ck_certtool_verify --load-ca-certificate "$ca" --infile "$tmp/leaf.pem"

	ck_ok "certtool: crl.pem is signed by the root" \
		certtool --verify-crl --load-ca-certificate "$ca" --infile "$dir/crl.pem"
	ck_ok "certtool: crl-empty.pem is signed by the root" \
		certtool --verify-crl --load-ca-certificate "$ca" --infile "$dir/crl-empty.pem"
	ck_refused "certtool: crl.pem is not signed by the rogue CA" 'not verified|issuer|fail' \
		certtool --verify-crl --load-ca-certificate "$dir/rogue-ca.pem" --infile "$dir/crl.pem"
	ck_refused "certtool: crl-expired.pem is the root's, but stale" 'superseded' \
		certtool --verify-crl --load-ca-certificate "$ca" --infile "$dir/crl-expired.pem"
	ck_ok "certtool: crl-rogue.pem is signed by the rogue CA" \
		certtool --verify-crl --load-ca-certificate "$dir/rogue-ca.pem" --infile "$dir/crl-rogue.pem"
	ck_refused "certtool: crl-rogue.pem is not signed by the root" 'not verified|issuer|fail' \
		certtool --verify-crl --load-ca-certificate "$ca" --infile "$dir/crl-rogue.pem"
	ck_same "crl-expired.pem's next update was 2020-02-01" \
		"$(openssl crl -in "$dir/crl-expired.pem" -noout -nextupdate)" \
		"nextUpdate=Feb  1 00:00:00 2020 GMT"
	ck_refused "certtool: revoked.pem is revoked by crl.pem" 'revoked' \
		ck_certtool_verify --load-ca-certificate "$ca" --load-crl "$dir/crl.pem" \
			--infile "$dir/revoked.pem"
	ck_ok "certtool: client.pem passes crl.pem" \
		ck_certtool_verify --load-ca-certificate "$ca" --load-crl "$dir/crl.pem" \
			--infile "$dir/client.pem"
	ck_ok "certtool: revoked.pem passes crl-empty.pem" \
		ck_certtool_verify --load-ca-certificate "$ca" --load-crl "$dir/crl-empty.pem" \
			--infile "$dir/revoked.pem"
	ck_same "crl.pem revokes exactly revoked.pem's serial" \
		"$(openssl crl -in "$dir/crl.pem" -noout -text | sed -n 's/^ *Serial Number: *//p' | tr 'a-f' 'A-F')" \
		"$(ck_field "$dir/revoked.pem" serial)"
	ck_same "crl-empty.pem revokes nothing" \
		"$(openssl crl -in "$dir/crl-empty.pem" -noout -text | grep -c 'No Revoked Certificates')" 1
	for f in crl crl-empty; do
		ck_ok "$f.pem is valid for about 10 more years" ck_crl_lasts "$dir/$f.pem"
	done
}

# The next update must be at least ten years minus a week away.
ck_crl_lasts()
{
	local next
	next=$(openssl crl -in "$1" -noout -nextupdate | sed 's/^nextUpdate=//')
	[ -n "$next" ] || return 1
	[ "$(date -d "$next" +%s)" -ge $(( $(date +%s) + TEN_YEARS_MINUS_A_WEEK )) ]
}

ck_openssl_checks()
{
	local f ca=$dir/ca.pem inter=$dir/inter-ca.pem
	for f in server-ecdsa server-rsa server2-ecdsa; do
		ck_ok "openssl: $f.pem verifies as sslserver" \
			openssl verify -x509_strict -purpose sslserver -CAfile "$ca" "$dir/$f.pem"
		ck_ok "openssl: $f.pem verifies as sslclient" \
			openssl verify -x509_strict -purpose sslclient -CAfile "$ca" "$dir/$f.pem"
	done
	ck_ok "openssl: client.pem verifies as sslclient" \
		openssl verify -x509_strict -purpose sslclient -CAfile "$ca" "$dir/client.pem"
	ck_refused "openssl: client.pem is not an sslserver" 'purpose' \
		openssl verify -x509_strict -purpose sslserver -CAfile "$ca" "$dir/client.pem"
	ck_ok "openssl: chain-server.pem verifies through inter-ca.pem" \
		openssl verify -x509_strict -purpose sslserver -CAfile "$ca" -untrusted "$inter" \
			"$dir/chain-server.pem"
	ck_ok "openssl: chain-client.pem verifies through inter-ca.pem" \
		openssl verify -x509_strict -purpose sslclient -CAfile "$ca" -untrusted "$inter" \
			"$dir/chain-client.pem"
	ck_ok "openssl: chain-server.pem verifies with its own intermediate" \
		openssl verify -purpose sslserver -CAfile "$ca" -untrusted "$dir/chain-server.pem" \
			"$dir/chain-server.pem"
	ck_refused "openssl: chain-server.pem needs the intermediate" 'unable to get local issuer' \
		openssl verify -CAfile "$ca" "$dir/chain-server.pem"
	ck_refused "openssl: rogue-client.pem is refused by ca.pem" 'unable to get local issuer' \
		openssl verify -CAfile "$ca" "$dir/rogue-client.pem"
	ck_ok "openssl: rogue-client.pem verifies against all-ca.pem" \
		openssl verify -CAfile "$dir/all-ca.pem" "$dir/rogue-client.pem"
	ck_refused "openssl: expired.pem is expired" 'expired' \
		openssl verify -CAfile "$ca" "$dir/expired.pem"
	ck_refused "openssl: expired-server.pem is expired" 'expired' \
		openssl verify -CAfile "$ca" "$dir/expired-server.pem"
	ck_refused "openssl: revoked.pem is revoked by crl.pem" 'revoked' \
		openssl verify -crl_check -CRLfile "$dir/crl.pem" -CAfile "$ca" "$dir/revoked.pem"
	ck_ok "openssl: client.pem passes crl.pem" \
		openssl verify -crl_check -CRLfile "$dir/crl.pem" -CAfile "$ca" "$dir/client.pem"
	ck_ok "openssl: revoked.pem passes crl-empty.pem" \
		openssl verify -crl_check -CRLfile "$dir/crl-empty.pem" -CAfile "$ca" "$dir/revoked.pem"
}

# ck_server_start ARGS...: gnutls-serv on a free port (srv_port).
ck_server_start()
{
	local attempt waited slog
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		srv_port=$(( 20000 + RANDOM % 40000 ))
		slog=$tmp/server.log
		gnutls-serv --echo -p "$srv_port" "$@" >"$slog" 2>&1 </dev/null &
		srv_pid=$!
		waited=0
		while [ "$waited" -lt 50 ]; do
			if grep -q "IPv4 .* port $srv_port\.\.\.done" "$slog"; then
				return 0
			fi
			if grep -q 'failed' "$slog" || ! kill -0 "$srv_pid" 2>/dev/null; then
				break
			fi
			sleep 0.1
			waited=$((waited + 1))
		done
		echo "check-pki: port $srv_port failed (attempt $attempt)" >&2
		ck_server_stop
	done
	cp "$slog" "$log"
	return 1
}

ck_server_stop()
{
	if [ -n "$srv_pid" ]; then
		kill "$srv_pid" 2>/dev/null || true
		wait "$srv_pid" 2>/dev/null || true
		srv_pid=
	fi
}

# ck_gnutls_cli HOST ARGS...: a handshake that must complete and, when a CA
# is given, verify.
ck_gnutls_cli()
{
	local host=$1
	shift
	timeout 10 gnutls-cli -p "$srv_port" "$@" "$host" </dev/null &&
		grep -q 'Handshake was completed' "$log"
}

ck_s_client()
{
	timeout 10 openssl s_client -connect "127.0.0.1:$srv_port" \
		-verify_return_error "$@" </dev/null &&
		grep -q 'Verify return code: 0 (ok)' "$log"
}

ck_with_server()
{
	local desc=$1
	shift
	if ck_server_start "$@"; then
		ck_pass "gnutls-serv started for $desc on port $srv_port"
		return 0
	fi
	ck_fail "gnutls-serv did not start for $desc"
	return 1
}

ck_handshakes()
{
	local ca=$dir/ca.pem tls12=NORMAL:-VERS-TLS1.3 c

	if ck_with_server server-ecdsa --x509certfile "$dir/server-ecdsa.pem" \
			--x509keyfile "$dir/server-ecdsa.key"; then
		ck_ok "gnutls-cli to localhost trusts server-ecdsa" \
			ck_grep 'certificate is trusted' ck_gnutls_cli localhost --x509cafile "$ca"
		ck_ok "gnutls-cli to 127.0.0.1 trusts server-ecdsa (IP SAN)" \
			ck_grep 'certificate is trusted' ck_gnutls_cli 127.0.0.1 --x509cafile "$ca"
		ck_ok "gnutls-cli over TLS 1.2 trusts server-ecdsa" \
			ck_grep 'certificate is trusted' ck_gnutls_cli localhost --x509cafile "$ca" \
				--priority "$tls12"
		ck_refused "gnutls-cli refuses server-ecdsa with rogue-ca.pem" 'NOT trusted|verification' \
			ck_gnutls_cli localhost --x509cafile "$dir/rogue-ca.pem"
		ck_refused "gnutls-cli refuses server-ecdsa as sip2.test" 'NOT trusted|verification|hostname' \
			ck_gnutls_cli localhost --x509cafile "$ca" --verify-hostname sip2.test
		ck_ok "openssl s_client verifies server-ecdsa for localhost" \
			ck_s_client -CAfile "$ca" -verify_hostname localhost
		ck_ok "openssl s_client verifies server-ecdsa for 127.0.0.1" \
			ck_s_client -CAfile "$ca" -verify_ip 127.0.0.1
		ck_refused "openssl s_client refuses server-ecdsa with rogue-ca.pem" 'verify error|unable to get local issuer' \
			ck_s_client -CAfile "$dir/rogue-ca.pem"
		ck_server_stop
	fi

	if ck_with_server server-rsa --x509certfile "$dir/server-rsa.pem" \
			--x509keyfile "$dir/server-rsa.key"; then
		ck_ok "gnutls-cli: TLS 1.2 RSA key exchange with server-rsa" \
			ck_grep '\(TLS1\.2[^)]*\)-\(RSA\)-' ck_gnutls_cli localhost --x509cafile "$ca" \
				--priority "$tls12:-KX-ALL:+RSA"
		ck_ok "openssl s_client: TLS 1.2 RSA key exchange with server-rsa" \
			ck_grep 'Cipher is AES128-GCM-SHA256' ck_s_client -CAfile "$ca" \
				-verify_hostname localhost -tls1_2 -cipher AES128-GCM-SHA256
		ck_ok "openssl s_client: TLS 1.3 with server-rsa" \
			ck_grep 'TLSv1\.3' ck_s_client -CAfile "$ca" -verify_hostname localhost -tls1_3
		ck_server_stop
	fi

	if ck_with_server server2-ecdsa --x509certfile "$dir/server2-ecdsa.pem" \
			--x509keyfile "$dir/server2-ecdsa.key"; then
		ck_ok "gnutls-cli trusts server2-ecdsa as sip2.test" \
			ck_grep 'certificate is trusted' ck_gnutls_cli 127.0.0.1 --x509cafile "$ca" \
				--verify-hostname sip2.test
		ck_ok "openssl s_client verifies server2-ecdsa for sip2.test" \
			ck_s_client -CAfile "$ca" -verify_hostname sip2.test
		ck_server_stop
	fi

	if ck_with_server chain-server --x509certfile "$dir/chain-server.pem" \
			--x509keyfile "$dir/chain-server.key"; then
		ck_ok "gnutls-cli trusts chain-server with only ca.pem" \
			ck_grep 'certificate is trusted' ck_gnutls_cli localhost --x509cafile "$ca"
		ck_ok "openssl s_client verifies chain-server with only ca.pem" \
			ck_s_client -CAfile "$ca" -verify_hostname localhost
		ck_server_stop
	fi

	if ck_with_server expired-server --x509certfile "$dir/expired-server.pem" \
			--x509keyfile "$dir/expired-server.key"; then
		ck_refused "gnutls-cli refuses expired-server" 'expired' \
			ck_gnutls_cli localhost --x509cafile "$ca"
		ck_refused "openssl s_client refuses expired-server" 'expired' \
			ck_s_client -CAfile "$ca" -verify_hostname localhost
		ck_server_stop
	fi

	# TLS 1.2, so that the server's verdict on the client certificate
	# arrives inside the handshake rather than after it.
	if ck_with_server "client certificates" --require-client-cert --verify-client-cert \
			--x509cafile "$ca" --x509crlfile "$dir/crl.pem" \
			--x509certfile "$dir/server-ecdsa.pem" --x509keyfile "$dir/server-ecdsa.key"; then
		for c in client chain-client; do
			ck_ok "gnutls-serv accepts $c.pem" \
				ck_gnutls_cli localhost --x509cafile "$ca" --priority "$tls12" \
					--x509certfile "$dir/$c.pem" --x509keyfile "$dir/$c.key"
		done
		ck_ok "gnutls-serv accepts server-ecdsa.pem as a client certificate" \
			ck_gnutls_cli localhost --x509cafile "$ca" --priority "$tls12" \
				--x509certfile "$dir/server-ecdsa.pem" --x509keyfile "$dir/server-ecdsa.key"
		ck_ok "openssl s_client with client.pem is accepted" \
			ck_grep 'Verify return code: 0' ck_s_client -CAfile "$ca" -tls1_2 \
				-cert "$dir/client.pem" -key "$dir/client.key"
		for c in rogue-client revoked expired; do
			ck_refused "gnutls-serv refuses $c.pem" 'alert|denied' \
				ck_gnutls_cli localhost --x509cafile "$ca" --priority "$tls12" \
					--x509certfile "$dir/$c.pem" --x509keyfile "$dir/$c.key"
		done
		ck_refused "gnutls-serv refuses a client without a certificate" 'alert|denied|certificate' \
			ck_gnutls_cli localhost --x509cafile "$ca" --priority "$tls12"
		ck_server_stop
	fi
}

ck_files
ck_key_pairs
ck_ca_certs
ck_leaf_certs
ck_serials
ck_chains
ck_certtool_checks
ck_openssl_checks
ck_handshakes

echo "check-pki: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
