# SPDX-License-Identifier: GPL-2.0-or-later
"""Regression scenarios of issue 6, each against its own sipcore (two
workers, a TCP and a TLS control client on each worker throughout):

  - 4,000 pipelined OPTIONS in one burst, then FIN (TCP and TLS): all
    4,000 answered in order, no sanitizer report, no worker death;
  - a burst of bare LFs, then bytes the framer refuses: that connection is
    closed without a reply, nothing else is lost;
  - CRLFCRLF x 4,000 in one burst: the pongs are coalesced (far fewer
    than 4,000 come back) and the connection still answers OPTIONS;
  - pongs queued for a peer that never reads pin little more memory
    than tcp_conn_wq_max;
  - Content-Length written with too many digits (99999999999, 2^64) gets
    513 like any other oversized message, then the connection is closed.

Each test checks, after its scenario, that the server log holds no
sanitizer report and no worker death, and that every control client got
every 200.
"""
import threading
import time
import unittest

import stress
from stress import SipReply, read_message, sip_request

# how many CRLF pongs a burst of 4,000 pings may bring back: one per read
# of the server's receive buffer (4 KiB and up) is coalescing, 4,000 is not
PONG_MAX = 16


class Scenario(unittest.TestCase):
    """A fresh server and its control clients per test."""

    limits = stress.LIMITS["chaos"]
    no_quarantine = False

    def setUp(self):
        stress.need_env()
        self.sv = stress.Server(children=2, limits=self.limits,
                                no_quarantine=self.no_quarantine)
        self.addCleanup(self.sv.close)
        self.ctl = stress.Controls(self.sv)
        self.addCleanup(self.stop_controls)
        self.ctl_checked = False

    def stop_controls(self):
        if not self.ctl_checked:
            for c in self.ctl.clients:
                c.stop()

    def finish(self, what):
        """Give the workers a moment for what is still pending, then check
        the server and the control clients."""
        time.sleep(0.5)
        self.sv.check_healthy(self, what=what)
        self.ctl_checked = True
        self.ctl.stop_and_check(self)

    def stream(self, tls):
        return self.sv.connect(tls), (self.sv.tls_port if tls
                                      else self.sv.port)


class PipelineThenFin(Scenario):
    """Defect 1: a connection destroyed while on the pending-read list."""

    N = 4000

    def run_burst(self, tls):
        s, port = self.stream(tls)
        tr = "TLS" if tls else "TCP"
        try:
            s.sendall(stress.options_burst(self.N, port, tr))
            stress.half_close(s)
            data, how = stress.drain(s, timeout=60.0)
        finally:
            s.close()
        replies = []
        rest = data
        while b"\r\n\r\n" in rest:
            i = rest.index(b"\r\n\r\n") + 4
            replies.append(SipReply(rest[:i]))
            rest = rest[i:]
        self.assertIn(how, ("eof", "reset"))
        self.assertEqual(len(replies), self.N,
                         f"{len(replies)} of {self.N} answered ({how})")
        self.assertEqual({r.code for r in replies}, {200})
        self.assertEqual([r.get("CSeq") for r in replies],
                         [f"{i + 1} OPTIONS" for i in range(self.N)])
        self.finish(f"after {self.N} pipelined OPTIONS and FIN over {tr}")

    def test_tcp_4000_options_then_fin(self):
        self.run_burst(False)

    def test_tls_4000_options_then_fin(self):
        self.run_burst(True)

    def test_tcp_bursts_then_fin_on_many_connections(self):
        """The same on 20 connections at once, so that several are on a
        worker's pending list when they are destroyed."""
        port = self.sv.port
        burst = stress.options_burst(1000, port)
        socks = [self.sv.connect() for _ in range(20)]
        for s in socks:
            s.sendall(burst)
        for s in socks:
            stress.half_close(s)
        counts = []
        for s in socks:
            data, _ = stress.drain(s, timeout=60.0)
            counts.append(data.count(b"SIP/2.0 200 OK\r\n"))
            s.close()
        self.assertEqual(counts, [1000] * len(socks))
        self.finish("after 20 x 1000 pipelined OPTIONS and FIN")


