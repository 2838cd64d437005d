# SPDX-License-Identifier: GPL-2.0-or-later
"""Chaos: many connections at once, each ended in one of the ways a
connection can die, in each state it can be in.

Deaths: EOF, RST (SO_LINGER 0), bad bytes, handshake timeout, send
timeout, write-queue limit (per connection and global), IPC channel full,
SIGTERM of the server, SIGKILL of a worker. States: connecting (outgoing,
through the sct module's X-Sct-Connect hook), handshake (TLS and sct),
reads pending (pipelined bursts), writes queued (peers that never read),
IPC in flight (X-Deliver-To from one worker to a connection of another).

Every test runs its own sipcore and, except where a whole server or a
worker is killed on purpose, keeps a TCP and a TLS control client on each
worker that sends OPTIONS throughout. Pass means, for each test:
  - no sanitizer report in sipcore's output;
  - no worker death logged by the master other than the one killed on
    purpose;
  - every control request answered 200;
  - what the test states about the connections it hurt (closed by the
    server, the log line of the limit that closed it, replies counted).
"""
import os
import random
import re
import signal
import socket
import ssl
import threading
import time
import unittest

import stress
from stress import SipReply, read_message, sip_request

# scenario sizes (short, long)
N_DEATHS = stress.size(240, 3000)
N_PENDING = stress.size(32, 200)
N_HANDSHAKE = stress.size(150, 2000)
N_STALLED = stress.size(6, 40)
N_OUTGOING = stress.size(10, 100)
N_IPC = stress.size(8, 40)
# a burst (about 1 MB) larger than one event's read budget (16 reads of
# the receive buffer, which starts at 4 KiB)
BURST = 4000


def ignore(fn, *a):
    try:
        return fn(*a)
    except (OSError, ConnectionError, ssl.SSLError):
        return None


