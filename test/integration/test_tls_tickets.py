# SPDX-License-Identifier: GPL-2.0-or-later
"""Session ticket keys: rotated on every reload and after
tls_ticket_key_lifetime, the key before kept for decryption only. A
ticket made before a rotation still resumes after it, not after a second
one; a session made after a rotation gets a ticket of the new key (it
survives the next rotation). Over TLS 1.2 and 1.3, with Python's ssl
module (OpenSSL) as the client and two workers, so that resumptions also
cross workers. Plus what keeps keys out of core dumps."""
import os
import re
import signal
import time
import unittest

import sctest
import tlsclient as tc

VERSIONS = ("1.2", "1.3")


def session_of(port, ctx, session=None):
    """One connection with an OPTIONS answered: (session, resumed)."""
    s = tc.py_connect(port, ctx, session=session)
    try:
        r, _ = tc.py_ask(s, port)
        if r.code != 200:
            raise AssertionError("OPTIONS not answered: %r" % r.raw)
        return s.session, s.session_reused
    finally:
        s.close()


class Rotation(unittest.TestCase):
    def start(self, extra=""):
        port = sctest.free_port()
        sc = sctest.Sipcore(tc.tls_basic_cfg(port, extra=extra), children=2)
        self.addCleanup(sc.close)
        return sc, port

    def reload(self, sc, n):
        sc.signal(signal.SIGHUP)
        m = sc.wait_log(rf"reloaded, generation {n}\b")
        self.assertIsNotNone(m, sc.log()[-2000:])
        self.assertRegex(sc.log(), r"session ticket key rotated \(reload\)")

    def test_reload_rotates(self):
        sc, port = self.start()
        gen = 1
        for version in VERSIONS:
            with self.subTest(version=version):
                ctx = tc.py_context(version=version)
                first, reused = session_of(port, ctx)
                self.assertFalse(reused)
                _, reused = session_of(port, ctx, first)
                self.assertTrue(reused, "tickets do not work at all")
                gen += 1
                self.reload(sc, gen)
                # made under the key before: still good
                _, reused = session_of(port, ctx, first)
                self.assertTrue(reused, "a ticket of the previous key "
                                "did not resume")
                # a full handshake now gets a ticket of the new key
                second, reused = session_of(port, ctx)
                self.assertFalse(reused)
                gen += 1
                self.reload(sc, gen)
                # two rotations later the first ticket is worthless, the
                # second (one rotation old) still resumes
                _, reused = session_of(port, ctx, first)
                self.assertFalse(reused, "a ticket outlived two rotations")
                _, reused = session_of(port, ctx, second)
                self.assertTrue(reused, "a session made after a rotation "
                                "got a ticket of the old key")

    def test_lifetime_rotates(self):
        lifetime = 2
        sc, port = self.start(f"tls_ticket_key_lifetime={lifetime}\n")
        for version in VERSIONS:
            with self.subTest(version=version):
                ctx = tc.py_context(version=version)
                first, _ = session_of(port, ctx)
                _, reused = session_of(port, ctx, first)
                self.assertTrue(reused, "tickets do not work at all")
                time.sleep(lifetime + 0.5)
                # this connection finds the lifetime over: the key
                # rotates first, and the ticket is of the previous one
                _, reused = session_of(port, ctx, first)
                self.assertTrue(reused, "a ticket of the previous key "
                                "did not resume")
                self.assertRegex(sc.log(), r"session ticket key rotated "
                                 r"\(its lifetime of 2 s is over\)")
                time.sleep(lifetime + 0.5)
                _, reused = session_of(port, ctx, first)
                self.assertFalse(reused, "a ticket outlived two rotations")