class LfBurstThenRefused(Scenario):
    """Defect 1, second trigger: bare LFs (skipped one by one) and then
    something the framer refuses, in one burst."""

    def run_burst(self, tls):
        s, _ = self.stream(tls)
        try:
            s.sendall(b"\n" * 300000 + b"THIS IS NOT SIP\r\n\r\n")
            data, how = stress.drain(s, timeout=30.0)
        finally:
            s.close()
        self.assertEqual(data, b"", "refused bytes got an answer")
        self.assertIn(how, ("eof", "reset"), "connection not closed")
        self.assertIsNotNone(self.sv.wait_log(r"bad stream data", 5.0))
        self.finish("after a burst of LFs and a refused line")

    def test_tcp_lf_burst_then_garbage(self):
        self.run_burst(False)

    def test_tls_lf_burst_then_garbage(self):
        self.run_burst(True)


class CrlfPings(Scenario):
    """Defect 3: each CRLFCRLF answered with its own record and send."""

    N = 4000

    def run_pings(self, tls):
        s, port = self.stream(tls)
        tr = "TLS" if tls else "TCP"
        try:
            s.sendall(b"\r\n\r\n" * self.N)
            data, _ = stress.drain(s, timeout=20.0, quiet=1.5)
            # only pongs came back, and far fewer than pings
            self.assertEqual(data.replace(b"\r\n", b""), b"",
                             "something other than CRLF came back")
            pongs = data.count(b"\r\n")
            self.assertGreater(pongs, 0, "no pong at all")
            self.assertLessEqual(pongs, PONG_MAX,
                                 f"{pongs} pongs for one burst of "
                                 f"{self.N} pings over {tr}")
            # and the connection is still a working one
            s.sendall(sip_request("OPTIONS", tr, port=port, cseq=9))
            raw, _ = read_message(s, timeout=5.0)
            self.assertEqual(SipReply(raw).code, 200)
        finally:
            s.close()
        self.finish(f"after {self.N} pings over {tr}")

    def test_tcp_crlf_pings_coalesced(self):
        self.run_pings(False)

    def test_tls_crlf_pings_coalesced(self):
        self.run_pings(True)


class PongQueueCost(Scenario):
    """Defect 3, second half: pongs queued for a peer that never reads
    cost far more memory than tcp_conn_wq_max counts (a 2-byte chunk is a
    32-byte allocation or more). Whether the server coalesces the pongs or
    counts the real cost of each chunk, the memory one such peer pins must
    stay near the limit."""

    WQ_MAX = 262144
    limits = dict(stress.LIMITS["chaos"], tcp_conn_wq_max=WQ_MAX,
                  tcp_send_timeout=30)
    # 4 MB of pongs fill the kernel's socket buffers; what comes after
    # is queued by the server
    BURSTS = 1000
    # memory is measured: no ASan quarantine (see stress.Server)
    no_quarantine = True
    # allowed growth of the owning worker's peak RSS while it holds them
    GROWTH_MAX_KIB = 4 * WQ_MAX // 1024 + 1024

    def test_tcp_pongs_to_a_peer_that_never_reads(self):
        s = self.sv.connect(rcvbuf=4096)
        _, _, pid = self.sv.whoami(s)
        before = stress.reset_peak_rss(pid)
        burst = b"\r\n\r\n" * 4000

        def send():
            for _ in range(self.BURSTS):
                s.sendall(burst)
        t = threading.Thread(target=stress.quiet, args=(send,), daemon=True)
        t.start()
        t.join(60)
        time.sleep(0.5)
        peak = stress.status_kib(pid, "VmHWM")
        stress.rst_close(s)
        self.assertLessEqual(
            peak - before, self.GROWTH_MAX_KIB,
            f"worker peak RSS grew from {before} to {peak} KiB for one "
            f"peer that never reads its pongs (tcp_conn_wq_max="
            f"{self.WQ_MAX})")
        self.finish("after pongs to a peer that never reads")


class HugeContentLength(Scenario):
    """Defect 9: a Content-Length beyond max_msg_size gets 513 whatever
    the number of its digits."""

    VALUES = ("100000000", "99999999999", "18446744073709551616",
              "99999999999999999999999999")

    def test_tcp_content_length_digits_513(self):
        port = self.sv.port
        for v in self.VALUES:
            with self.subTest(content_length=v):
                s = self.sv.connect()
                try:
                    req = sip_request("OPTIONS", "TCP", port=port)
                    req = req.replace(b"Content-Length: 0\r\n",
                                      f"Content-Length: {v}\r\n".encode())
                    s.sendall(req)
                    data, how = stress.drain(s, timeout=5.0)
                finally:
                    s.close()
                self.assertTrue(data.startswith(b"SIP/2.0 513 "),
                                f"Content-Length {v}: got {data[:60]!r} "
                                f"then {how}")
                self.assertIn(how, ("eof", "reset"))
        self.finish("after oversized Content-Length values")


if __name__ == "__main__":
    stress.main()
