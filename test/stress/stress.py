# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared parts of the stress suite (meson suite `stress`).

The stress tests drive the real sipcore binary over loopback, like the
integration tests, and reuse their harness (test/integration/sctest.py and
tlsclient.py). What this file adds:

  - the size of every scenario in one place, short by default and long
    with SC_STRESS_LONG=1 (scripts/stress.sh);
  - the limits the tests configure, in one place (LIMITS), including
    parameters the server may not have yet: supported() asks the binary
    (sipcore -c) and such a parameter is left out, and said so, when it is
    unknown;
  - a server wrapper that knows how to tell a worker death and a sanitizer
    report from the log, and where each test's part of the log starts;
  - control clients: one TCP and one TLS connection that keep sending
    OPTIONS while a test does its damage, and must get every 200.
"""
import os
import re
import resource
import socket
import ssl
import struct
import sys
import threading
import time

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_here, "..", "integration"))

import sctest  # noqa: E402
import tlsclient  # noqa: E402
from sctest import SipReply, read_message, sip_request  # noqa: E402,F401

LONG = os.environ.get("SC_STRESS_LONG") == "1"


def size(short, long):
    """A scenario size: @short by default, @long under SC_STRESS_LONG=1."""
    return long if LONG else short


# The limits the stress tests configure. Change a value here, not in the
# tests. Parameters the running binary does not know are dropped (see
# cfg_lines()); the tests that depend on them then measure the server
# without them.
LIMITS = {
    # chaos tests: small enough that every limit is reached in seconds
    "chaos": {
        "tcp_send_timeout": 1,
        "tcp_connect_timeout": 1,
        "tcp_connection_lifetime": 30,
        "tcp_conn_wq_max": 262144,
        "tcp_max_connections": 20000,
        "tcp_max_connections_per_ip": 20000,
        "shutdown_timeout": 5,
        "tls_handshake_timeout": 1,
        "tls_send_timeout": 1,
    },
    # slowloris: scaled so that the attack, per source address, is larger
    # than the per-address limit, and all addresses' limits together stay
    # below tcp_max_connections (the long mode uses the defaults the
    # issue names: 4096 and 1024)
    "slowloris_short": {
        "tcp_max_connections": 1500,
        "tcp_max_connections_per_ip": 400,
        "tcp_max_handshakes": 600,
        "tcp_msg_read_timeout": 5,
        "tls_handshake_timeout": 120,
    },
    "slowloris_long": {
        "tcp_max_connections": 4096,
        "tcp_max_connections_per_ip": 1024,
        "tcp_max_handshakes": 1024,
        "tcp_msg_read_timeout": 5,
        "tls_handshake_timeout": 120,
    },
}

# parameters that belong to the TLS module (the rest are core ones)
_TLS_PARAMS = ("tls_",)

_supported_cache = {}


def supported(name, value):
    """True when this sipcore accepts the core parameter @name (checked
    once with sipcore -c on a minimal config)."""
    if name in _supported_cache:
        return _supported_cache[name]
    cfg = f"listen=tcp:127.0.0.1:{sctest.free_port()}\n{name}={value}\n"
    rc, out, _ = sctest.run_config_check(cfg)
    ok = rc == 0
    if not ok and "unknown parameter" not in out:
        raise AssertionError(f"{name}={value} refused:\n{out}")
    _supported_cache[name] = ok
    return ok


def cfg_lines(limits, tls=True, note=None):
    """Config lines for @limits; parameters the binary lacks are left out
    and named in @note (a list) when given."""
    out = []
    for k, v in limits.items():
        if k.startswith(_TLS_PARAMS):
            if tls:
                out.append(f"{k}={v}")
            continue
        if supported(k, v):
            out.append(f"{k}={v}")
        elif note is not None:
            note.append(k)
    return "".join(line + "\n" for line in out)


def sanitized():
    """True when the sipcore under test is built with AddressSanitizer."""
    try:
        with open(os.environ["SIPCORE"], "rb") as f:
            return b"__asan_init" in f.read()
    except (KeyError, OSError):
        return False


def raise_nofile():
    """Raise this process's RLIMIT_NOFILE to its hard limit; returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def need_env(tls=True):
    for v in ("SIPCORE", "SC_MPATH"):
        if not os.environ.get(v):
            print(f"SKIP: {v} is not set", file=sys.stderr)
            sys.exit(sctest.SKIP)
    if tls:
        tlsclient.need_pki("ca.pem", "server-ecdsa.pem", "server-ecdsa.key")


