# SPDX-License-Identifier: GPL-2.0-or-later
"""Slowloris and flood figures: silent and byte-dribbling connections held
against sipcore's TLS port while a legitimate client from another address
runs full TLS handshakes and an OPTIONS each.

    slowloris.py            short run (1,000 + 1,000 attackers, 20 s);
                            the stress suite runs this one
    slowloris.py --long     5,000 silent + 5,000 dribbling, 60 s
                            (also with SC_STRESS_LONG=1)

Every size can be set on the command line (--help). The tool starts its
own sipcore (the SIPCORE, SC_MPATH and SC_PKI of the test environment)
with the limits of stress.LIMITS["slowloris_short"] or ["slowloris_long"]
and RLIMIT_NOFILE raised to the hard limit, then:

 1. baseline: the legitimate client alone for --baseline seconds;
 2. the attack: --silent connections from 127.0.0.2 that send nothing and
    --dribble connections from 127.0.0.3 that send a real ClientHello one
    byte every --interval seconds (with --addrs K, each kind spreads over
    K addresses: 127.0.0.2 to K+1 and K+2 to 2K+1); each one the server closes is opened
    again (at most --rate connects a second, all attackers together);
 3. once they are all open (or after --ramp seconds), the legitimate
    client from 127.0.0.200 for --duration seconds, attack still running.

One legitimate attempt = TCP connect, TLS handshake with certificate
verification, OPTIONS, its 200 and close, each within 5 s. It prints the
figures and exits 0 when:
  - at least 99 % of the attempts succeed, both alone and under attack;
  - sipcore logs no more than LOG_RATE_MAX lines a second during the
    attack (at log_level=1: notices and above);
  - no sanitizer report and no worker death.
"""
import argparse
import collections
import errno
import selectors
import socket
import ssl
import sys
import threading
import time

import stress
from stress import SipReply, read_message, sip_request

LEGIT_ADDR = "127.0.0.200"


def attacker_addrs(kind, n):
    """The @n source addresses of one kind of attacker: silent ones from
    127.0.0.2 on, dribbling ones after them."""
    first = 2 if kind == "silent" else 2 + n
    return [f"127.0.0.{first + i}" for i in range(n)]

PASS_RATIO = 0.99
LOG_RATE_MAX = 20  # lines a second at log_level=1, on average

SHORT = dict(silent=1000, dribble=1000, duration=20, baseline=5,
             interval=2.0, rate=1000, ramp=15)
LONG = dict(silent=5000, dribble=5000, duration=60, baseline=10,
            interval=3.0, rate=2000, ramp=40)


