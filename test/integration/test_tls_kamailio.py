# SPDX-License-Identifier: GPL-2.0-or-later
"""Interoperability with Kamailio (Debian's kamailio + kamailio-tls-modules,
OpenSSL) as a TLS client of sipcore: an OPTIONS sent to Kamailio over UDP
is relayed by Kamailio's tm module over TLS to sipcore, and sipcore's 200
comes back through Kamailio. Kamailio's client certificate is checked by
sipcore (tls_verify=1, tls_require_certificate=1): its valid certificate
passes, one from an unknown CA is refused."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import sctest
import tlsclient as tc
from sctest import SipReply, sip_request

def kamailio_moddir():
    """Kamailio's module directory holding tls.so, tm.so, sl.so and pv.so,
    as the binary itself reports it (kamailio -I)."""
    try:
        out = subprocess.run(["kamailio", "-I"], capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.splitlines():
        name, _, dirs = line.partition(":")
        if name.strip().lower() != "default paths to modules":
            continue
        for d in dirs.split(":"):
            d = d.strip()
            if d and all(os.path.exists(os.path.join(d, m)) for m in
                         ("tls.so", "tm.so", "sl.so", "pv.so")):
                return d
    return None


KAM_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
enable_tls=yes
auto_aliases=no
dns=no
rev_dns=no
listen=udp:127.0.0.1:{udp}
listen=tls:127.0.0.1:{tls}
mpath="{moddir}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "tls.so"
modparam("tls", "config", "{tlscfg}")
modparam("tm", "fr_timer", 2000)

request_route {{
	if ($rm == "OPTIONS" && $hdr(X-Sctest-Ping) != $null) {{
		sl_send_reply("200", "Kamailio ready");
		exit;
	}}
	$du = "sip:127.0.0.1:{target};transport=tls";
	if (!t_relay()) {{
		sl_reply_error();
	}}
	exit;
}}
"""

KAM_TLS = """[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = {pki}/server-rsa.pem
private_key = {pki}/server-rsa.key
ca_list = {pki}/ca.pem

[client:default]
method = {method}
verify_certificate = yes
require_certificate = yes
certificate = {pki}/{client}.pem
private_key = {pki}/{client}.key
ca_list = {pki}/ca.pem
"""


