# SPDX-License-Identifier: GPL-2.0-or-later
"""Integration test harness: run the real sipcore on loopback ports chosen
at run time and talk SIP to it over real sockets.

Environment (set by meson test):
  SIPCORE       path to the sipcore binary
  SC_MPATH      module search path (build tree dirs, colon-separated)
  SC_PKI        directory with the test PKI (certs/mkpki.sh output)
  SC_SRCDIR     source tree root
"""
import os
import random
import resource
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SKIP = 77


def need_tool(name):
    """Exit 77 (meson: skipped) when an external tool is absent."""
    if shutil.which(name) is None:
        print(f"SKIP: {name} not found", file=sys.stderr)
        sys.exit(SKIP)


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    """A port free for both TCP and UDP on @host right now."""
    for _ in range(200):
        port = random.randint(20000, 60000)
        ok = True
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(family, kind)
            try:
                s.bind((host, port))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return port
    raise RuntimeError("no free port")


def rand_token(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(n))


def sip_request(method="OPTIONS", transport="UDP", host="127.0.0.1",
                port=5060, body=b"", extra="", via_extra=";rport",
                cseq=1, call_id=None, vias=None):
    """A well-formed request as bytes."""
    call_id = call_id or rand_token() + "@test"
    via_lines = vias or [
        f"Via: SIP/2.0/{transport} {host}:{port};branch=z9hG4bK{rand_token()}"
        f"{via_extra}"]
    head = (f"{method} sip:{host}:{port} SIP/2.0\r\n" +
            "".join(v + "\r\n" for v in via_lines) +
            "Max-Forwards: 70\r\n"
            f"From: <sip:tester@{host}>;tag={rand_token(6)}\r\n"
            f"To: <sip:{host}:{port}>\r\n"
            f"Call-ID: {call_id}\r\n"
            f"CSeq: {cseq} {method}\r\n"
            + extra +
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class SipReply:
    def __init__(self, raw):
        self.raw = raw
        text = raw.decode("utf-8", "replace")
        head, _, self.body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0]
        m = re.match(r"SIP/2\.0 (\d{3}) (.*)", self.first)
        self.code = int(m.group(1)) if m else 0
        self.reason = m.group(2) if m else ""
        self.headers = []
        for l in lines[1:]:
            name, _, value = l.partition(":")
            self.headers.append((name.strip(), value.strip()))

    def get(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]


def read_message(sock, buf=b"", timeout=5.0):
    """Read one SIP message from a stream; returns (raw, rest)."""
    sock.settimeout(timeout)
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            head = buf[:end].decode("utf-8", "replace")
            m = re.search(r"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
            clen = int(m.group(1)) if m else 0
            total = end + 4 + clen
            if len(buf) >= total:
                return buf[:total], buf[total:]
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("peer closed (%d bytes pending)" % len(buf))
        buf += chunk


def udp_exchange(port, msg, host="127.0.0.1", timeout=3.0):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(msg, (host, port))
        data, _ = s.recvfrom(65536)
        return SipReply(data), s.getsockname()
    finally:
        s.close()


def tcp_connect(port, host="127.0.0.1", timeout=5.0):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def wait_closed(sock, timeout=5.0):
    """True when the peer closes @sock (EOF or reset) within @timeout."""
    sock.settimeout(timeout)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            d = sock.recv(65536)
            if not d:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def recv_exact(sock, n, timeout=5.0):
    """Exactly @n bytes from a stream, or ConnectionError on EOF."""
    sock.settimeout(timeout)
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed after %d of %d bytes" %
                                  (len(buf), n))
        buf += chunk
    return buf


def udp_silent(port, msg, host="127.0.0.1", timeout=1.0):
    """True when nothing answers @msg sent over UDP within @timeout."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(msg, (host, port))
        s.recvfrom(65536)
        return False
    except socket.timeout:
        return True
    except ConnectionRefusedError:
        return True
    finally:
        s.close()


def port_in_use(port, host="127.0.0.1"):
    """True when some process still holds a TCP listener or a UDP socket on
    @port. TCP binds with SO_REUSEADDR so that TIME_WAIT left by closed
    connections does not count, but a listener (even one with SO_REUSEADDR
    and SO_REUSEPORT) does; UDP binds plainly, so any socket there counts."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(fam, kind)
        try:
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            if kind == socket.SOCK_STREAM:
                s.listen(1)
        except OSError:
            return True
        finally:
            s.close()
    return False