class KeyFile(unittest.TestCase):
    """tls_ticket_key_file: instances that share the file resume each
    other's sessions; a new content, after a reload, becomes the key and
    the old one still decrypts; an unchanged file rotates nothing."""

    def start(self, keyfile):
        port = sctest.free_port()
        sc = sctest.Sipcore(tc.tls_basic_cfg(
            port, extra=f'tls_ticket_key_file="{keyfile}"\n'), children=2)
        self.addCleanup(sc.close)
        return sc, port

    def test_instances_share_tickets(self):
        d = self.enterContext(__import__("tempfile").TemporaryDirectory())
        keyfile = os.path.join(d, "ticket.key")
        with open(keyfile, "wb") as f:
            f.write(os.urandom(64))
        os.chmod(keyfile, 0o600)
        a, pa = self.start(keyfile)
        b, pb = self.start(keyfile)
        for version in VERSIONS:
            with self.subTest(version=version):
                ctx = tc.py_context(version=version)
                sess, reused = session_of(pa, ctx)
                self.assertFalse(reused)
                _, reused = session_of(pb, ctx, sess)
                self.assertTrue(reused, "instance B did not resume A's "
                                "session")
        # a reload with the same file changes nothing: still in step
        a.signal(signal.SIGHUP)
        self.assertIsNotNone(a.wait_log(r"reloaded, generation 2\b"))
        self.assertNotIn("session ticket key rotated", a.log())
        ctx = tc.py_context(version="1.3")
        sess, _ = session_of(pb, ctx)
        _, reused = session_of(pa, ctx, sess)
        self.assertTrue(reused)
        # a new key in the file: the old tickets still resume after the
        # reload, new sessions get the new key
        with open(keyfile, "wb") as f:
            f.write(os.urandom(64))
        a.signal(signal.SIGHUP)
        self.assertIsNotNone(a.wait_log(r"reloaded, generation 3\b"))
        self.assertRegex(a.log(), r"session ticket key changed in ")
        _, reused = session_of(pa, ctx, sess)
        self.assertTrue(reused, "a ticket of the previous file key did "
                        "not resume")

    def test_bad_file_is_a_config_error(self):
        rc, out, path = sctest.run_config_check(
            tc.tls_basic_cfg(sctest.free_port()) +
            'tls_ticket_key_file="/nonexistent/ticket.key"\n')
        self.assertNotEqual(rc, 0)
        self.assertRegex(out, r":\d+: .*tls_ticket_key_file.*"
                         r"/nonexistent/ticket\.key")


class SessionCache(unittest.TestCase):
    """TLS 1.2 clients without tickets resume by session ID, on whichever
    worker their reconnection lands (the cache is shared)."""

    def test_session_id_resumes_across_workers(self):
        import ssl
        port = sctest.free_port()
        sc = sctest.Sipcore(tc.tls_basic_cfg(port), children=2, log_level=3)
        self.addCleanup(sc.close)
        ctx = tc.py_context(version="1.2")
        ctx.options |= ssl.OP_NO_TICKET
        first, reused = session_of(port, ctx)
        self.assertFalse(reused)
        self.assertTrue(first.id, "no session ID to resume by")
        for i in range(12):
            _, reused = session_of(port, ctx, first)
            self.assertTrue(reused, f"reconnection {i} not resumed")
        pids = set(re.findall(r"sipcore\[(\d+)\] DEBUG: conn \d+ tls:[^ ]+: "
                              r"accepted on", sc.log()))
        self.assertEqual(len(pids), 2, "all connections on one worker")

    def test_off(self):
        import ssl
        port = sctest.free_port()
        sc = sctest.Sipcore(tc.tls_basic_cfg(port, extra="tls_session_cache"
                                             "=0\n"), children=1)
        self.addCleanup(sc.close)
        ctx = tc.py_context(version="1.2")
        ctx.options |= ssl.OP_NO_TICKET
        first, _ = session_of(port, ctx)
        _, reused = session_of(port, ctx, first)
        self.assertFalse(reused)


class Dumps(unittest.TestCase):
    def test_key_pages_not_dumped(self):
        """The ticket key page and the arena pages with the private key
        carry MADV_DONTDUMP ('dd' in VmFlags) in every worker."""
        port = sctest.free_port()
        with sctest.Sipcore(tc.tls_basic_cfg(port), children=1) as sc:
            ctx = tc.py_context()
            session_of(port, ctx)
            pids = sc.worker_pids()
            self.assertTrue(pids)
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/smaps") as f:
                        smaps = f.read()
                except PermissionError:
                    self.skipTest("smaps of a non-dumpable process is "
                                  "not readable here")
                flags = re.findall(r"(?m)^VmFlags:(.*)$", smaps)
                self.assertTrue(any(" dd" in f for f in flags), pid)

    def test_private_key_mode_warns(self):
        port = sctest.free_port()
        sc = sctest.Sipcore("", children=1, start=False)
        self.addCleanup(sc.close)
        with open(tc.pki("server-ecdsa.key"), "rb") as f:
            key = sc.write_file("open.key", f.read())
        os.chmod(key, 0o644)
        with open(sc.cfg_path, "a") as f:
            f.write(f"listen=tls:127.0.0.1:{port}\n"
                    'loadmodule "tls_gnutls.so"\n'
                    f'tls_certificate="{tc.pki("server-ecdsa.pem")}"\n'
                    f'tls_private_key="{key}"\n')
        sc.start()
        self.assertRegex(sc.log(), (
            r"WARNING: [^\n]*tls: domain server:default: private key "
            r"\S*open\.key is readable by everyone \(mode 0644\): make it "
            r"readable by its owner only \(chmod 600\)"))


class LogLevel(unittest.TestCase):
    def test_secret_logging_level_refused(self):
        rc, out, _ = sctest.run_config_check(
            'loadmodule "tls_gnutls.so"\ntls_log_level=9\n')
        self.assertNotEqual(rc, 0, out)
        self.assertIn("9 and above log session secrets", out)


if __name__ == "__main__":
    tc.need_env()
    sctest.main()
