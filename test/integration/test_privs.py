# SPDX-License-Identifier: GPL-2.0-or-later
"""Running as root with user= and group=: files are read and sockets bound
as root, then the master and every worker run as that user for good; UDP
and TLS still answer; a reload reads the certificates as that user; an
unknown user or group stops startup with FILE:LINE. Needs root (else 77)."""
import grp
import os
import pwd
import re
import shutil
import signal
import sys
import tempfile
import time
import unittest

import sctest
import tlsclient as tc
from sctest import sip_request

if os.geteuid() != 0:
    print("SKIP: not running as root", file=sys.stderr)
    sys.exit(sctest.SKIP)

USER = "nobody"


def proc_ids(pid):
    """{'Uid': [real, effective, saved, fs], 'Gid': [...], 'Groups': [...]}"""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("Uid", "Gid", "Groups"):
                out[key] = [int(x) for x in val.split()]
    return out


class RunAsUser(unittest.TestCase):
    def start(self, extra, children=2, certdir=None, extra_args=()):
        self.pu, self.pt = tc.ports(2)
        cert = lambda name: (os.path.join(certdir, name) if certdir
                             else tc.pki(name))
        cfg = (f"listen=udp:127.0.0.1:{self.pu}\n"
               f"listen=tls:127.0.0.1:{self.pt}\n"
               'loadmodule "tls_gnutls.so"\n'
               f'tls_certificate="{cert("server-ecdsa.pem")}"\n'
               f'tls_private_key="{cert("server-ecdsa.key")}"\n'
               f'tls_ca_list="{cert("ca.pem")}"\n' + extra)
        sc = sctest.Sipcore(cfg, children=children, extra_args=extra_args)
        self.addCleanup(sc.close)
        return sc

    def root_only_certs(self):
        """A copy of the server's PKI files in a directory the user may
        enter, the key readable by root alone."""
        d = tempfile.mkdtemp(prefix="sctest-certs-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        for name in ("server-ecdsa.pem", "server-ecdsa.key", "ca.pem"):
            shutil.copy(tc.pki(name), os.path.join(d, name))
        key = os.path.join(d, "server-ecdsa.key")
        os.chown(key, 0, 0)
        os.chmod(key, 0o600)
        return d, key

    def check_answers(self):
        r, _ = sctest.udp_exchange(self.pu,
                                   sip_request("OPTIONS", port=self.pu))
        self.assertEqual(r.code, 200)
        s = tc.py_connect(self.pt)
        try:
            r, _ = tc.py_ask(s, self.pt)
            self.assertEqual(r.code, 200)
        finally:
            s.close()

    def check_ids(self, sc, uid, gid, nprocs):
        pids = [sc.proc.pid] + sctest.child_pids(sc.proc.pid)
        self.assertEqual(len(pids), nprocs, pids)
        for pid in pids:
            ids = proc_ids(pid)
            self.assertEqual(ids["Uid"], [uid] * 4, (pid, ids))
            self.assertEqual(ids["Gid"], [gid] * 4, (pid, ids))
            self.assertNotIn(0, ids["Groups"], (pid, ids))
        return pids

    def test_master_and_workers_run_as_user(self):
        pw = pwd.getpwnam(USER)
        # the key is root's alone: read before the switch, or not at all
        d, _ = self.root_only_certs()
        sc = self.start(f"user={USER}\n", children=3, certdir=d)
        self.assertIsNotNone(sc.wait_log(
            r"running as user %s \(uid %d\), group %s \(gid %d\)"
            % (USER, pw.pw_uid, grp.getgrgid(pw.pw_gid).gr_name,
               pw.pw_gid), 2.0), sc.log())
        pids = self.check_ids(sc, pw.pw_uid, pw.pw_gid, 4)
        self.check_answers()
        # a replacement worker is forked by the dropped master
        os.kill(pids[1], signal.SIGKILL)
        deadline = time.monotonic() + 3.0
        now = []
        while time.monotonic() < deadline:
            now = sctest.child_pids(sc.proc.pid)
            if len(now) == 3 and pids[1] not in now:
                break
            time.sleep(0.05)
        self.assertNotIn(pids[1], now)
        self.check_ids(sc, pw.pw_uid, pw.pw_gid, 4)
        self.check_answers()

    def test_group_overrides_the_primary_group(self):
        pw = pwd.getpwnam(USER)
        gr = grp.getgrnam("daemon")
        sc = self.start(f"user={USER}\ngroup=daemon\n")
        self.check_ids(sc, pw.pw_uid, gr.gr_gid, 3)
        self.check_answers()

    def test_command_line_wins(self):
        pw = pwd.getpwnam(USER)
        gr = grp.getgrnam("daemon")
        sc = self.start("user=root\n", extra_args=("-u", USER,
                                                   "-g", "daemon"))
        self.check_ids(sc, pw.pw_uid, gr.gr_gid, 3)
        self.check_answers()

    def test_reload_reads_certificates_as_the_user(self):
        pw = pwd.getpwnam(USER)
        d, key = self.root_only_certs()
        sc = self.start(f"user={USER}\n", certdir=d)
        # root's key: the reload as the user cannot read it, keeps the old
        sc.signal(signal.SIGHUP)
        self.assertIsNotNone(sc.wait_log(
            r"reload failed, keeping generation 1", 3.0), sc.log())
        self.check_answers()
        # readable by the user's group: the reload takes it
        os.chown(key, 0, pw.pw_gid)
        os.chmod(key, 0o640)
        sc.signal(signal.SIGHUP)
        self.assertIsNotNone(sc.wait_log(
            r"tls_gnutls: reloaded, generation 2", 3.0), sc.log())
        self.check_answers()
        self.check_ids(sc, pw.pw_uid, pw.pw_gid, 3)


class UnknownUser(unittest.TestCase):
    def check_bad(self, lines, bad_line, words):
        port = sctest.free_port()
        text = "\n".join([f"listen=udp:127.0.0.1:{port}", "log_stderror=1"]
                         + lines) + "\n"
        for args in (("-D", "-E"), ("-c", "-D", "-E")):
            rc, out, path, timed_out = sctest.run_sipcore(text, args)
            self.assertFalse(timed_out, out)
            self.assertNotEqual(rc, 0, out)
            self.assertNotIn("sipcore started", out)
            m = re.search(re.escape(path) + r":(\d+): (.*)", out)
            self.assertIsNotNone(m, out)
            self.assertEqual(int(m.group(1)), bad_line, out)
            for w in words:
                self.assertIn(w, m.group(2), out)
            self.assertFalse(sctest.port_in_use(port))

    def test_unknown_user(self):
        self.check_bad(["children=1", "user=no-such-user-sc"], 4,
                       ["user", "no such user 'no-such-user-sc'"])

    def test_unknown_group(self):
        self.check_bad([f"user={USER}", "group=no-such-group-sc"], 4,
                       ["group", "no such group 'no-such-group-sc'"])

    def test_unknown_user_on_the_command_line(self):
        port = sctest.free_port()
        rc, out, _, timed_out = sctest.run_sipcore(
            f"listen=udp:127.0.0.1:{port}\n",
            ("-D", "-E", "-u", "no-such-user-sc"))
        self.assertFalse(timed_out, out)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("-u: no such user 'no-such-user-sc'", out)
        self.assertFalse(sctest.port_in_use(port))

    def test_empty_user(self):
        self.check_bad(['user=""'], 3, ["user", "empty"])


if __name__ == "__main__":
    sctest.main()