def have_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return False
    try:
        s.bind(("::1", 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


def sct_connect(port, host="127.0.0.1", hello=b"SCT1", timeout=5.0):
    """A stream to an sct listener with the test handshake done."""
    s = tcp_connect(port, host, timeout)
    s.sendall(hello + b"\n")
    got = recv_exact(s, len(hello) + 4, timeout)
    if got != hello + b" OK\n":
        s.close()
        raise ConnectionError("bad sct greeting reply %r" % got)
    return s


def child_pids(ppid):
    """Pids whose parent is @ppid, read from /proc."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold blanks and parentheses
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == ppid and fields[0] != "Z":
            out.append(int(d))
    return out


def pids_with_arg(arg):
    """Live (non-zombie) processes whose command line contains @arg."""
    out = []
    needle = arg.encode()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read()
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        state = stat[stat.rfind(")") + 2:].split()[0]
        if needle in cmd.split(b"\0") and state != "Z":
            out.append(int(d))
    return out


def run_sipcore(cfg_text, args=("-D", "-E"), timeout=5.0):
    """Run sipcore -f on @cfg_text until it exits (killed after @timeout).
    Returns (rc, output, cfg_path, timed_out); the temp dir is removed."""
    d = tempfile.mkdtemp(prefix="sctest-")
    path = os.path.join(d, "sipcore.cfg")
    with open(path, "w") as f:
        f.write(cfg_text)
    p = subprocess.Popen([os.environ["SIPCORE"], *args, "-f", path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    timed_out = False
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        p.send_signal(signal.SIGTERM)
        try:
            out, _ = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
    shutil.rmtree(d, ignore_errors=True)
    text = out.decode("utf-8", "replace")
    report = sanitizer_report(text)
    if report:
        raise AssertionError("sanitizer report from sipcore:\n" + report)
    return p.returncode, text, path, timed_out


class Sipcore:
    """One sipcore process with its own config in a temporary directory."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __init__(self, cfg, children=2, log_level=3, check=False,
                 start=True, expect_fail=False, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="sctest-")
        self.cfg_path = os.path.join(self.dir, "sipcore.cfg")
        self.log_path = os.path.join(self.dir, "sipcore.log")
        self.pid_path = os.path.join(self.dir, "sipcore.pid")
        mpath = os.environ.get("SC_MPATH", "")
        text = (f'mpath="{mpath}"\nchildren={children}\n'
                f'log_level={log_level}\nlog_stderror=yes\n' + cfg)
        with open(self.cfg_path, "w") as f:
            f.write(text)
        self.proc = None
        self.rc = None
        if start:
            self.start(expect_fail=expect_fail, extra_args=extra_args)

    def write_file(self, name, data):
        path = os.path.join(self.dir, name)
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(path, mode) as f:
            f.write(data)
        return path

    def start(self, expect_fail=False, extra_args=(), timeout=15.0,
              nofile=None):
        """@nofile: the RLIMIT_NOFILE sipcore runs with."""
        binary = os.environ["SIPCORE"]
        self.logf = open(self.log_path, "wb")

        def limits():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(
            [binary, "-D", "-E", "-f", self.cfg_path, "-P", self.pid_path,
             *extra_args],
            stdout=self.logf, stderr=subprocess.STDOUT, preexec_fn=limits)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.rc = self.proc.returncode
                if expect_fail:
                    return
                raise RuntimeError("sipcore exited with %d:\n%s" %
                                   (self.rc, self.log()))
            if "sipcore started" in self.log():
                if expect_fail:
                    self.stop()
                    raise RuntimeError("sipcore started but should not:\n"
                                       + self.log())
                return
            time.sleep(0.05)
        # never leave a half-started tree behind a failed test
        self.stop()
        raise RuntimeError("sipcore did not start in time:\n" + self.log())

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.log())
            if m:
                return m
            time.sleep(0.05)
        return None

    def worker_pids(self):
        """Pids of the workers (children of the master)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid",
                              str(self.proc.pid)], capture_output=True,
                             text=True).stdout
        return [int(x) for x in out.split()]

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10.0):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rc = self.proc.wait()
        return self.rc

    def close(self):
        self.stop()
        try:
            self.logf.close()
        except AttributeError:
            pass
        report = sanitizer_report(self.log())
        if not os.environ.get("SC_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        if report:
            raise AssertionError("sanitizer report from sipcore:\n" + report)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:")


def sanitizer_report(text):
    """The part of @text from the first sanitizer report on, or ""."""
    idx = [text.find(m) for m in SANITIZER_MARKS if m in text]
    if not idx:
        return ""
    start = text.rfind("\n", 0, min(idx)) + 1
    return text[start:start + 4000]


def run_config_check(cfg_text, check_only=True):
    """Run sipcore on a config expected to fail; returns (rc, output)."""
    d = tempfile.mkdtemp(prefix="sctest-")
    path = os.path.join(d, "bad.cfg")
    with open(path, "w") as f:
        f.write(cfg_text)
    args = [os.environ["SIPCORE"], "-D", "-E", "-f", path]
    if check_only:
        args.insert(1, "-c")
    p = subprocess.run(args, capture_output=True, text=True, timeout=20)
    shutil.rmtree(d, ignore_errors=True)
    report = sanitizer_report(p.stdout + p.stderr)
    if report:
        raise AssertionError("sanitizer report from sipcore:\n" + report)
    return p.returncode, p.stdout + p.stderr, path


def main():
    """unittest main with a plain closing line and the skip convention."""
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result

    def ids(pairs):
        # a test with failing subTests counts once
        return {getattr(t, "test_case", t).id() for t, *_ in pairs}

    # an expectedFailure that passes means a bug got fixed: the marker
    # must go, so it counts as a failure
    failed_ids = ids(r.failures) | ids(r.errors) | \
        {t.id() for t in r.unexpectedSuccesses}
    skipped_ids = ids(r.skipped) - failed_ids
    failed = len(failed_ids)
    skipped = len(skipped_ids)
    xfail = len(ids(r.expectedFailures))
    passed = max(r.testsRun - failed - skipped - xfail, 0)
    print(f"{passed} passed, {failed} failed, {skipped} skipped, "
          f"{xfail} expected failures")
    if failed:
        sys.exit(1)
    if r.testsRun and skipped == r.testsRun:
        sys.exit(SKIP)
    sys.exit(0)