class Kamailio:
    """One Kamailio process relaying UDP requests to sipcore over TLS."""

    def __init__(self, target, client="client", method="TLSv1.2+"):
        self.dir = tempfile.mkdtemp(prefix="sctest-kam-")
        self.udp, self.tls = tc.ports(2)
        tlscfg = os.path.join(self.dir, "tls.cfg")
        with open(tlscfg, "w") as f:
            f.write(KAM_TLS.format(pki=os.environ["SC_PKI"], client=client,
                                   method=method))
        self.cfg = os.path.join(self.dir, "kamailio.cfg")
        with open(self.cfg, "w") as f:
            f.write(KAM_CFG.format(udp=self.udp, tls=self.tls,
                                   moddir=kamailio_moddir(), tlscfg=tlscfg,
                                   target=target))
        for sub in ("run", "work"):
            os.mkdir(os.path.join(self.dir, sub))
        self.log_path = os.path.join(self.dir, "kamailio.log")
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["kamailio", "-DD", "-E", "-f", self.cfg,
             "-Y", os.path.join(self.dir, "run"),
             "-w", os.path.join(self.dir, "work"), "-m", "64", "-M", "8"],
            stdout=self.logf, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            self.wait_ready()
        except BaseException:
            self.close()
            raise

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_ready(self, timeout=15.0):
        ping = sip_request("OPTIONS", port=self.udp,
                           extra="X-Sctest-Ping: 1\r\n")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kamailio exited with %d:\n%s" %
                                   (self.proc.returncode, self.log()[-4000:]))
            try:
                r, _ = sctest.udp_exchange(self.udp, ping, timeout=0.3)
                if r.code == 200:
                    return
            except (socket.timeout, ConnectionRefusedError):
                pass
        raise RuntimeError("kamailio not ready:\n" + self.log()[-4000:])

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                # its own process group: the workers it forked
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.logf.close()
        if not os.environ.get("SC_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def ask_via(kam, cseq=1, timeout=6.0):
    """An OPTIONS over UDP to Kamailio; the final reply that comes back."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(timeout)
    deadline = time.time() + timeout
    try:
        cport = s.getsockname()[1]
        req = sip_request("OPTIONS", "UDP", port=kam.udp, cseq=cseq,
                          vias=[f"Via: SIP/2.0/UDP 127.0.0.1:{cport};"
                                f"branch=z9hG4bK{sctest.rand_token()};rport"])
        s.sendto(req, ("127.0.0.1", kam.udp))
        while True:
            s.settimeout(max(0.05, deadline - time.time()))
            r = SipReply(s.recvfrom(65536)[0])
            if r.code >= 200:
                return r, cport
    finally:
        s.close()


def sipcore_cfg(port, verify):
    extra = f"tls_verify={verify}\n"
    if verify:
        extra += "tls_require_certificate=1\n"
    return tc.tls_basic_cfg(port, extra=extra)


class KamailioClient(unittest.TestCase):

    def test_options_relayed_over_tls(self):
        """Kamailio (verifying sipcore's certificate) relays OPTIONS over
        one TLS connection; sipcore's 200 comes back through it."""
        port = sctest.free_port()
        with sctest.Sipcore(sipcore_cfg(port, 0), children=2) as sc, \
                Kamailio(port) as kam:
            tags = set()
            for i in range(5):
                r, cport = ask_via(kam, cseq=i + 1)
                self.assertEqual(r.code, 200, r.raw)
                self.assertEqual(r.get("Server"), "sipcore", r.raw)
                self.assertEqual(r.get("CSeq"), f"{i + 1} OPTIONS")
                vias = r.all("Via")
                self.assertEqual(len(vias), 1, vias)
                self.assertTrue(vias[0].startswith(
                    f"SIP/2.0/UDP 127.0.0.1:{cport};"), vias)
                tags.add(r.get("To").split("tag=")[1])
            self.assertTrue(all(t.startswith("sc-") for t in tags), tags)
            self.assertEqual(len(tags), 5)
            log = sc.log()
            # one TLS connection, reused for every request
            self.assertEqual(log.count(f"accepted on tls:127.0.0.1:{port}"),
                             1, log)
            self.assertRegex(log, r"open: TLS1\.3 TLS_\S+, peer verified=0")

    def test_tls12_only_kamailio(self):
        port = sctest.free_port()
        with sctest.Sipcore(sipcore_cfg(port, 0), children=1) as sc, \
                Kamailio(port, method="TLSv1.2") as kam:
            r, _ = ask_via(kam)
            self.assertEqual((r.code, r.get("Server")), (200, "sipcore"),
                             r.raw)
            self.assertRegex(sc.log(), r"open: TLS1\.2 ")

    def test_sipcore_verifies_kamailio_certificate(self):
        port = sctest.free_port()
        with sctest.Sipcore(sipcore_cfg(port, 1), children=2) as sc, \
                Kamailio(port) as kam:
            r, _ = ask_via(kam)
            self.assertEqual((r.code, r.get("Server")), (200, "sipcore"),
                             r.raw)
            self.assertRegex(sc.log(), r"peer verified=1 \(ok\), subject "
                             r"'[^']*CN=sipcore test client")

    def test_sipcore_refuses_untrusted_kamailio_certificate(self):
        port = sctest.free_port()
        with sctest.Sipcore(sipcore_cfg(port, 1), children=2) as sc, \
                Kamailio(port, client="rogue-client") as kam:
            r, _ = ask_via(kam, timeout=8.0)
            self.assertNotEqual(r.code, 200, r.raw)
            self.assertNotEqual(r.get("Server"), "sipcore", r.raw)
            self.assertIsNotNone(sc.wait_log(
                r"handshake refused, peer certificate: [^\n]*issuer is "
                r"unknown", 2.0), sc.log())
            self.assertNotIn("peer verified=1", sc.log())


def need_kamailio():
    sctest.need_tool("kamailio")
    if kamailio_moddir() is None:
        print("SKIP: Kamailio's tls.so/tm.so/sl.so/pv.so not found "
              "(Debian: kamailio, kamailio-tls-modules)", file=sys.stderr)
        sys.exit(sctest.SKIP)


if __name__ == "__main__":
    need_kamailio()
    tc.need_env()
    tc.need_pki("client.pem", "rogue-client.pem", "server-rsa.pem")
    sctest.main()
