# SPDX-License-Identifier: GPL-2.0-or-later
"""tls_verify / tls_require_certificate as the seed defines them, cell by
cell, with gnutls-cli and openssl s_client over TLS 1.2 and 1.3:

                        none   valid  untrusted  expired  revoked
  verify=0              ok     ok     ok         ok       ok
  verify=1 require=0    ok     ok     refused    refused  refused
  verify=1 require=1    refused ok    refused    refused  refused

"ok" means an OPTIONS is answered 200 over the connection; "refused"
means the handshake fails or the connection closes before any reply, and
the server logs why. Plus tls_verify_depth with a chain through an
intermediate CA."""
import os
import re
import signal
import time
import unittest

import sctest
import tlsclient as tc

TOOLS = ("gnutls-cli", "openssl")
VERSIONS = ("1.2", "1.3")

# client certificate -> words the server's refusal log line must hold
CLIENTS = {
    "none": (None, r"no certificate"),
    "valid": ("client.pem", None),
    "untrusted": ("rogue-client.pem", r"not trusted.*issuer is unknown"),
    "expired": ("expired.pem", r"not trusted.*expired"),
    "revoked": ("revoked.pem", r"not trusted.*revoked"),
    # key purpose: an incoming client's certificate must be for TLS
    # client authentication; one without EKU is good for any purpose
    "server-only": ("eku-server.pem", r"not trusted.*purpose"),
    "code-signing": ("eku-codesign.pem", r"not trusted.*purpose"),
    "no-eku": ("eku-none.pem", None),
}

# the subject of a verified client's certificate
SUBJECTS = {"valid": "sipcore test client", "no-eku": "CN=localhost"}


def verify_cfg(port, verify, require, extra=""):
    """The seed's lines, with a CRL so that revoked.pem is known."""
    lines = [f"listen=tls:127.0.0.1:{port}",
             'loadmodule "tls_gnutls.so"',
             f'tls_certificate="{tc.pki("server-ecdsa.pem")}"',
             f'tls_private_key="{tc.pki("server-ecdsa.key")}"',
             f'tls_ca_list="{tc.pki("ca.pem")}"',
             f'tls_crl="{tc.pki("crl.pem")}"',
             f"tls_verify={verify}"]
    if require is not None:
        lines.append(f"tls_require_certificate={require}")
    return "\n".join(lines) + "\n" + extra


class VerifyBase:
    """One server per verify setting; one test per client certificate,
    each trying both tools and both TLS versions."""
    verify = 0
    require = None
    accepts = ()

    @classmethod
    def setUpClass(cls):
        cls.port = sctest.free_port()
        cls.sc = sctest.Sipcore(verify_cfg(cls.port, cls.verify,
                                           cls.require), children=2)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()

    def log_since(self, mark, pattern, timeout=2.0):
        """Wait for @pattern in the log written after offset @mark."""
        deadline = time.time() + timeout
        while True:
            m = re.search(pattern, self.sc.log()[mark:])
            if m or time.time() >= deadline:
                return m
            time.sleep(0.05)

    def cell(self, name):
        cert, why = CLIENTS[name]
        expect_ok = name in self.accepts
        for tool in TOOLS:
            for version in VERSIONS:
                with self.subTest(tool=tool, version=version):
                    mark = len(self.sc.log())
                    r = tc.ask(tool, self.port, cert=cert, version=version)
                    if expect_ok:
                        self.assertEqual(r.codes(), [200], r)
                        self.assertTrue(r.handshake, r)
                        self.assertEqual(r.version, "TLS" + version, r)
                        self.check_accept_log(mark, name)
                        continue
                    self.assertEqual(r.codes(), [], r)
                    # closed by the server, not by our timeout
                    self.assertTrue(r.closed, r)
                    if name == "none" and version == "1.3":
                        # logged otherwise: see
                        # test_tls13_no_certificate_refusal_logged
                        m = self.log_since(mark, r"(?i)gnutls_handshake\(\)"
                                           r"[^\n]*certificate[^\n]*")
                        self.assertIsNotNone(m, self.sc.log()[mark:])
                        continue
                    m = self.log_since(mark, r"handshake refused, peer "
                                       r"certificate: ([^\n]*)")
                    self.assertIsNotNone(m, "refusal not logged:\n" +
                                         self.sc.log()[mark:])
                    self.assertRegex(m.group(1), "(?i)" + why)

    def check_accept_log(self, mark, name):
        """The debug line of an open connection tells what was verified."""
        m = self.log_since(mark, r"open: TLS1\.\d \S+, peer verified=(-?\d)"
                           r" \(([^)]*)\), subject '([^']*)'")
        self.assertIsNotNone(m, self.sc.log()[mark:])
        verified, text, subject = m.groups()
        if self.verify and name in SUBJECTS:
            self.assertEqual((verified, text), ("1", "ok"))
            self.assertIn(SUBJECTS[name], subject)
        else:
            self.assertEqual(verified, "0", m.group(0))

    def test_no_certificate(self):
        self.cell("none")

    def test_valid_certificate(self):
        self.cell("valid")

    def test_untrusted_certificate(self):
        self.cell("untrusted")

    def test_expired_certificate(self):
        self.cell("expired")

    def test_revoked_certificate(self):
        self.cell("revoked")

    def test_server_only_certificate(self):
        self.cell("server-only")

    def test_code_signing_certificate(self):
        self.cell("code-signing")

    def test_certificate_without_eku(self):
        self.cell("no-eku")