# ---- the server ------------------------------------------------------------

DEATH_RE = re.compile(r"worker (\d+) \(pid (\d+)\) ([^;\n]*); replacing it")
STOP_KILL_RE = re.compile(r"worker (\d+) \(pid (\d+)\) killed by signal")


class Server(sctest.Sipcore):
    """sipcore with a TCP, a TLS and an sct listener (and UDP), the sct
    module loaded (X-Sct-Whoami, X-Deliver-To, X-Sct-Connect) and the
    chaos limits unless told otherwise."""

    def __init__(self, children=2, limits=None, extra="", tls=True,
                 log_level=2, nofile=None, no_quarantine=False):
        """@no_quarantine: under AddressSanitizer, run sipcore with
        quarantine_size_mb=0, for tests that measure memory: freed memory
        otherwise stays resident in a quarantine of up to 256 MiB per
        process, which reads as growth (use-after-free is then found only
        when the memory is not reused at once)."""
        self.port, self.tls_port, self.sct_port = tlsclient.ports(3)
        lim = LIMITS["chaos"] if limits is None else limits
        self.missing = []
        cfg = (f"listen=udp:127.0.0.1:{self.port}\n"
               f"listen=tcp:127.0.0.1:{self.port}\n"
               f"listen=sct:127.0.0.1:{self.sct_port}\n"
               'loadmodule "sct.so"\n'
               'modparam("sct", "handshake_timeout", 1000)\n')
        if tls:
            cfg += (f"listen=tls:127.0.0.1:{self.tls_port}\n"
                    'loadmodule "tls_gnutls.so"\n'
                    f'tls_certificate="{tlsclient.pki("server-ecdsa.pem")}"\n'
                    f'tls_private_key="{tlsclient.pki("server-ecdsa.key")}"\n'
                    f'tls_ca_list="{tlsclient.pki("ca.pem")}"\n')
        cfg += cfg_lines(lim, tls, self.missing) + extra
        self.children = children
        super().__init__(cfg, children=children, log_level=log_level,
                         start=False)
        old = os.environ.get("ASAN_OPTIONS")
        if no_quarantine and sanitized():
            os.environ["ASAN_OPTIONS"] = ((old + ":") if old else "") + \
                "quarantine_size_mb=0"
        try:
            self.start(nofile=nofile or raise_nofile())
        finally:
            if old is None:
                os.environ.pop("ASAN_OPTIONS", None)
            else:
                os.environ["ASAN_OPTIONS"] = old
        self.mark = 0

    def log_since(self, mark=None):
        text = self.log()
        return text[self.mark if mark is None else mark:]

    def set_mark(self):
        self.mark = len(self.log())
        return self.mark

    def deaths(self, text=None):
        """[(rank, pid, why)] of workers that died while running."""
        text = self.log() if text is None else text
        return [(int(r), int(p), w) for r, p, w in DEATH_RE.findall(text)]

    def sanitizer(self):
        return sctest.sanitizer_report(self.log())

    def check_healthy(self, tc, allowed_pids=(), what=""):
        """Fail @tc on a sanitizer report or a worker death other than
        those of @allowed_pids."""
        rep = self.sanitizer()
        if rep:
            tc.fail(f"sanitizer report {what}:\n{rep}")
        bad = [d for d in self.deaths() if d[1] not in allowed_pids]
        if bad:
            tc.fail(f"worker died {what}: {bad}\n" + self.log()[-3000:])

    def whoami(self, sock, tls=False):
        """(conn id, rank, pid) of @sock (a TCP or TLS stream to us)."""
        port = self.tls_port if tls else self.port
        sock.sendall(sip_request("OPTIONS", "TLS" if tls else "TCP",
                                 port=port, extra="X-Sct-Whoami: 1\r\n"))
        raw, _ = read_message(sock, timeout=5.0)
        r = SipReply(raw)
        if r.code != 200 or r.get("X-Conn-Id") is None:
            raise AssertionError("X-Sct-Whoami not answered: %r" % raw)
        return (int(r.get("X-Conn-Id")), int(r.get("X-Worker")),
                int(r.get("X-Pid")))

    def connect_on(self, rank, tls=False, tries=200, rcvbuf=None):
        """A connection owned by worker @rank, with its conn id."""
        held = []
        try:
            for _ in range(tries):
                s = self.connect(tls, rcvbuf=rcvbuf)
                cid, r, _ = self.whoami(s, tls)
                if r == rank:
                    return s, cid
                held.append(s)
        finally:
            for s in held:
                s.close()
        raise AssertionError(f"no connection landed on worker {rank}")

    def connect(self, tls=False, timeout=5.0, src=None, rcvbuf=None):
        """A TCP or TLS (handshake done) stream to the server, from @src
        when given. @rcvbuf is set before connecting, so that the window
        is small from the start (shrinking it later makes the kernel drop
        segments and the sender back off for seconds)."""
        raw = socket.socket()
        raw.settimeout(timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if rcvbuf:
            small_rcvbuf(raw, rcvbuf)
        if src:
            raw.bind((src, 0))
        try:
            raw.connect(("127.0.0.1", self.tls_port if tls else self.port))
            if not tls:
                return raw
            s = tls_ctx().wrap_socket(raw, suppress_ragged_eofs=True)
            s.settimeout(timeout)
            return s
        except BaseException:
            raw.close()
            raise


_ctx = None


def tls_ctx():
    """One client context trusting the test CA (built once)."""
    global _ctx
    if _ctx is None:
        _ctx = tlsclient.py_context()
    return _ctx


# ---- socket deaths ---------------------------------------------------------

def rst_close(sock):
    """Close @sock with a reset (SO_LINGER 0) instead of a FIN."""
    raw = sock
    try:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                       struct.pack("ii", 1, 0))
    except OSError:
        pass
    raw.close()


