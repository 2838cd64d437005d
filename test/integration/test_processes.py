# SPDX-License-Identifier: GPL-2.0-or-later
"""sipcore's process tree: worker replacement, graceful stop, reload,
startup failure in a worker, the pid file, -V and -c."""
import os
import re
import signal
import socket
import subprocess
import time
import unittest

import sctest
from sctest import SipReply, read_message, sip_request, tcp_connect


def tcp_options(port, cseq=1):
    s = tcp_connect(port, timeout=3.0)
    try:
        s.sendall(sip_request("OPTIONS", "TCP", port=port, cseq=cseq))
        raw, _ = read_message(s, timeout=3.0)
        return SipReply(raw)
    finally:
        s.close()


def gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2:].split()[0] == "Z"


class Processes(unittest.TestCase):
    def start(self, extra="", children=2, **kw):
        self.port = sctest.free_port()
        sc = sctest.Sipcore(f"listen=udp:127.0.0.1:{self.port}\n"
                            f"listen=tcp:127.0.0.1:{self.port}\n" + extra,
                            children=children, **kw)
        self.addCleanup(sc.close)
        return sc

    def test_killed_worker_is_replaced(self):
        sc = self.start(children=3)
        before = sorted(sctest.child_pids(sc.proc.pid))
        self.assertEqual(len(before), 3, before)
        victim = before[1]
        t0 = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        now = before
        while time.monotonic() - t0 < 1.0:
            now = sorted(sctest.child_pids(sc.proc.pid))
            if len(now) == 3 and victim not in now:
                break
            time.sleep(0.02)
        self.assertNotIn(victim, now)
        self.assertEqual(len(now), 3, now)
        new = set(now) - set(before)
        self.assertEqual(len(new), 1, (before, now))
        self.assertIsNotNone(sc.wait_log(
            r"worker \d+ \(pid %d\) killed by signal 9\b.*replacing it"
            % victim, 1.0), sc.log())
        # new source ports each time: the kernel hash spreads them over
        # every worker, the replacement included
        for i in range(30):
            r, _ = sctest.udp_exchange(
                self.port, sip_request("OPTIONS", port=self.port, cseq=i),
                timeout=2.0)
            self.assertEqual((r.code, r.get("CSeq")), (200, f"{i} OPTIONS"))
            r = tcp_options(self.port, cseq=i)
            self.assertEqual((r.code, r.get("CSeq")), (200, f"{i} OPTIONS"))
        self.assertEqual(sorted(sctest.child_pids(sc.proc.pid)), now)

    def test_sigterm_graceful_stop(self):
        sc = self.start(children=2)
        workers = sctest.child_pids(sc.proc.pid)
        self.assertEqual(len(workers), 2)
        self.assertTrue(os.path.exists(sc.pid_path))
        conns = []
        try:
            for i in range(4):
                c = tcp_connect(self.port, timeout=3.0)
                conns.append(c)
                c.sendall(sip_request("OPTIONS", "TCP", port=self.port))
                read_message(c, timeout=3.0)
            # and one with half a request in the server's buffer
            c = tcp_connect(self.port, timeout=3.0)
            conns.append(c)
            c.sendall(sip_request("OPTIONS", "TCP", port=self.port)[:60])
            time.sleep(0.1)
            t0 = time.monotonic()
            sc.signal(signal.SIGTERM)
            try:
                rc = sc.proc.wait(timeout=5 + 1)
            except subprocess.TimeoutExpired:
                self.fail("not stopped within shutdown_timeout + 1 s:\n"
                          + sc.log())
            took = time.monotonic() - t0
            self.assertEqual(rc, 0, sc.log())
            self.assertLess(took, 6.0)
            for c in conns:
                self.assertTrue(sctest.wait_closed(c, 1.0), "no EOF")
        finally:
            for c in conns:
                c.close()
        self.assertFalse(os.path.exists(sc.pid_path), "pid file left")
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and \
                not all(gone(p) for p in workers):
            time.sleep(0.05)
        self.assertTrue(all(gone(p) for p in workers), workers)
        self.assertEqual(sctest.pids_with_arg(sc.cfg_path), [])
        self.assertFalse(sctest.port_in_use(self.port))

    def test_sighup_reloads_modules(self):
        sc = self.start('loadmodule "sct.so"\n', children=2)
        self.assertNotIn("sct: reload #", sc.log())
        sc.signal(signal.SIGHUP)
        self.assertIsNotNone(sc.wait_log(r"sct: reload #1\b", 3.0), sc.log())
        r, _ = sctest.udp_exchange(self.port,
                                   sip_request("OPTIONS", port=self.port))
        self.assertEqual(r.code, 200)
        sc.signal(signal.SIGHUP)
        self.assertIsNotNone(sc.wait_log(r"sct: reload #2\b", 3.0), sc.log())
        self.assertNotIn("sct: reload #3", sc.log())
        r, _ = sctest.udp_exchange(self.port,
                                   sip_request("OPTIONS", port=self.port))
        self.assertEqual(r.code, 200)
        self.assertEqual(tcp_options(self.port).code, 200)
        self.assertIsNone(sc.proc.poll())
        self.assertEqual(len(sctest.child_pids(sc.proc.pid)), 2)

    def test_child_init_failure_stops_everything(self):
        sc = self.start('loadmodule "sct.so"\n'
                        'modparam("sct", "fail_rank", 2)\n',
                        children=2, expect_fail=True)
        rc = sc.proc.wait(timeout=10)
        self.assertNotEqual(rc, 0, sc.log())
        log = sc.log()
        self.assertIn("child_init(2) fails on purpose", log)
        self.assertIn("failed to start", log)
        self.assertNotIn("sipcore started", log)
        self.assertFalse(os.path.exists(sc.pid_path), "pid file left")
        deadline = time.monotonic() + 2.0
        while sctest.pids_with_arg(sc.cfg_path) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(sctest.pids_with_arg(sc.cfg_path), [])
        self.assertEqual(sctest.child_pids(sc.proc.pid), [])
        self.assertFalse(sctest.port_in_use(self.port))
        self.assertTrue(sctest.udp_silent(
            self.port, sip_request("OPTIONS", port=self.port), timeout=0.3))

    def test_workers_die_with_the_master(self):
        sc = self.start(children=2)
        workers = sctest.child_pids(sc.proc.pid)
        self.assertEqual(len(workers), 2)
        sc.proc.kill()
        sc.proc.wait(timeout=5)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and \
                not all(gone(p) for p in workers):
            time.sleep(0.05)
        self.assertTrue(all(gone(p) for p in workers), workers)
        self.assertFalse(sctest.port_in_use(self.port))

    # A worker killed by a signal never closes its connections itself: the
    # master must take them out of the tcp_max_connections count.
    def test_killed_worker_releases_its_connection_slots(self):
        sc = self.start('loadmodule "sct.so"\ntcp_max_connections=3\n',
                        children=2)
        held = []
        victims = set()
        try:
            for i in range(2):
                c = tcp_connect(self.port, timeout=3.0)
                held.append(c)
                c.sendall(sip_request("OPTIONS", "TCP", port=self.port,
                                      extra="X-Sct-Whoami: 1\r\n"))
                r = SipReply(read_message(c, timeout=3.0)[0])
                self.assertEqual(r.code, 200, r.raw)
                victims.add(int(r.get("X-Pid")))
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
            for c in held:
                self.assertTrue(sctest.wait_closed(c, 2.0))
        finally:
            for c in held:
                c.close()
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            now = sctest.child_pids(sc.proc.pid)
            if len(now) == 2 and not victims & set(now) and \
                    len(re.findall(r"worker \d+ ready", sc.log())) >= \
                    2 + len(victims):
                break
            time.sleep(0.05)
        # nothing is open any more: three new connections must fit
        conns = []
        try:
            for i in range(3):
                c = tcp_connect(self.port, timeout=3.0)
                conns.append(c)
                c.sendall(sip_request("OPTIONS", "TCP", port=self.port,
                                      cseq=i + 1))
                r = SipReply(read_message(c, timeout=2.0)[0])
                self.assertEqual(r.code, 200)
        except ConnectionError as e:
            self.fail(f"connection {len(conns)} of 3 refused: {e}")
        finally:
            for c in conns:
                c.close()

    def test_pid_file_names_the_master(self):
        sc = self.start(children=1)
        with open(sc.pid_path) as f:
            text = f.read()
        self.assertRegex(text, r"^\d+\n?$")
        self.assertEqual(int(text), sc.proc.pid)
        self.assertNotIn(int(text), sctest.child_pids(sc.proc.pid))

    def test_version(self):
        p = subprocess.run([os.environ["SIPCORE"], "-V"],
                           capture_output=True, text=True, timeout=5)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^sipcore \d+\.\d+(\.\d+)?\b")

    def check_only(self, port):
        cfg = (f'mpath="{os.environ.get("SC_MPATH", "")}"\n'
               f"listen=udp:127.0.0.1:{port}\n"
               f"listen=tcp:127.0.0.1:{port}\n"
               'loadmodule "sct.so"\n')
        return sctest.run_sipcore(cfg, ("-c", "-E"), timeout=5.0)

    def test_check_only_does_not_bind(self):
        # a real server on the port first
        sc = self.start(children=1)
        rc, out, path, timed_out = self.check_only(self.port)
        self.assertFalse(timed_out)
        self.assertEqual(rc, 0, out)
        self.assertIn("valid", out)
        self.assertEqual(tcp_options(self.port).code, 200)
        self.assertIsNone(sc.proc.poll())
        # a plain socket (no SO_REUSEPORT) holds the port: any bind by -c
        # would fail with EADDRINUSE
        port = sctest.free_port()
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(("127.0.0.1", port))
            t.listen(1)
            u.bind(("127.0.0.1", port))
            rc, out, path, timed_out = self.check_only(port)
        finally:
            t.close()
            u.close()
        self.assertFalse(timed_out)
        self.assertEqual(rc, 0, out)
        self.assertNotIn("sipcore started", out)