class Attack(threading.Thread):
    """Holds the attacking connections in one thread (epoll): opens them,
    dribbles bytes into some, opens again what the server closes."""

    def __init__(self, port, silent, dribble, interval, rate, hello,
                 addrs=1):
        super().__init__(daemon=True)
        self.addrs = {k: attacker_addrs(k, addrs)
                      for k in ("silent", "dribble")}
        self.next_addr = 0
        self.port = port
        self.interval = interval
        self.rate = rate
        self.hello = hello
        self.sel = selectors.DefaultSelector()
        self.halt = threading.Event()
        # the kinds of the connections to (re)open, the two interleaved
        # so that both get their share of what the server accepts
        kinds = []
        for i in range(max(silent, dribble)):
            kinds += (["silent"] if i < silent else []) + \
                (["dribble"] if i < dribble else [])
        self.todo = collections.deque(kinds)
        self.socks = {}  # fd -> [sock, kind, state, sent]
        self.dribble_q = collections.deque()  # (when, fd)
        self.opened = 0
        self.closed_by_server = 0
        self.connect_errors = collections.Counter()
        self.lock = threading.Lock()

    def held(self):
        """Established attacking connections by kind."""
        with self.lock:
            c = collections.Counter(k for _, k, st, _ in self.socks.values()
                                    if st == "up")
        return c["silent"], c["dribble"]

    def _open(self, kind):
        s = socket.socket()
        s.setblocking(False)
        try:
            a = self.addrs[kind]
            self.next_addr += 1
            s.bind((a[self.next_addr % len(a)], 0))
            r = s.connect_ex(("127.0.0.1", self.port))
        except OSError as e:
            s.close()
            self.connect_errors[errno.errorcode.get(e.errno, "?")] += 1
            self.todo.append(kind)
            return False
        if r not in (0, errno.EINPROGRESS):
            s.close()
            self.connect_errors[errno.errorcode.get(r, "?")] += 1
            self.todo.append(kind)
            return False
        with self.lock:
            self.socks[s.fileno()] = [s, kind, "connecting", 0]
        self.sel.register(s, selectors.EVENT_WRITE)
        self.opened += 1
        return True

    def _lost(self, fd, by_server=True):
        with self.lock:
            s, kind, _, _ = self.socks.pop(fd)
        self.sel.unregister(s)
        s.close()
        if by_server:
            self.closed_by_server += 1
        self.todo.append(kind)

    def _event(self, key, mask):
        fd = key.fd
        ent = self.socks.get(fd)
        if ent is None:
            return
        s, kind, state, _ = ent
        if state == "connecting":
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.connect_errors[errno.errorcode.get(err, "?")] += 1
                self._lost(fd, by_server=False)
                return
            ent[2] = "up"
            self.sel.modify(s, selectors.EVENT_READ)
            if kind == "dribble":
                self.dribble_q.append((time.time() + self.interval, fd))
            return
        # readable: the server closed it or (never here) sent something
        try:
            d = s.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            d = b""
        if not d:
            self._lost(fd)

    def _dribble(self, now):
        while self.dribble_q and self.dribble_q[0][0] <= now:
            _, fd = self.dribble_q.popleft()
            ent = self.socks.get(fd)
            if ent is None or ent[2] != "up":
                continue
            s, _, _, sent = ent
            if sent < len(self.hello):
                try:
                    s.send(self.hello[sent:sent + 1])
                    ent[3] += 1
                except OSError:
                    self._lost(fd)
                    continue
            self.dribble_q.append((now + self.interval, fd))

    def run(self):
        budget = 0.0
        last = time.time()
        while not self.halt.is_set():
            now = time.time()
            budget = min(budget + (now - last) * self.rate, self.rate / 10)
            last = now
            while self.todo and budget >= 1:
                budget -= 1
                self._open(self.todo.popleft())
            for key, mask in self.sel.select(0.01):
                self._event(key, mask)
            self._dribble(time.time())

    def stop(self):
        self.halt.set()
        self.join(10)
        with self.lock:
            socks = [e[0] for e in self.socks.values()]
            self.socks.clear()
        for s in socks:
            s.close()
        self.sel.close()


class Legit:
    """The legitimate client: full TLS handshakes + OPTIONS, one after the
    other, from LEGIT_ADDR."""

    def __init__(self, port):
        self.port = port
        self.ctx = stress.tls_ctx()

    def attempt(self):
        """None on success, else what went wrong."""
        raw = socket.socket()
        raw.settimeout(5.0)
        # the handshake's last flight and the request are two writes
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            raw.bind((LEGIT_ADDR, 0))
            raw.connect(("127.0.0.1", self.port))
            s = self.ctx.wrap_socket(raw, suppress_ragged_eofs=False)
        except socket.timeout:
            raw.close()
            return "timeout in connect or handshake"
        except ssl.SSLError as e:
            raw.close()
            return f"handshake: {e.reason or e.__class__.__name__}"
        except OSError as e:
            raw.close()
            return f"connect/handshake: {e.__class__.__name__}"
        try:
            s.sendall(sip_request("OPTIONS", "TLS", port=self.port))
            reply, _ = read_message(s, timeout=5.0)
            code = SipReply(reply).code
            return None if code == 200 else f"reply {code}"
        except socket.timeout:
            return "timeout waiting for the reply"
        except (OSError, ConnectionError, ssl.SSLError) as e:
            return f"after handshake: {e.__class__.__name__}"
        finally:
            s.close()

    def run(self, seconds):
        """(attempts, successes, Counter of failures)."""
        fails = collections.Counter()
        n = ok = 0
        end = time.time() + seconds
        while time.time() < end:
            n += 1
            why = self.attempt()
            if why is None:
                ok += 1
            else:
                fails[why] += 1
        return n, ok, fails


def pct(ok, n):
    return 100.0 * ok / n if n else 0.0