def half_close(sock):
    """FIN our side of @sock's TCP connection, TLS or not, and keep
    reading (SSLSocket.shutdown would drop the TLS state). A plain close
    with replies unread would send a reset instead."""
    dup = socket.socket(fileno=os.dup(sock.fileno()))
    try:
        dup.shutdown(socket.SHUT_WR)
    finally:
        dup.close()


def small_rcvbuf(sock, n=4096):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, n)


def options_burst(n, port, transport="TCP", first_cseq=1, extra=""):
    """@n pipelined OPTIONS as one byte string."""
    return b"".join(sip_request("OPTIONS", transport, port=port,
                                cseq=first_cseq + i, extra=extra)
                    for i in range(n))


def fat_options_burst(n, port, transport="TCP", vias=60):
    """@n pipelined OPTIONS with @vias Via headers each: every reply
    copies them all, so it is as large as its request (about 6 KB), and
    a peer that never reads gets megabytes queued for it."""
    out = []
    for i in range(n):
        v = [f"Via: SIP/2.0/{transport} 127.0.0.{k % 250 + 1}:{5060 + k};"
             f"branch=z9hG4bK{sctest.rand_token(24)}" for k in range(vias)]
        out.append(sip_request("OPTIONS", transport, port=port, cseq=i + 1,
                               vias=v))
    return b"".join(out)


def drain(sock, timeout=10.0, quiet=None):
    """Everything @sock delivers until EOF, reset, @timeout, or @quiet
    seconds without data. Returns (bytes, how) with how in "eof",
    "reset", "timeout", "quiet"."""
    buf = b""
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            return buf, "timeout"
        sock.settimeout(min(left, quiet) if quiet else left)
        try:
            d = sock.recv(65536)
        except socket.timeout:
            return buf, "quiet" if quiet and left > quiet else "timeout"
        except (ConnectionResetError, BrokenPipeError):
            return buf, "reset"
        except ssl.SSLError:
            return buf, "reset"
        if not d:
            return buf, "eof"
        buf += d


