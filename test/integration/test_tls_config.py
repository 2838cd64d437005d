# SPDX-License-Identifier: GPL-2.0-or-later
"""tls_gnutls configuration seen from the wire: tls_method and
tls_ciphers_list restrictions, the same settings written four ways, two
listeners with their own domains, certificate reload on SIGHUP (good and
broken files), startup errors, an expired server certificate, an encrypted
key, and disable_tls."""
import os
import shutil
import signal
import re
import socket
import ssl
import tempfile
import time
import unittest

import sctest
import tlsclient as tc


def seed_lines(d):
    """The seed's `name=value` lines for a dict of settings."""
    out = []
    for k, v in d.items():
        out.append(f"{k}={v}" if isinstance(v, int) else f'{k}="{v}"')
    return "\n".join(out) + "\n"


def modparams(d, scope=None, alias=None):
    """modparam lines of tls_gnutls; with @scope every value is prefixed
    "[scope]" (ints become strings); @alias maps names to Kamailio's."""
    out = []
    for k, v in d.items():
        name = (alias or {}).get(k, k)
        if scope:
            out.append(f'modparam("tls_gnutls", "{name}", "[{scope}]{v}")')
        elif isinstance(v, int):
            out.append(f'modparam("tls_gnutls", "{name}", {v})')
        else:
            out.append(f'modparam("tls_gnutls", "{name}", "{v}")')
    return "\n".join(out) + "\n"


def domain_block(scope, d):
    body = "".join("\t" + line + "\n" for line in
                   seed_lines(d).splitlines())
    return f"tls_domain[{scope}] {{\n{body}}}\n"


HEAD = 'loadmodule "tls_gnutls.so"\n'


def cert_settings(name):
    return {"tls_certificate": tc.pki(name + ".pem"),
            "tls_private_key": tc.pki(name + ".key")}


def base_cfg(port, extra="", cert="server-ecdsa"):
    return (f"listen=tls:127.0.0.1:{port}\n" + HEAD +
            seed_lines(cert_settings(cert)) +
            f'tls_ca_list="{tc.pki("ca.pem")}"\n' + extra)


def served_cn(port, sni=None):
    """The commonName of the certificate the server sends."""
    s = tc.py_connect(port, sni=sni)
    try:
        subj = dict(x[0] for x in s.getpeercert()["subject"])
        r, _ = tc.py_ask(s, port)
        if r.code != 200:
            raise AssertionError(r.raw)
        return subj["commonName"]
    finally:
        s.close()


class Methods(unittest.TestCase):
    """tls_method limits the versions; sslv23 still speaks TLS 1.0."""

    def versions_of(self, method, offered):
        port = sctest.free_port()
        extra = f'tls_method="{method}"\n'
        out = {}
        with sctest.Sipcore(base_cfg(port, extra), children=1) as sc:
            self.assertIsNotNone(sc.wait_log(r'priority "NORMAL', 1.0))
            for tool in ("gnutls-cli", "openssl"):
                for v in offered:
                    kw = {"version": v}
                    if tool == "openssl" and v in ("1.0", "1.1"):
                        # OpenSSL 3 refuses TLS < 1.2 at its default
                        # security level
                        kw["cipher"] = "DEFAULT@SECLEVEL=0"
                    out[tool, v] = tc.ask(tool, port, **kw)
        return out

    def expect(self, results, accepted):
        for (tool, v), r in results.items():
            with self.subTest(tool=tool, version=v):
                if v in accepted:
                    self.assertEqual(r.codes(), [200], r)
                    self.assertEqual(r.version, "TLS" + v, r)
                else:
                    self.assertEqual(r.codes(), [], r)
                    self.assertFalse(r.handshake, r)

    def test_tlsv1_2_only(self):
        self.expect(self.versions_of("tlsv1.2", ("1.2", "1.3")), ("1.2",))

    def test_tlsv1_3_only(self):
        self.expect(self.versions_of("tlsv1.3", ("1.2", "1.3")), ("1.3",))

    def test_default_is_1_2_and_1_3(self):
        port = sctest.free_port()
        with sctest.Sipcore(base_cfg(port), children=1) as sc:
            self.assertIsNotNone(sc.wait_log(
                r'server:default: priority "NORMAL:-VERS-ALL:'
                r'\+VERS-TLS1\.3:\+VERS-TLS1\.2"', 1.0), sc.log())
            for v, ok in (("1.0", False), ("1.2", True), ("1.3", True)):
                r = tc.ask("gnutls-cli", port, version=v)
                self.assertEqual(r.codes(), [200] if ok else [], r)

    def test_sslv23_accepts_tls1_0(self):
        self.expect(self.versions_of("sslv23", ("1.0", "1.3")),
                    ("1.0", "1.3"))