def run(opts):
    """Run the whole measurement; returns (passed, figures dict)."""
    stress.need_env()
    nofile = stress.raise_nofile()
    need = opts.silent + opts.dribble + 200
    if nofile < need:
        print(f"SKIP: RLIMIT_NOFILE {nofile} < {need}", file=sys.stderr)
        sys.exit(stress.sctest.SKIP)
    limits = stress.LIMITS["slowloris_long" if opts.long
                           else "slowloris_short"]
    sv = stress.Server(children=opts.children, limits=limits, log_level=1,
                       nofile=nofile)
    fig = {"limits": limits, "missing": sv.missing}
    attack = None
    try:
        legit = Legit(sv.tls_port)
        fig["baseline"] = legit.run(opts.baseline)
        attack = Attack(sv.tls_port, opts.silent, opts.dribble,
                        opts.interval, opts.rate, stress.client_hello(),
                        opts.addrs)
        log0 = len(sv.log().splitlines())
        t0 = time.time()
        attack.start()
        while time.time() - t0 < opts.ramp:
            if attack.opened >= opts.silent + opts.dribble:
                break
            time.sleep(0.2)
        time.sleep(1)
        fig["held_start"] = attack.held()
        fig["attack"] = legit.run(opts.duration)
        fig["held_end"] = attack.held()
        fig["attack_seconds"] = time.time() - t0
        fig["log_lines"] = len(sv.log().splitlines()) - log0
        fig["reopened"] = attack.closed_by_server
        fig["connect_errors"] = dict(attack.connect_errors)
    finally:
        if attack:
            attack.stop()
        time.sleep(0.5)
        fig["sanitizer"] = sv.sanitizer()
        fig["deaths"] = sv.deaths()
        try:
            sv.close()
        except AssertionError:
            pass
    return fig


def report(opts, fig):
    b_n, b_ok, b_f = fig["baseline"]
    a_n, a_ok, a_f = fig["attack"]
    rate = fig["log_lines"] / max(fig["attack_seconds"], 1)
    def span(kind):
        a = attacker_addrs(kind, opts.addrs)
        return a[0] if len(a) == 1 else f"{a[0]}-{a[-1].split('.')[-1]}"
    print(f"slowloris: {opts.silent} silent from {span('silent')}, "
          f"{opts.dribble} dribbling 1 byte / {opts.interval:g} s from "
          f"{span('dribble')}; legitimate client from {LEGIT_ADDR}")
    print("limits: " + ", ".join(f"{k}={v}" for k, v in
                                 fig["limits"].items()
                                 if k not in fig["missing"]))
    if fig["missing"]:
        print("not known to this sipcore (left out): " +
              ", ".join(fig["missing"]))
    print(f"baseline, no attack ({opts.baseline} s): {b_ok}/{b_n} ok "
          f"({pct(b_ok, b_n):.2f} %)" + (f" failures {dict(b_f)}"
                                        if b_f else ""))
    print(f"under attack ({opts.duration} s): {a_ok}/{a_n} ok "
          f"({pct(a_ok, a_n):.2f} %)" + (f" failures {dict(a_f)}"
                                        if a_f else ""))
    print(f"attackers held (silent, dribbling): at start "
          f"{fig['held_start']}, at end {fig['held_end']}; closed by the "
          f"server and reopened: {fig['reopened']}; connect errors: "
          f"{fig['connect_errors'] or 'none'}")
    print(f"sipcore log during the attack: {fig['log_lines']} lines "
          f"({rate:.1f}/s, at most {LOG_RATE_MAX}/s allowed)")
    bad = []
    if pct(b_ok, b_n) < PASS_RATIO * 100 or not b_n:
        bad.append("baseline below 99 %")
    if pct(a_ok, a_n) < PASS_RATIO * 100 or not a_n:
        bad.append("under attack below 99 %")
    if rate > LOG_RATE_MAX:
        bad.append("log flood")
    if fig["deaths"]:
        bad.append(f"worker deaths {fig['deaths']}")
    if fig["sanitizer"]:
        print(fig["sanitizer"])
        bad.append("sanitizer report")
    print("result: " + ("PASS" if not bad else "FAIL (" + "; ".join(bad) +
                        ")"))
    return not bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--long", action="store_true",
                    default=stress.LONG, help="the long run")
    ap.add_argument("--silent", type=int)
    ap.add_argument("--dribble", type=int)
    ap.add_argument("--duration", type=int, help="seconds under attack")
    ap.add_argument("--baseline", type=int, help="seconds without attack")
    ap.add_argument("--interval", type=float,
                    help="seconds between two bytes of a dribbler")
    ap.add_argument("--rate", type=int, help="attacker connects a second")
    ap.add_argument("--ramp", type=int,
                    help="seconds to wait for all attackers to be open")
    ap.add_argument("--addrs", type=int, default=1,
                    help="source addresses per kind of attacker (1-90)")
    ap.add_argument("--children", type=int, default=2)
    opts = ap.parse_args()
    if not 1 <= opts.addrs <= 90:
        ap.error("--addrs: expected 1 to 90")
    for k, v in (LONG if opts.long else SHORT).items():
        if getattr(opts, k) is None:
            setattr(opts, k, v)
    fig = run(opts)
    sys.exit(0 if report(opts, fig) else 1)


if __name__ == "__main__":
    main()