# ---- control clients ---------------------------------------------------------

class Control(threading.Thread):
    """A client that keeps one connection (TCP or TLS) and sends OPTIONS
    on it, one at a time, until stopped; every request must get its
    200 within @timeout. Failures are kept with what went wrong."""

    def __init__(self, server, tls=False, rank=None, period=0.02,
                 timeout=5.0):
        super().__init__(daemon=True)
        self.server = server
        self.tls = tls
        self.period = period
        self.timeout = timeout
        self.ok = 0
        self.failures = []
        self.halt = threading.Event()
        if rank is None:
            self.sock = server.connect(tls)
            _, self.rank, self.pid = server.whoami(self.sock, tls)
        else:
            self.sock, _ = server.connect_on(rank, tls)
            self.rank = rank
            _, _, self.pid = server.whoami(self.sock, tls)
        self.port = server.tls_port if tls else server.port

    def run(self):
        cseq = 100
        buf = b""
        while not self.halt.is_set():
            cseq += 1
            try:
                self.sock.sendall(sip_request(
                    "OPTIONS", "TLS" if self.tls else "TCP",
                    port=self.port, cseq=cseq))
                raw, buf = read_message(self.sock, buf, self.timeout)
                r = SipReply(raw)
                if r.code != 200 or r.get("CSeq") != f"{cseq} OPTIONS":
                    self.failures.append(f"cseq {cseq}: {r.first}")
                else:
                    self.ok += 1
            except (OSError, ConnectionError, ssl.SSLError) as e:
                self.failures.append(f"cseq {cseq}: {e!r}")
                return
            self.halt.wait(self.period)

    def stop(self):
        self.halt.set()
        self.join(self.timeout + 2)
        try:
            self.sock.close()
        except OSError:
            pass

    def check(self, tc):
        name = "TLS" if self.tls else "TCP"
        tc.assertEqual(self.failures, [],
                       f"{name} control client (worker {self.rank}) lost "
                       f"answers after {self.ok} good ones")
        tc.assertGreater(self.ok, 0, f"{name} control client got nothing")


class Controls:
    """A TCP and a TLS control client on each worker of @ranks (default:
    every worker), so that whichever worker a test hurts, some control
    client shares it."""

    def __init__(self, server, ranks=None, tls=True):
        ranks = range(1, server.children + 1) if ranks is None else ranks
        self.clients = []
        for r in ranks:
            self.clients.append(Control(server, False, r))
            if tls:
                self.clients.append(Control(server, True, r))
        for c in self.clients:
            c.start()

    def pids(self):
        return {c.pid for c in self.clients}

    def stop_and_check(self, tc):
        for c in self.clients:
            c.stop()
        for c in self.clients:
            c.check(tc)


def quiet(fn, *args):
    """fn(*args), with the socket errors of a peer that is being cut off
    ignored."""
    try:
        return fn(*args)
    except (OSError, ConnectionError, ssl.SSLError):
        return None


def parallel(fn, items, threads=16):
    """Run fn(item) for every item on @threads threads; returns the list
    of exceptions raised (repr strings), which a chaos client expects."""
    items = list(items)
    lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with lock:
                if not items:
                    return
                it = items.pop()
            try:
                fn(it)
            except Exception as e:  # noqa: BLE001 - kept and reported
                with lock:
                    errors.append(f"{it!r}: {e!r}")

    ts = [threading.Thread(target=worker, daemon=True)
          for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return errors


def status_kib(pid, field):
    """A size field of /proc/PID/status (VmRSS, VmHWM, ...) in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss(pid):
    """Restart @pid's VmHWM (peak RSS) from its current RSS; returns the
    RSS in KiB. (Sampling the RSS instead misses a peak that is freed
    again between two samples.)"""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")
    return status_kib(pid, "VmRSS")


def pss_kib(pids):
    """The sum of the PSS of @pids in KiB (/proc/PID/smaps_rollup)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total





def client_hello():
    """The bytes of a real TLS ClientHello (Python's ssl, via memory
    BIOs), for clients that send part of one or dribble it."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = tls_ctx().wrap_bio(inc, out, server_side=False)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


main = sctest.main