class Ciphers(unittest.TestCase):
    """tls_ciphers_list with an OpenSSL name: exactly that suite."""

    @classmethod
    def setUpClass(cls):
        cls.port = sctest.free_port()
        cls.sc = sctest.Sipcore(base_cfg(
            cls.port, 'tls_method="tlsv1.2"\n'
            'tls_ciphers_list="ECDHE-ECDSA-AES128-GCM-SHA256"\n'),
            children=1)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()

    def test_negotiated_suite(self):
        r = tc.ask("gnutls-cli", self.port)
        self.assertEqual(r.codes(), [200], r)
        self.assertRegex(r.cipher, r"^\(TLS1\.2-X\.509\)-\(ECDHE-[^)]*\)-"
                         r"\(ECDSA-[^)]*\)-\(AES-128-GCM\)$")
        r = tc.ask("openssl", self.port)
        self.assertEqual(r.codes(), [200], r)
        self.assertEqual(r.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256")
        self.assertEqual(r.version, "TLS1.2")

    def test_other_suites_refused(self):
        r = tc.ask("openssl", self.port, version="1.2",
                   cipher="ECDHE-ECDSA-AES256-GCM-SHA384:"
                   "ECDHE-ECDSA-CHACHA20-POLY1305")
        self.assertEqual(r.codes(), [], r)
        self.assertFalse(r.handshake, r)
        r = tc.ask("gnutls-cli", self.port,
                   priority="NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:"
                   "+AES-256-GCM:+CHACHA20-POLY1305")
        self.assertEqual(r.codes(), [], r)
        self.assertFalse(r.handshake, r)
        # the server is fine
        self.assertEqual(tc.ask("openssl", self.port).codes(), [200])


class FourSpellings(unittest.TestCase):
    """The same domain settings written as seed lines, as modparams, as
    [IP:port]-scoped modparams, as a tls_domain block, and with Kamailio's
    names: the same certificate is served (server2-ecdsa, CN sip2.test)
    and the same verify policy applies (a client certificate is
    required)."""

    SETTINGS = None

    @classmethod
    def setUpClass(cls):
        cls.SETTINGS = dict(cert_settings("server2-ecdsa"))
        cls.SETTINGS.update({"tls_ca_list": tc.pki("ca.pem"),
                             "tls_verify": 1,
                             "tls_require_certificate": 1,
                             "tls_method": "tlsv1.2+"})

    # the globals a scoped spelling must override
    def other_globals(self):
        return seed_lines({**cert_settings("server-ecdsa"),
                           "tls_verify": 0})

    def check(self, cfg_body, port):
        cfg = f"listen=tls:127.0.0.1:{port}\n" + HEAD + cfg_body
        with sctest.Sipcore(cfg, children=1) as sc:
            self.assertEqual(served_cn_with_client(port), "sip2.test")
            for tool in ("gnutls-cli", "openssl"):
                with self.subTest(tool=tool):
                    r = tc.ask(tool, port, cert="client.pem")
                    self.assertEqual(r.codes(), [200], r)
                    self.assertIn("sip2.test", r.subject or "", r)
                    r = tc.ask(tool, port, version="1.2")
                    self.assertEqual(r.codes(), [], r)
            self.assertIn("verify=1, require_certificate=1", sc.log())

    def test_seed_lines(self):
        port = sctest.free_port()
        self.check(seed_lines(self.SETTINGS), port)

    def test_modparams(self):
        port = sctest.free_port()
        self.check(modparams(self.SETTINGS), port)

    def test_scoped_modparams(self):
        port = sctest.free_port()
        self.check(self.other_globals() +
                   modparams(self.SETTINGS, scope=f"127.0.0.1:{port}"),
                   port)

    def test_domain_block(self):
        port = sctest.free_port()
        self.check(self.other_globals() +
                   domain_block(f"127.0.0.1:{port}", self.SETTINGS), port)

    def test_kamailio_names(self):
        port = sctest.free_port()
        alias = {"tls_certificate": "certificate",
                 "tls_private_key": "private_key",
                 "tls_ca_list": "ca_list",
                 "tls_verify": "verify_certificate",
                 "tls_require_certificate": "require_certificate",
                 "tls_method": "method"}
        self.check(modparams(self.SETTINGS, alias=alias), port)


def served_cn_with_client(port):
    """served_cn() for a server that requires a client certificate."""
    ctx = tc.py_context(cert="client.pem")
    s = tc.py_connect(port, ctx=ctx)
    try:
        subj = dict(x[0] for x in s.getpeercert()["subject"])
        r, _ = tc.py_ask(s, port)
        if r.code != 200:
            raise AssertionError(r.raw)
        return subj["commonName"]
    finally:
        s.close()


class TwoDomains(unittest.TestCase):
    """Two listeners, two tls_domain blocks: each its certificate and its
    verify policy."""

    def test_two_listeners(self):
        pa, pb = tc.ports(2)
        # the globals (a server:default domain needs a certificate, as
        # the seed's default context does) are served by neither listener
        cfg = (f"listen=tls:127.0.0.1:{pa}\nlisten=tls:127.0.0.1:{pb}\n" +
               HEAD + f'tls_ca_list="{tc.pki("ca.pem")}"\n' +
               seed_lines(cert_settings("server-rsa")) +
               domain_block(f"127.0.0.1:{pa}",
                            {**cert_settings("server-ecdsa"),
                             "tls_verify": 0}) +
               domain_block(f"127.0.0.1:{pb}",
                            {**cert_settings("server2-ecdsa"),
                             "tls_verify": 1,
                             "tls_require_certificate": 1}))
        with sctest.Sipcore(cfg, children=2):
            self.assertEqual(served_cn(pa), "localhost")
            self.assertEqual(served_cn_with_client(pb), "sip2.test")
            for tool in ("gnutls-cli", "openssl"):
                with self.subTest(tool=tool):
                    r = tc.ask(tool, pa)
                    self.assertEqual(r.codes(), [200], r)
                    self.assertTrue(r.key_info.startswith(
                        "EC" if tool == "gnutls-cli" else "ECDSA"), r)
                    self.assertIn("CN=localhost", r.subject.replace(
                        " ", ""), r)
                    r = tc.ask(tool, pb, version="1.2")
                    self.assertEqual(r.codes(), [], r)
                    r = tc.ask(tool, pb, cert="client.pem")
                    self.assertEqual(r.codes(), [200], r)
                    self.assertIn("CN=sip2.test", r.subject.replace(
                        " ", ""), r)


class Reload(unittest.TestCase):
    """SIGHUP rereads the certificate files."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sctest-tls-")
        self.cert = os.path.join(self.tmp, "cert.pem")
        self.key = os.path.join(self.tmp, "cert.key")
        self.install("server-ecdsa")
        self.port = sctest.free_port()
        cfg = (f"listen=tls:127.0.0.1:{self.port}\n" + HEAD +
               'loadmodule "sct.so"\n' +
               seed_lines({"tls_certificate": self.cert,
                           "tls_private_key": self.key,
                           "tls_ca_list": tc.pki("ca.pem")}))
        self.sc = sctest.Sipcore(cfg, children=2)

    def tearDown(self):
        self.sc.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def install(self, name):
        shutil.copyfile(tc.pki(name + ".pem"), self.cert)
        shutil.copyfile(tc.pki(name + ".key"), self.key)

    def test_reload_new_certificate(self):
        self.assertEqual(served_cn(self.port), "localhost")
        # connections on both workers stay open across the reload
        old = []
        workers = set()
        for i in range(24):
            s = tc.py_connect(self.port)
            old.append(s)
            workers.add(tc.whoami(s, self.port)[1])
            if len(workers) == 2 and i >= 1:
                break
        try:
            self.install("server2-ecdsa")
            self.sc.signal(signal.SIGHUP)
            self.assertIsNotNone(self.sc.wait_log(
                r"tls_gnutls: reloaded, generation 2", 5.0), self.sc.log())
            cns = {served_cn(self.port) for _ in range(6)}
            self.assertEqual(cns, {"sip2.test"})
            for i, s in enumerate(old):
                subj = dict(x[0] for x in s.getpeercert()["subject"])
                self.assertEqual(subj["commonName"], "localhost")
                r, _ = tc.py_ask(s, self.port, cseq=10 + i)
                self.assertEqual(r.code, 200)
        finally:
            for s in old:
                s.close()

    def test_broken_reload_keeps_generation(self):
        with open(self.cert, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                    "-----END CERTIFICATE-----\n")
        self.sc.signal(signal.SIGHUP)
        m = self.sc.wait_log(r"tls_gnutls: reload failed, keeping "
                             r"generation 1[^\n]*", 5.0)
        self.assertIsNotNone(m, self.sc.log())
        self.assertNotIn("reloaded, generation", self.sc.log())
        self.assertEqual({served_cn(self.port) for _ in range(6)},
                         {"localhost"})
        # the next good reload moves on
        self.install("server2-ecdsa")
        self.sc.signal(signal.SIGHUP)
        self.assertIsNotNone(self.sc.wait_log(
            r"tls_gnutls: reloaded, generation 2", 5.0), self.sc.log())
        self.assertEqual(served_cn(self.port), "sip2.test")


class StartupErrors(unittest.TestCase):
    """A bad TLS setting stops startup with a message that names what is
    wrong; the process exits non-zero and leaves no listener behind."""

    def fails(self, body, *needles, listen=True):
        port = sctest.free_port()
        cfg = ((f"listen=tls:127.0.0.1:{port}\n" if listen else "") +
               HEAD + body)
        sc = sctest.Sipcore(cfg, children=1, expect_fail=True)
        try:
            log = sc.log()
            self.assertIsNotNone(sc.rc)
            self.assertNotEqual(sc.rc, 0, log)
            for n in needles:
                self.assertIn(n, log)
            self.assertFalse(sctest.port_in_use(port))
        finally:
            sc.close()
        return log

    def test_missing_key_file(self):
        missing = os.path.join(tempfile.gettempdir(), "sctest-no-such-dir",
                               "nothing.key")
        self.fails(seed_lines({"tls_certificate":
                               tc.pki("server-ecdsa.pem"),
                               "tls_private_key": missing}), missing)

    def test_key_does_not_match_certificate(self):
        log = self.fails(seed_lines({"tls_certificate":
                                     tc.pki("server-ecdsa.pem"),
                                     "tls_private_key":
                                     tc.pki("mismatch.key")}))
        self.assertRegex(log, r"mismatch\.key[^\n]*does not match[^\n]*"
                         r"server-ecdsa\.pem")

    def test_unsorted_chain(self):
        self.fails(seed_lines({"tls_certificate":
                               tc.pki("unsorted-chain.pem"),
                               "tls_private_key":
                               tc.pki("chain-server.key")}),
                   "unsorted-chain.pem", "not sorted")

    def test_sslv3(self):
        log = self.fails(seed_lines({**cert_settings("server-ecdsa"),
                                     "tls_method": "sslv3"}),
                         "tls_method", "'sslv3'")
        self.assertRegex(log, r"sipcore\.cfg:\d+")

    def test_unknown_cipher(self):
        self.fails(seed_lines({**cert_settings("server-ecdsa"),
                               "tls_ciphers_list":
                               "ECDHE-ECDSA-AES128-GCM-SHA256:FOO-BAR"}),
                   "tls_ciphers_list", "'FOO-BAR'", "position 2")

    # tls_ciphers_list is checked when mod_init builds the domains, long
    # after its line was read: the message must still name that line.
    def test_unknown_cipher_names_config_line(self):
        log = self.fails(seed_lines({**cert_settings("server-ecdsa"),
                                     "tls_ciphers_list": "FOO-BAR"}))
        self.assertRegex(log, r"sipcore\.cfg:\d+:[^\n]*FOO-BAR")

    def test_wrong_key_password(self):
        log = self.fails(seed_lines({
            "tls_certificate": tc.pki("server-ecdsa.pem"),
            "tls_private_key": tc.pki("server-ecdsa-enc.key"),
            "tls_private_key_password": "not-the-password"}),
            "server-ecdsa-enc.key")
        self.assertRegex(log, r"wrong tls_private_key_password for \S*"
                         r"server-ecdsa-enc\.key")
        self.assertNotIn("not-the-password", log)

    def test_encrypted_key_without_password(self):
        self.fails(seed_lines({
            "tls_certificate": tc.pki("server-ecdsa.pem"),
            "tls_private_key": tc.pki("server-ecdsa-enc.key")}),
            "server-ecdsa-enc.key", "tls_private_key_password")

    def test_verify_without_ca_list(self):
        self.fails(seed_lines({**cert_settings("server-ecdsa"),
                               "tls_verify": 1}),
                   "tls_verify=1", "tls_ca_list")

    def test_crl_of_a_foreign_ca(self):
        """A CRL signed by no CA of the domain stops startup at its
        tls_crl line (crl-rogue.pem is the rogue CA's; only ca.pem is
        trusted)."""
        port = sctest.free_port()
        cfg = (f"listen=tls:127.0.0.1:{port}\n" + HEAD +
               seed_lines({**cert_settings("server-ecdsa"),
                           "tls_ca_list": tc.pki("ca.pem"),
                           "tls_crl": tc.pki("crl-rogue.pem")}))
        sc = sctest.Sipcore(cfg, children=1, expect_fail=True)
        try:
            with open(sc.cfg_path) as f:
                line = next(i for i, l in enumerate(f, 1)
                            if l.startswith("tls_crl="))
            self.assertNotEqual(sc.rc, 0)
            self.assertRegex(sc.log(), (
                rf"sipcore\.cfg:{line}: tls domain server:default: tls_crl "
                r"'\S*crl-rogue\.pem': CRL 0 \(issuer 'CN=sipcore rogue "
                r"CA,O=sipcore rogue PKI'\) is signed by no CA of "
                r"tls_ca_list '\S*ca\.pem'"))
            self.assertFalse(sctest.port_in_use(port))
        finally:
            sc.close()

    def test_crl_without_ca_list(self):
        self.fails(seed_lines({**cert_settings("server-ecdsa"),
                               "tls_crl": tc.pki("crl.pem")}),
                   "crl.pem' needs tls_ca_list")

    def test_unknown_parameter_value_names_line(self):
        log = self.fails(seed_lines(cert_settings("server-ecdsa")) +
                         modparams({"tls_verify_depth": 99}),
                         "tls_verify_depth", "99")
        self.assertRegex(log, r"sipcore\.cfg:\d+")


class Misc(unittest.TestCase):

    def test_expired_server_certificate_warns(self):
        port = sctest.free_port()
        with sctest.Sipcore(base_cfg(port, cert="expired-server"),
                            children=1) as sc:
            m = sc.wait_log(r"WARN[^\n]*expired-server\.pem[^\n]*"
                            r"EXPIRED[^\n]*", 1.0)
            self.assertIsNotNone(m, sc.log())
            # it is served as configured: a client that does not check
            # gets through, one that checks refuses it
            r = tc.ask("gnutls-cli", port, insecure=True)
            self.assertEqual(r.codes(), [200], r)
            r = tc.ask("gnutls-cli", port)
            self.assertEqual(r.codes(), [], r)
            self.assertIn("expired", r.text.lower())

    def test_stale_crl_warns(self):
        """A CRL past its next update is used, with a warning."""
        port = sctest.free_port()
        cfg = (f"listen=tls:127.0.0.1:{port}\n" + HEAD +
               seed_lines({**cert_settings("server-ecdsa"),
                           "tls_ca_list": tc.pki("ca.pem"),
                           "tls_crl": tc.pki("crl-expired.pem")}))
        with sctest.Sipcore(cfg, children=1) as sc:
            self.assertRegex(sc.log(), (
                r"WARNING: [^\n]*tls: domain server:default: CRL 0 "
                r"\(issuer 'CN=sipcore test root CA,O=sipcore test PKI'\) "
                r"in \S*crl-expired\.pem is past its next update "
                r"\(2020-02-01 00:00:00 UTC\)"))
            r = tc.ask("gnutls-cli", port)
            self.assertEqual(r.codes(), [200], r)

    def test_encrypted_key_with_password(self):
        port = sctest.free_port()
        for spelling in ("seed", "modparam"):
            with self.subTest(spelling=spelling):
                settings = {"tls_certificate": tc.pki("server-ecdsa.pem"),
                            "tls_private_key": tc.pki("server-ecdsa-enc.key"),
                            "tls_private_key_password": "sipcore-test"}
                body = (seed_lines(settings) if spelling == "seed"
                        else modparams(settings))
                cfg = f"listen=tls:127.0.0.1:{port}\n" + HEAD + body
                with sctest.Sipcore(cfg, children=1) as sc:
                    r = tc.ask("gnutls-cli", port)
                    self.assertEqual(r.codes(), [200], r)
                    self.assertNotIn("sipcore-test", sc.log())

    def test_disable_tls(self):
        pt, pu = tc.ports(2)
        cfg = ("disable_tls=1\n"
               f"listen=udp:127.0.0.1:{pu}\n"
               f"listen=tls:127.0.0.1:{pt}\n" + HEAD +
               seed_lines(cert_settings("server-ecdsa")))
        with sctest.Sipcore(cfg, children=1) as sc:
            r, _ = sctest.udp_exchange(pu, sctest.sip_request(
                "OPTIONS", port=pu))
            self.assertEqual(r.code, 200)
            with self.assertRaises(ConnectionRefusedError):
                s = socket.create_connection(("127.0.0.1", pt), 2.0)
                s.close()
            self.assertFalse(sctest.port_in_use(pt))
            # one line about the listener, naming its config line
            with open(sc.cfg_path) as f:
                lineno = f.read().splitlines().index(
                    f"listen=tls:127.0.0.1:{pt}") + 1
            lines = [l for l in sc.log().splitlines()
                     if "not listening" in l]
            self.assertEqual(len(lines), 1, sc.log())
            self.assertIn(f"sipcore.cfg:{lineno}: disable_tls=1: not "
                          f"listening on tls:127.0.0.1:{pt}", lines[0])
            # at the default log level (notice) one line says TLS is off
            notices = [l for l in sc.log().splitlines()
                       if "disable_tls" in l and
                       re.search(r"\b(NOTICE|WARNING|ERROR)\b", l)]
            self.assertEqual(len(notices), 1, sc.log())
            self.assertNotIn("listening on tls:", sc.log().replace(
                "not listening on tls:", ""))


class SniDomains(unittest.TestCase):
    """Two server domains on one address, told apart by the name the
    client asks for (SNI): "IP:port" and "IP:port/sip2.test". Each has its
    certificate, its verification policy and its own session tickets."""

    @classmethod
    def setUpClass(cls):
        cls.port = sctest.free_port()
        p = cls.port
        cfg = (f"listen=tls:127.0.0.1:{p}\n"
               'loadmodule "tls_gnutls.so"\n'
               f'tls_certificate="{tc.pki("server-ecdsa.pem")}"\n'
               f'tls_private_key="{tc.pki("server-ecdsa.key")}"\n'
               f'tls_ca_list="{tc.pki("all-ca.pem")}"\n'
               f"tls_domain[127.0.0.1:{p}/sip2.test] {{\n"
               f'tls_certificate="{tc.pki("server2-ecdsa.pem")}"\n'
               f'tls_private_key="{tc.pki("server2-ecdsa.key")}"\n'
               f'tls_ca_list="{tc.pki("ca.pem")}"\n'
               "tls_verify=1\ntls_require_certificate=1\n}\n")
        cls.sc = sctest.Sipcore(cfg, children=2)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()

    def served_cn(self, version, sni, cert="client.pem"):
        ctx = tc.py_context(version=version, cert=cert)
        s = tc.py_connect(self.port, ctx, sni=sni)
        try:
            cn = dict(x[0] for x in s.getpeercert()["subject"])["commonName"]
            r, _ = tc.py_ask(s, self.port)
            self.assertEqual(r.code, 200)
            return cn
        finally:
            s.close()

    def test_name_selects_certificate(self):
        for version in ("1.2", "1.3"):
            with self.subTest(version=version):
                self.assertEqual(self.served_cn(version, "sip2.test"),
                                 "sip2.test")
                self.assertEqual(self.served_cn(version, "SIP2.test"),
                                 "sip2.test")
                self.assertEqual(self.served_cn(version, "localhost"),
                                 "localhost")
                self.assertEqual(self.served_cn(version, None), "localhost")
        r = tc.ask("gnutls-cli", self.port, sni="sip2.test",
                   cert="client.pem", host="127.0.0.1")
        self.assertEqual(r.codes(), [200], r)
        self.assertIn("CN=sip2.test", r.subject or "", r)

    def test_name_selects_policy(self):
        for version in ("1.2", "1.3"):
            with self.subTest(version=version):
                # trusted by the unnamed domain (all-ca.pem) only
                self.assertEqual(self.served_cn(version, "localhost",
                                                "rogue-client.pem"),
                                 "localhost")
                with self.assertRaises((ssl.SSLError, OSError)):
                    self.served_cn(version, "sip2.test", "rogue-client.pem")

    def test_tickets_stay_with_their_name(self):
        for version in ("1.2", "1.3"):
            with self.subTest(version=version):
                ctx = tc.py_context(version=version, cert="rogue-client.pem")
                s = tc.py_connect(self.port, ctx, sni="localhost")
                tc.py_ask(s, self.port)
                sess = s.session
                s.close()
                s = tc.py_connect(self.port, ctx, sni="localhost",
                                  session=sess)
                tc.py_ask(s, self.port)
                self.assertTrue(s.session_reused)
                sess = s.session
                s.close()
                got = None
                s = None
                try:
                    s = tc.py_connect(self.port, ctx, sni="sip2.test",
                                      session=sess)
                    got, _ = tc.py_ask(s, self.port)
                except (OSError, ConnectionError):
                    pass
                finally:
                    if s:
                        s.close()
                self.assertIsNone(got, "a ticket of the unnamed domain "
                                  "resumed under sip2.test")



class SniInheritsAddressPolicy(unittest.TestCase):
    """A named domain inherits from its address's unnamed domain, not from
    the globals: "IP:port" requires a client certificate, and
    "IP:port/sip2.test", which sets only its certificate, must too, or a
    client could skip the requirement by sending that name."""

    def cfg(self, port, named_extra=""):
        return (f"listen=tls:127.0.0.1:{port}\n"
                'loadmodule "tls_gnutls.so"\n'
                f"tls_domain[127.0.0.1:{port}] {{\n"
                f'tls_certificate="{tc.pki("server-ecdsa.pem")}"\n'
                f'tls_private_key="{tc.pki("server-ecdsa.key")}"\n'
                f'tls_ca_list="{tc.pki("ca.pem")}"\n'
                "tls_verify=1\ntls_require_certificate=1\n}\n"
                f"tls_domain[127.0.0.1:{port}/sip2.test] {{\n"
                f'tls_certificate="{tc.pki("server2-ecdsa.pem")}"\n'
                f'tls_private_key="{tc.pki("server2-ecdsa.key")}"\n'
                + named_extra + "}\n")

    def answer(self, port, version, sni, cert):
        """(CN served, reply code); raises when refused."""
        ctx = tc.py_context(version=version, cert=cert)
        s = tc.py_connect(port, ctx, sni=sni)
        try:
            cn = dict(x[0] for x in s.getpeercert()["subject"])["commonName"]
            r, _ = tc.py_ask(s, port)
            return cn, r.code
        finally:
            s.close()

    def test_name_cannot_skip_required_certificate(self):
        port = sctest.free_port()
        with sctest.Sipcore(self.cfg(port), children=1) as sc:
            for version in ("1.2", "1.3"):
                with self.subTest(version=version):
                    self.assertEqual(self.answer(port, version, "sip2.test",
                                                 "client.pem"),
                                     ("sip2.test", 200))
                    mark = len(sc.log())
                    with self.assertRaises((ssl.SSLError, OSError,
                                            ConnectionError)):
                        self.answer(port, version, "sip2.test", None)
                    deadline = time.time() + 5
                    while ("peer certificate: no certificate" not in
                           sc.log()[mark:] and time.time() < deadline):
                        time.sleep(0.05)
                    self.assertIn("handshake refused, peer certificate: no "
                                  "certificate", sc.log()[mark:])
            self.assertNotIn("(SNI)", sc.log())

    def test_weaker_named_domain_warns(self):
        port = sctest.free_port()
        cfg = self.cfg(port, "tls_require_certificate=0\n")
        with sctest.Sipcore(cfg, children=1) as sc:
            self.assertRegex(sc.log(), (
                r"WARNING: .*tls: domain server:127\.0\.0\.1:\d+/sip2\.test: "
                r"tls_require_certificate=0, but domain "
                r"server:127\.0\.0\.1:\d+ of the same address requires a "
                r"client certificate: a client that sends the name "
                r"'sip2\.test' \(SNI\) gets in without one"))
            # as configured: the name lets a client in without one
            self.assertEqual(self.answer(port, "1.3", "sip2.test", None),
                             ("sip2.test", 200))
            with self.assertRaises((ssl.SSLError, OSError, ConnectionError)):
                self.answer(port, "1.3", "localhost", None)

if __name__ == "__main__":
    sctest.need_tool("gnutls-cli")
    sctest.need_tool("openssl")
    tc.need_env()
    tc.need_pki("server2-ecdsa.pem", "mismatch.key", "unsorted-chain.pem",
                "server-ecdsa-enc.key", "expired-server.pem")
    sctest.main()