class Chaos(unittest.TestCase):
    children = 2
    limits = stress.LIMITS["chaos"]
    with_controls = True

    def setUp(self):
        stress.need_env()
        self.sv = stress.Server(children=self.children, limits=self.limits)
        self.addCleanup(self.sv.close)
        self.ctl = None
        if self.with_controls:
            self.ctl = stress.Controls(self.sv)
            self.addCleanup(self.stop_controls)
        self.hello = stress.client_hello()

    def stop_controls(self):
        if self.ctl:
            for c in self.ctl.clients:
                c.stop()

    def finish(self, what, allowed_pids=()):
        time.sleep(0.5)
        self.sv.check_healthy(self, allowed_pids, what)
        if self.ctl:
            ctl, self.ctl = self.ctl, None
            ctl.stop_and_check(self)

    # ---- one connection, one death -------------------------------------

    def death(self, mode, tls):
        """Open one connection and end it by @mode. Returns an error text
        when the server did something the mode does not allow."""
        sv = self.sv
        port = sv.tls_port if tls else sv.port
        tr = "TLS" if tls else "TCP"
        req = sip_request("OPTIONS", tr, port=port)
        if mode.startswith("hs_"):
            # TLS handshake state: raw TCP to the TLS port
            s = socket.create_connection(("127.0.0.1", sv.tls_port), 5)
            part = self.hello[:random.randint(1, len(self.hello) - 1)]
            if mode == "hs_bad":
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                data, how = stress.drain(s, 10.0)
                s.close()
                if how not in ("eof", "reset"):
                    return f"{mode}: not closed ({how})"
                return None
            s.sendall(part)
            if mode == "hs_rst":
                stress.rst_close(s)
            else:
                s.close()
            return None
        s = sv.connect(tls)
        try:
            if mode == "ok":
                s.sendall(req)
                raw, _ = read_message(s, timeout=10.0)
                if SipReply(raw).code != 200:
                    return f"ok: {raw[:40]!r}"
                s.close()
            elif mode == "eof_idle":
                s.close()
            elif mode == "eof_after_request":
                s.sendall(req)
                s.close()
            elif mode == "rst_after_request":
                s.sendall(req)
                stress.rst_close(s)
            elif mode == "eof_mid_message":
                s.sendall(req[:len(req) // 2])
                s.close()
            elif mode == "rst_mid_message":
                s.sendall(req[:len(req) // 2])
                stress.rst_close(s)
            elif mode == "bad_bytes":
                s.sendall(bytes(random.randrange(256) for _ in range(300))
                          + b"\r\n\r\n")
                _, how = stress.drain(s, 10.0)
                s.close()
                if how not in ("eof", "reset"):
                    return f"bad_bytes: not closed ({how})"
            elif mode == "no_content_length":
                s.sendall(req.replace(b"Content-Length: 0\r\n", b""))
                _, how = stress.drain(s, 10.0)
                s.close()
                if how not in ("eof", "reset"):
                    return f"no_content_length: not closed ({how})"
            elif mode == "burst_fin":
                # FIN while the server still has most of it to read; all
                # of it must be answered
                s.sendall(stress.options_burst(BURST, port, tr))
                stress.half_close(s)
                data, how = stress.drain(s, 60.0)
                s.close()
                n = data.count(b"SIP/2.0 200 OK\r\n")
                if n != BURST:
                    return f"burst_fin: {n} of {BURST} answered ({how})"
            elif mode == "burst_rst":
                s.sendall(stress.options_burst(BURST, port, tr))
                time.sleep(random.random() * 0.05)
                stress.rst_close(s)
            else:
                raise ValueError(mode)
        except (OSError, ssl.SSLError) as e:
            s.close()
            if mode == "ok":
                return f"ok: {e!r}"
        return None

    def run_deaths(self, modes, n, tls_share=0.4):
        jobs = [(modes[i % len(modes)], random.random() < tls_share)
                for i in range(n)]
        errs = []
        lock = threading.Lock()

        def one(job):
            e = self.death(*job)
            if e:
                with lock:
                    errs.append(e)

        errs += stress.parallel(one, jobs, threads=16)
        return errs


class Deaths(Chaos):
    """Connections opened and ended in every simple way, hundreds at once,
    on TCP and TLS."""

    def test_eof_rst_bad_bytes(self):
        modes = ["ok", "eof_idle", "eof_after_request", "rst_after_request",
                 "eof_mid_message", "rst_mid_message", "bad_bytes",
                 "no_content_length"]
        errs = self.run_deaths(modes, N_DEATHS)
        self.assertEqual(errs, [])
        self.finish("after EOF, RST and bad bytes")

    def test_handshake_eof_rst_bad(self):
        """TLS connections ended inside their handshake."""
        errs = self.run_deaths(["hs_eof", "hs_rst", "hs_bad", "ok"],
                               N_DEATHS, tls_share=1.0)
        self.assertEqual(errs, [])
        self.finish("after connections ended in their handshake")

    def test_reads_pending_then_eof_or_rst(self):
        """Bursts of pipelined OPTIONS (more than one event's read
        budget), then FIN or RST, on many connections at once."""
        errs = self.run_deaths(["burst_fin", "burst_rst"], N_PENDING,
                               tls_share=0.5)
        self.assertEqual(errs, [])
        self.finish("after pipelined bursts ended by FIN or RST")


class HandshakeTimeout(Chaos):
    """Half-open handshakes (nothing, or part of a ClientHello; part of
    the sct greeting) are closed after the handshake timeout."""

    def test_half_open_handshakes_time_out(self):
        sv = self.sv
        socks = []
        for i in range(N_HANDSHAKE):
            if i % 3 == 2:
                s = socket.create_connection(("127.0.0.1", sv.sct_port), 5)
                s.sendall(b"SC")
            else:
                s = socket.create_connection(("127.0.0.1", sv.tls_port), 5)
                if i % 3 == 1:
                    s.sendall(self.hello[:20])
            socks.append(s)
        t0 = time.time()
        # tls_handshake_timeout=1 and the sct one of 1000 ms: a generous
        # bound on when all of them must be gone
        still_open = 0
        for s in socks:
            left = max(0.1, t0 + 15 - time.time())
            if not stress.sctest.wait_closed(s, left):
                still_open += 1
            s.close()
        self.assertEqual(still_open, 0, "half-open handshakes kept")
        # closed by the timeout, not by anything else (the notices may
        # be rate-limited, so one is enough)
        self.assertRegex(sv.log(), r"handshake timeout")
        self.finish("after handshake timeouts")


class StalledReaders(Chaos):
    """Peers that send thousands of pipelined OPTIONS and never read: the
    replies queue up until a limit closes the connection. Each reply is as
    large as its request (60 Vias); the first 4 MiB or so of them fit in
    the kernel's socket buffers, the rest is queued by the server."""

    _burst = None

    def flood_no_read(self, tls):
        s = self.sv.connect(tls, rcvbuf=4096)
        if StalledReaders._burst is None:
            StalledReaders._burst = stress.fat_options_burst(1600,
                                                             self.sv.port)
        t = threading.Thread(target=ignore, daemon=True,
                             args=(s.sendall, StalledReaders._burst))
        t.start()
        return s, t

    def stalled(self, n, pattern, want=None, tls_share=0.5):
        """@n stalled readers; waits (at most 60 s) until the log has
        @pattern @want (default @n) times, then closes them. Nothing is
        read from them: reading would let the server make progress.
        Returns the count."""
        conns = [self.flood_no_read(i < n * tls_share) for i in range(n)]
        deadline = time.time() + 60
        while time.time() < deadline:
            got = len(re.findall(pattern, self.sv.log()))
            if got >= (want or n):
                break
            if self.sv.sanitizer() or self.sv.deaths():
                break
            time.sleep(0.2)
        for s, t in conns:
            stress.rst_close(s)
            t.join(10)
        self.sv.check_healthy(self, what="with stalled readers")
        return got


class SendTimeout(StalledReaders):
    limits = dict(stress.LIMITS["chaos"], tcp_conn_wq_max=64 << 20,
                  tcp_wq_max=1 << 30)

    def test_stalled_readers_hit_send_timeout(self):
        got = self.stalled(N_STALLED, r"send timeout: \d+ bytes stalled")
        self.assertEqual(got, N_STALLED, "send timeouts for "
                         f"{N_STALLED} stalled readers")
        self.finish("after send timeouts")


class ConnWqLimit(StalledReaders):
    limits = dict(stress.LIMITS["chaos"], tcp_conn_wq_max=16384,
                  tcp_send_timeout=30, tls_send_timeout=30)

    def test_stalled_readers_hit_conn_wq_max(self):
        got = self.stalled(N_STALLED,
                           r"write queue limit \(tcp_conn_wq_max=16384\)")
        self.assertEqual(got, N_STALLED)
        self.finish("after per-connection write queue limits")


class GlobalWqLimit(StalledReaders):
    limits = dict(stress.LIMITS["chaos"], tcp_wq_max=131072,
                  tcp_conn_wq_max=1 << 20, tcp_send_timeout=30,
                  tls_send_timeout=30)

    def test_stalled_readers_hit_tcp_wq_max(self):
        # each connection may queue 1 MiB, all together 128 KiB: the
        # global limit closes at least one of them
        got = self.stalled(N_STALLED, r"global write queue limit "
                           r"\(tcp_wq_max=131072\) reached", want=1)
        self.assertGreaterEqual(got, 1)
        self.finish("after the global write queue limit")


class IpcInFlight(Chaos):
    """Messages handed from worker 1 to connections of worker 2 (the IPC
    channel) while those connections die, or never read, and while the
    channel overflows."""

    def test_deliver_to_dying_connections(self):
        sv = self.sv
        senders = [sv.connect_on(1)[0] for _ in range(N_IPC)]
        body = b"x" * 30000
        rounds = stress.size(6, 30)
        errors = []
        for rnd in range(rounds):
            targets = [sv.connect_on(2) for _ in range(N_IPC)]
            for i, (t, _) in enumerate(targets):
                if i % 2:
                    stress.small_rcvbuf(t)

            def flood(k):
                s = senders[k]
                tid = targets[k][1]
                n = stress.size(40, 100)
                reqs = b"".join(sip_request(
                    "MESSAGE", "TCP", port=sv.port, cseq=j + 1, body=body,
                    extra=f"X-Deliver-To: {tid}\r\n") for j in range(n))
                s.sendall(reqs)
                buf = b""
                for _ in range(n):
                    raw, buf = read_message(s, buf, timeout=20.0)
                    code = SipReply(raw).code
                    if code not in (202, 480):
                        errors.append(f"sender {k}: {code}")

            def kill(k):
                t = targets[k][0]
                time.sleep(random.random() * 0.2)
                if k % 3 == 0:
                    stress.rst_close(t)
                elif k % 3 == 1:
                    t.close()
                # the rest never read: send timeout or queue limit

            errs = stress.parallel(
                lambda job: flood(job[1]) if job[0] == "f" else kill(job[1]),
                [("f", k) for k in range(N_IPC)] +
                [("k", k) for k in range(N_IPC)], threads=2 * N_IPC)
            errors += errs
            for t, _ in targets:
                t.close()
        for s in senders:
            s.close()
        self.assertEqual(errors, [], "senders not answered 202 or 480")
        # some messages were still in the channel when their connection
        # died
        self.assertRegex(self.sv.log(), r"ipc: conn \d+ is gone")
        self.finish("after IPC to dying connections")


class IpcChannelFull(Chaos):
    """Pipelined X-Deliver-To MESSAGEs from four connections of worker 1
    to one of worker 2 while worker 2 is stopped (SIGSTOP), so its IPC
    channel fills up: each MESSAGE is either handed over (202) and
    arrives once worker 2 goes on (SIGCONT), or refused at once (480);
    the channel overflowing loses nothing else."""

    # the target reads slower than it is sent to: no queue limit here
    limits = dict(stress.LIMITS["chaos"], tcp_conn_wq_max=256 << 20,
                  tcp_wq_max=1 << 30, tcp_send_timeout=30)

    def test_ipc_channel_full(self):
        sv = self.sv
        target, tid = sv.connect_on(2)
        w2 = sv.whoami(target)[2]
        senders = [sv.connect_on(1)[0] for _ in range(4)]
        n = stress.size(40, 200)
        # 60 KB each: the 4 MiB socket buffer of the channel holds few
        bursts = [b"".join(sip_request(
            "MESSAGE", "TCP", port=sv.port, cseq=j + 1, body=b"m" * 60000,
            extra=f"X-Deliver-To: {tid}\r\n") for j in range(n))
            for _ in senders]
        codes = []

        def flood(k):
            s = senders[k]
            s.sendall(bursts[k])
            buf = b""
            for _ in range(n):
                raw, buf = read_message(s, buf, timeout=20.0)
                codes.append(SipReply(raw).code)
        os.kill(w2, signal.SIGSTOP)
        self.addCleanup(os.kill, w2, signal.SIGCONT)
        try:
            errs = stress.parallel(flood, range(len(senders)), threads=4)
        finally:
            os.kill(w2, signal.SIGCONT)
        data, _ = stress.drain(target, timeout=60.0, quiet=3.0)
        for s in senders + [target]:
            s.close()
        self.assertEqual(errs, [])
        self.assertEqual(len(codes), n * len(senders))
        self.assertEqual(set(codes) - {202, 480}, set())
        self.assertRegex(sv.log(), r"ipc: hand-over to worker 2 for conn "
                         r"\d+ failed", "the IPC channel never filled up")
        self.assertEqual(data.count(b"MESSAGE sip:"), codes.count(202),
                         "MESSAGEs accepted (202) and those delivered differ")
        self.finish("after the IPC channel overflowed")


class Outgoing(Chaos):
    """Outgoing connections (X-Sct-Connect) that die while connecting, in
    their handshake, or with writes queued."""

    def peer(self, behaviour):
        """A local peer that treats accepted connections by @behaviour;
        returns its port. The thread and sockets end with the test."""
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        port = srv.getsockname()[1]
        if behaviour == "refused":
            srv.close()
            return port
        if behaviour == "backlog_full":
            # an accept queue that is full and never drained: SYNs are
            # dropped and the connect stays in progress
            srv.listen(0)
            fillers = []
            for _ in range(4):
                f = socket.socket()
                f.setblocking(False)
                f.connect_ex(("127.0.0.1", port))
                fillers.append(f)
            time.sleep(0.2)
            self.addCleanup(lambda: [f.close() for f in fillers])
            self.addCleanup(srv.close)
            return port
        srv.listen(128)
        srv.settimeout(0.2)
        halt = threading.Event()
        held = []

        def serve():
            while not halt.is_set():
                try:
                    c, _ = srv.accept()
                except socket.timeout:
                    continue
                except OSError:
                    return
                if behaviour == "rst":
                    stress.rst_close(c)
                elif behaviour == "eof_after_hello":
                    c.settimeout(2)
                    ignore(c.recv, 100)
                    c.close()
                elif behaviour == "garbage":
                    ignore(c.sendall, b"\x15\x03\x03\x00\x02\x02\x28garbage")
                    held.append(c)
                else:  # "stall", "no_read": accept and never read
                    stress.small_rcvbuf(c)
                    held.append(c)

        th = threading.Thread(target=serve, daemon=True)
        th.start()

        def stop():
            halt.set()
            th.join(2)
            srv.close()
            for c in held:
                c.close()
        self.addCleanup(stop)
        return port

    def ask_connect(self, target, body=b"hello"):
        """X-Sct-Connect over a TCP connection of its own (UDP would lose
        large requests when many arrive at once)."""
        msg = sip_request("MESSAGE", "TCP", port=self.sv.port, body=body,
                          extra=f"X-Sct-Connect: {target}\r\n")
        s = self.sv.connect()
        try:
            s.sendall(msg)
            raw, _ = read_message(s, timeout=10.0)
        finally:
            s.close()
        return SipReply(raw).code

    def outgoing_storm(self):
        plan = [("tcp", "refused"), ("tcp", "backlog_full"), ("tcp", "rst"),
                ("tcp", "no_read"), ("tls", "stall"), ("tls", "garbage"),
                ("tls", "eof_after_hello"), ("tls", "rst"),
                ("sct", "stall"), ("sct", "rst")]
        jobs = []
        for proto, b in plan:
            port = self.peer(b)
            body = b"y" * 60000 if b == "no_read" else b"hello"
            jobs += [(f"{proto}:127.0.0.1:{port}", body)] * N_OUTGOING
        codes = []
        errs = stress.parallel(
            lambda j: codes.append(self.ask_connect(*j)), jobs, threads=8)
        return jobs, codes, errs

    def test_outgoing_deaths(self):
        jobs, codes, errs = self.outgoing_storm()
        self.assertEqual(errs, [], "X-Sct-Connect requests not answered")
        self.assertEqual(len(codes), len(jobs))
        self.assertEqual(set(codes) - {202, 503}, set())
        # the connects in progress end by tcp_connect_timeout (1 s), the
        # stalled handshakes by the handshake timeouts, the stalled
        # writes by tcp_send_timeout (1 s)
        time.sleep(4)
        log = self.sv.log()
        self.assertRegex(log, r"connect failed: Connection refused")
        self.assertRegex(log, r"handshake timeout")
        self.finish("after outgoing connections died in every state")


class Sigterm(Chaos):
    """SIGTERM while connections are in every state: a clean stop."""

    with_controls = False

    def test_sigterm_with_everything_in_flight(self):
        sv = self.sv
        held = []
        port = sv.port
        # handshakes in progress
        for i in range(stress.size(100, 1000)):
            s = socket.create_connection(("127.0.0.1", sv.tls_port), 5)
            s.sendall(self.hello[:30])
            held.append(s)
        # reads pending and writes queued
        for tls in (False, True):
            for _ in range(stress.size(8, 40)):
                s = sv.connect(tls)
                stress.small_rcvbuf(s)
                p = sv.tls_port if tls else port
                threading.Thread(target=ignore, daemon=True, args=(
                    s.sendall, stress.options_burst(
                        BURST, p, "TLS" if tls else "TCP"))).start()
                held.append(s)
        # IPC in flight and outgoing connects in progress
        dst = socket.socket()
        dst.bind(("127.0.0.1", 0))
        dst.listen(0)
        dport = dst.getsockname()[1]
        held.append(dst)
        for _ in range(stress.size(20, 100)):
            ignore(stress.sctest.udp_silent, port, sip_request(
                "MESSAGE", port=port,
                extra=f"X-Sct-Connect: tcp:127.0.0.1:{dport}\r\n"),
                "127.0.0.1", 0.01)
        time.sleep(0.5)
        t0 = time.time()
        sv.signal(signal.SIGTERM)
        try:
            rc = sv.proc.wait(30)
        except Exception:
            rc = None
        for s in held:
            ignore(stress.rst_close, s)
        self.assertEqual(rc, 0, sv.log()[-3000:])
        log = sv.log()
        self.assertIn("sipcore stopped", log)
        self.assertNotRegex(log, stress.STOP_KILL_RE,
                            "a worker had to be killed at stop")
        self.assertNotIn("still running after shutdown_timeout", log)
        self.assertLess(time.time() - t0, 30)
        self.finish("at SIGTERM")


class SigkillWorker(Chaos):
    """SIGKILL of one worker that holds connections in every state: the
    master replaces it, the other workers and their connections go on."""

    children = 4
    with_controls = False
    # the victim's queues grow until the kill, no limit closes them first
    limits = dict(stress.LIMITS["chaos"], tcp_conn_wq_max=64 << 20,
                  tcp_wq_max=1 << 30, tcp_send_timeout=30,
                  tls_send_timeout=30)

    def test_sigkill_busy_worker(self):
        sv = self.sv
        # controls on workers 1-3; worker 4 is the victim
        self.ctl = stress.Controls(sv, ranks=(1, 2, 3))
        victim = [sv.connect_on(4, rcvbuf=4096) for _ in range(10)]
        vpid = sv.whoami(victim[0][0])[2]
        # worker 4 holds: queued writes (never read), pending reads
        # (bursts), handshakes; worker 1 sends it IPC messages
        fat = stress.fat_options_burst(1200, sv.port)
        for s, _ in victim[:5]:
            threading.Thread(target=ignore, daemon=True, args=(
                s.sendall, fat)).start()
        hs = []
        for _ in range(20):
            h = socket.create_connection(("127.0.0.1", sv.tls_port), 5)
            h.sendall(self.hello[:40])
            hs.append(h)
        self.addCleanup(lambda: [h.close() for h in hs])
        senders = [sv.connect_on(1)[0] for _ in range(4)]
        for i, s in enumerate(senders):
            tid = victim[5 + i][1]
            threading.Thread(target=ignore, daemon=True, args=(
                s.sendall, b"".join(sip_request(
                    "MESSAGE", "TCP", port=sv.port, cseq=j + 1,
                    body=b"z" * 20000, extra=f"X-Deliver-To: {tid}\r\n")
                    for j in range(50)))).start()
        time.sleep(0.3)
        try:
            os.kill(vpid, signal.SIGKILL)
        except ProcessLookupError:
            self.fail("worker 4 died before it was killed:\n" +
                      (sv.sanitizer() or sv.log()[-3000:]))
        m = sv.wait_log(rf"worker 4 \(pid {vpid}\) killed by signal 9", 5)
        self.assertIsNotNone(m, sv.log()[-2000:])
        # its replacement comes up
        self.assertIsNotNone(sv.wait_log(
            rf"killed by signal 9[^\n]*replacing it\n[\s\S]*"
            rf"sipcore\[(?!{vpid}\])\d+\] INFO: worker 4 ready", 10),
            sv.log()[-2000:])
        # the victim's connections are gone
        for i, (s, _) in enumerate(victim):
            _, how = stress.drain(s, 10.0)
            self.assertIn(how, ("eof", "reset"), f"victim {i} kept")
            s.close()
        # the senders on worker 1 get an answer to every message
        # (202 while it was there, 480 after)
        for s in senders:
            buf = b""
            codes = []
            for _ in range(50):
                raw, buf = read_message(s, buf, timeout=20.0)
                codes.append(SipReply(raw).code)
            self.assertEqual(set(codes) - {202, 480}, set())
            s.close()
        # new connections are served, also by the new worker 4
        s, _ = sv.connect_on(4)
        s.close()
        self.assertEqual([d[1] for d in sv.deaths()], [vpid])
        self.finish("after SIGKILL of worker 4", allowed_pids=(vpid,))


if __name__ == "__main__":
    stress.main()