class Verify0(VerifyBase, unittest.TestCase):
    verify = 0
    accepts = ("none", "valid", "untrusted", "expired", "revoked",
               "server-only", "code-signing", "no-eku")


class Verify1Require0(VerifyBase, unittest.TestCase):
    verify = 1
    require = 0
    accepts = ("none", "valid", "no-eku")


class Verify1Require1(VerifyBase, unittest.TestCase):
    verify = 1
    require = 1
    accepts = ("valid", "no-eku")

    # Over TLS 1.3 a missing client certificate is
    # GNUTLS_E_CERTIFICATE_REQUIRED: still a verification refusal.
    def test_tls13_no_certificate_refusal_logged(self):
        for tool in TOOLS:
            mark = len(self.sc.log())
            r = tc.ask(tool, self.port, version="1.3")
            self.assertEqual(r.codes(), [], r)
            m = self.log_since(mark, r"handshake refused, peer "
                               r"certificate: ([^\n]*)")
            self.assertIsNotNone(m, self.sc.log()[mark:])
            self.assertRegex(m.group(1), "no certificate")


class VerifyDepth(unittest.TestCase):
    """chain-client.pem is signed by an intermediate CA (sent along by the
    client): tls_verify_depth=0 allows no intermediate, 9 does. A leaf
    signed by the root itself passes with depth 0."""

    def run_chain(self, depth, cert, chain):
        port = sctest.free_port()
        cfg = verify_cfg(port, 1, 1, f"tls_verify_depth={depth}\n")
        out = {}
        with sctest.Sipcore(cfg, children=1) as sc:
            for tool in TOOLS:
                extra = ()
                if tool == "openssl" and chain:
                    # s_client sends only the leaf unless told the chain
                    extra = ("-cert_chain", tc.pki(cert))
                r = tc.ask(tool, port, cert=cert, extra=extra)
                out[tool] = (r.codes(), r)
            log = sc.log()
        return out, log

    # tls_verify_depth counts intermediates as OpenSSL and Kamailio do:
    # 0 = the peer's certificate is issued by a trusted CA directly.
    def test_depth_0_refuses_intermediate(self):
        out, log = self.run_chain(0, "chain-client.pem", True)
        for tool, (codes, r) in out.items():
            with self.subTest(tool=tool):
                self.assertEqual(codes, [], r)
        self.assertIn("handshake refused", log)

    def test_depth_9_accepts_intermediate(self):
        out, _ = self.run_chain(9, "chain-client.pem", True)
        for tool, (codes, r) in out.items():
            with self.subTest(tool=tool):
                self.assertEqual(codes, [200], r)

    def test_depth_0_ignores_a_repeated_leaf(self):
        """A client that sends its own certificate twice sends no CA."""
        port = sctest.free_port()
        cfg = verify_cfg(port, 1, 1, "tls_verify_depth=0\n")
        with sctest.Sipcore(cfg, children=1):
            r = tc.ask("openssl", port, cert="client.pem",
                       extra=("-cert_chain", tc.pki("client.pem")))
            self.assertEqual(r.codes(), [200], r)

    def test_depth_0_accepts_direct_leaf(self):
        out, _ = self.run_chain(0, "client.pem", False)
        for tool, (codes, r) in out.items():
            with self.subTest(tool=tool):
                self.assertEqual(codes, [200], r)