def cpu_seconds(pid):
    """utime + stime of @pid, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class OutOfDescriptors(unittest.TestCase):
    """accept() failing with EMFILE leaves the connection in the backlog
    and the socket readable: the worker must pause accepting, not spin,
    and accept again once descriptors are free."""

    def test_emfile_pauses_accepts(self):
        port = sctest.free_port()
        sc = sctest.Sipcore(f"listen=tcp:127.0.0.1:{port}\n"
                            "tcp_max_connections=10000\n", children=1,
                            start=False)
        self.addCleanup(sc.close)
        sc.start(nofile=64)
        worker = sctest.child_pids(sc.proc.pid)[0]
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for _ in range(80):
            socks.append(tcp_connect(port, timeout=3.0))
        self.assertIsNotNone(sc.wait_log(r"accept failed: Too many open "
                                         r"files; pausing accepts", 5.0),
                             sc.log()[-2000:])
        cpu0 = cpu_seconds(worker)
        time.sleep(1.0)
        used = cpu_seconds(worker) - cpu0
        self.assertLess(used, 0.3, f"worker burnt {used:.2f} s of CPU in "
                        "1 s while out of descriptors")
        for s in socks:
            s.close()
        socks.clear()
        r = tcp_options(port)
        self.assertEqual(r.code, 200)


if __name__ == "__main__":
    sctest.main()
