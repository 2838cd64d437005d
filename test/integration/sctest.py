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


class Sipcore:
    """One sipcore process with its own config in a temporary directory."""

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

    def start(self, expect_fail=False, extra_args=(), timeout=15.0):
        binary = os.environ["SIPCORE"]
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "-D", "-E", "-f", self.cfg_path, "-P", self.pid_path,
             *extra_args],
            stdout=self.logf, stderr=subprocess.STDOUT)
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
                    raise RuntimeError("sipcore started but should not:\n"
                                       + self.log())
                return
            time.sleep(0.05)
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
        if os.environ.get("SC_KEEP_TMP"):
            return
        shutil.rmtree(self.dir, ignore_errors=True)


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
    return p.returncode, p.stdout + p.stderr, path


def main():
    """unittest main with a plain closing line and the skip convention."""
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    failed = len(r.failures) + len(r.errors)
    skipped = len(r.skipped)
    passed = r.testsRun - failed - skipped
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        sys.exit(1)
    if r.testsRun and skipped == r.testsRun:
        sys.exit(SKIP)
    sys.exit(0)