class TicketsAcrossDomains(unittest.TestCase):
    """A session ticket from a listener that asks for no certificate must
    not open a listener that requires one (a resumed session is not
    verified again), nor one of another domain at all."""

    def setUp(self):
        self.open_port, self.strict_port = tc.ports(2)
        cfg = (f"listen=tls:127.0.0.1:{self.open_port}\n"
               f"listen=tls:127.0.0.1:{self.strict_port}\n"
               'loadmodule "tls_gnutls.so"\n'
               f'tls_certificate="{tc.pki("server-ecdsa.pem")}"\n'
               f'tls_private_key="{tc.pki("server-ecdsa.key")}"\n'
               f'tls_ca_list="{tc.pki("ca.pem")}"\n'
               f"tls_domain[127.0.0.1:{self.strict_port}] {{\n"
               "tls_verify=1\ntls_require_certificate=1\n}\n")
        self.sc = sctest.Sipcore(cfg, children=2)

    def tearDown(self):
        self.sc.close()

    def session_from_open_listener(self, ctx):
        s = tc.py_connect(self.open_port, ctx)
        r, _ = tc.py_ask(s, self.open_port)
        self.assertEqual(r.code, 200)
        sess = s.session
        s.close()
        # the same listener resumes it: tickets work at all
        s = tc.py_connect(self.open_port, ctx, session=sess)
        r, _ = tc.py_ask(s, self.open_port, cseq=2)
        self.assertEqual(r.code, 200)
        self.assertTrue(s.session_reused)
        s.close()
        return sess

    def test_ticket_does_not_bypass_required_certificate(self):
        for version in VERSIONS:
            with self.subTest(version=version):
                ctx = tc.py_context(version=version)
                sess = self.session_from_open_listener(ctx)
                got = None
                try:
                    s = tc.py_connect(self.strict_port, ctx, session=sess)
                    got, _ = tc.py_ask(s, self.strict_port)
                    s.close()
                except (OSError, ConnectionError):
                    pass
                self.assertIsNone(got, "a client without a certificate "
                                  "got in with another domain's ticket")
        self.assertIn("handshake refused, peer certificate: no "
                      "certificate", self.sc.log())


class TicketsAcrossReload(unittest.TestCase):
    """A resumed session is not verified again. A client whose certificate
    was revoked (new CRL, SIGHUP) must not come back with a ticket issued
    before the reload: it gets a full handshake and is refused."""

    def test_crl_reload_retires_tickets(self):
        port = sctest.free_port()
        sc = sctest.Sipcore("", children=2, start=False)
        crl = sc.write_file("crl.pem", open(tc.pki("crl-empty.pem")).read())
        with open(sc.cfg_path, "a") as f:
            f.write(verify_cfg(port, 1, 1).replace(tc.pki("crl.pem"), crl))
        try:
            sc.start()
            generation = 1
            for version in VERSIONS:
                with self.subTest(version=version):
                    ctx = tc.py_context(version=version, cert="revoked.pem")
                    s = tc.py_connect(port, ctx)
                    r, _ = tc.py_ask(s, port)
                    self.assertEqual(r.code, 200)
                    sess = s.session
                    s.close()
                    # the ticket works before the reload
                    s = tc.py_connect(port, ctx, session=sess)
                    r, _ = tc.py_ask(s, port)
                    self.assertEqual(r.code, 200)
                    self.assertTrue(s.session_reused)
                    sess = s.session
                    s.close()
                    sc.write_file("crl.pem",
                                  open(tc.pki("crl.pem")).read())
                    generation += 1
                    sc.signal(signal.SIGHUP)
                    self.assertTrue(sc.wait_log(
                        f"reloaded, generation {generation}"), sc.log())
                    got = None
                    try:
                        s = tc.py_connect(port, ctx, session=sess)
                        got, _ = tc.py_ask(s, port)
                        s.close()
                    except (OSError, ConnectionError):
                        pass
                    self.assertIsNone(got, "a revoked client came back "
                                      "with a ticket from before the "
                                      "reload")
                    sc.write_file("crl.pem",
                                  open(tc.pki("crl-empty.pem")).read())
                    generation += 1
                    sc.signal(signal.SIGHUP)
                    self.assertTrue(sc.wait_log(
                        f"reloaded, generation {generation}"), sc.log())
            self.assertRegex(sc.log(), r"handshake refused, peer "
                             r"certificate: .*revoked")
        finally:
            sc.close()


if __name__ == "__main__":
    sctest.need_tool("gnutls-cli")
    sctest.need_tool("openssl")
    tc.need_env()
    tc.need_pki("client.pem", "rogue-client.pem", "expired.pem",
                "revoked.pem", "crl.pem", "eku-server.pem", "eku-none.pem")
    if not os.path.exists(tc.pki("chain-client.pem")):
        VerifyDepth = unittest.skip("no chain-client.pem")(VerifyDepth)
    sctest.main()
