# SPDX-License-Identifier: GPL-2.0-or-later
"""TLS clients for the integration tests of tls_gnutls.

Three kinds of client:
  - gnutls-cli and openssl s_client run as subprocesses (ToolSession), with
    SIP requests piped into their stdin and the replies read back from their
    output, always under a deadline;
  - Python's ssl module (OpenSSL) for the cases that need fine control of
    the byte stream: record boundaries, close_notify, session objects.

A result (TlsResult) says whether the handshake completed, the negotiated
version ("TLS1.2", "TLS1.3", ...) and cipher, the peer certificate's
subject, whether the session was resumed, the SIP replies received, and
whether the peer closed the connection (the tool exited on its own).
"""
import atexit
import os
import re
import select
import ssl
import subprocess
import sys
import time

import sctest
from sctest import SipReply, read_message, sip_request

_live = set()


def _kill_leftovers():
    for p in list(_live):
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(_kill_leftovers)


def pki(name):
    """Path of a file of the test PKI."""
    return os.path.join(os.environ["SC_PKI"], name)


def need_pki(*names):
    """Exit 77 unless SC_PKI is set and holds @names."""
    d = os.environ.get("SC_PKI")
    if not d:
        print("SKIP: SC_PKI is not set", file=sys.stderr)
        sys.exit(sctest.SKIP)
    for n in names or ("ca.pem",):
        if not os.path.exists(os.path.join(d, n)):
            print(f"SKIP: {n} missing in SC_PKI", file=sys.stderr)
            sys.exit(sctest.SKIP)


def need_env():
    """The common preconditions of every TLS integration script."""
    for v in ("SIPCORE", "SC_MPATH"):
        if not os.environ.get(v):
            print(f"SKIP: {v} is not set", file=sys.stderr)
            sys.exit(sctest.SKIP)
    need_pki("ca.pem", "server-ecdsa.pem", "server-ecdsa.key")


_SIP_START = re.compile(rb"SIP/2\.0 \d{3} ")


def parse_replies(data):
    """Every complete SIP response found in a tool's output, in order."""
    out = []
    pos = 0
    while True:
        m = _SIP_START.search(data, pos)
        if not m:
            return out
        start = m.start()
        end = data.find(b"\r\n\r\n", start)
        if end < 0:
            return out
        head = data[start:end].decode("utf-8", "replace")
        cm = re.search(r"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
        total = end + 4 + (int(cm.group(1)) if cm else 0)
        if len(data) < total:
            return out
        out.append(SipReply(data[start:total]))
        pos = total


class TlsResult:
    """What one tool run showed."""

    def __init__(self, tool, output, rc, closed):
        self.tool = tool
        self.raw = output
        self.text = output.decode("utf-8", "replace")
        self.rc = rc
        self.closed = closed  # the tool ended before we closed its stdin
        self.replies = parse_replies(output)
        self.handshake = False
        self.resumed = False
        self.version = None
        self.cipher = None
        self.subject = None
        self.key_info = None
        if tool == "gnutls-cli":
            self._parse_gnutls()
        else:
            self._parse_openssl()

    def _parse_gnutls(self):
        t = self.text
        self.handshake = bool(re.search(
            r"^- (Resume )?Handshake was completed", t, re.M))
        self.resumed = "This is a resumed session" in t
        descs = re.findall(r"^- Description: (.*)$", t, re.M)
        if descs:
            # the last one: with --resume, the resumed connection's
            self.cipher = descs[-1].strip()
            m = re.match(r"\((TLS1\.\d|SSL3\.0)", self.cipher)
            self.version = m.group(1) if m else None
        m = re.search(r"^ - subject `([^']*)', issuer `[^']*', serial "
                      r"\S+, ([^,]+),", t, re.M)
        if m:
            self.subject = m.group(1)
            self.key_info = m.group(2)

    def _parse_openssl(self):
        t = self.text
        self.handshake = "CONNECTION ESTABLISHED" in t
        m = re.search(r"^Protocol version: TLSv(1(?:\.\d)?)$", t, re.M)
        if m:
            v = m.group(1)
            self.version = "TLS" + (v if "." in v else v + ".0")
        m = re.search(r"^Ciphersuite: (\S+)$", t, re.M)
        if m:
            self.cipher = m.group(1)
        m = re.search(r"^Peer certificate: (.*)$", t, re.M)
        if m:
            self.subject = m.group(1).strip()
        m = re.search(r"^Signature type: (.*)$", t, re.M)
        if m:
            self.key_info = m.group(1).strip()

    def codes(self):
        return [r.code for r in self.replies]

    def __repr__(self):
        tail = self.text[-1500:]
        return (f"<{self.tool} rc={self.rc} handshake={self.handshake} "
                f"version={self.version} cipher={self.cipher} "
                f"closed={self.closed} codes={self.codes()}>\n{tail}")


class ToolSession:
    """A TLS command-line client running against sipcore. The caller
    pipes data in with send(), waits for replies with wait_replies() and
    ends with finish(), which always reaps the process."""

    def __init__(self, tool, argv):
        self.tool = tool
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        _live.add(self.proc)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.out = b""
        self.eof = False
        self.stdin_open = True

    def send(self, data):
        if not self.stdin_open:
            return False
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, ValueError):
            return False

    def _pump(self, until):
        """Read output until @until (a time) or EOF; returns at once when
        something was read."""
        fd = self.proc.stdout.fileno()
        while not self.eof:
            left = until - time.time()
            if left <= 0:
                return
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self.eof = True
                return
            self.out += chunk
            return

    def wait_for(self, pred, timeout):
        """True when pred(output bytes) holds within @timeout; False
        after the timeout or when the tool ended without it."""
        deadline = time.time() + timeout
        while True:
            if pred(self.out):
                return True
            if self.eof or time.time() >= deadline:
                return False
            self._pump(deadline)

    def wait_replies(self, n, timeout=5.0):
        return self.wait_for(lambda b: len(parse_replies(b)) >= n, timeout)

    def wait_exit(self, timeout=5.0):
        """True when the tool ends by itself (its connection closed)."""
        deadline = time.time() + timeout
        while not self.eof and time.time() < deadline:
            self._pump(deadline)
        if not self.eof:
            return False
        try:
            self.proc.wait(max(0.1, deadline - time.time()))
            return True
        except subprocess.TimeoutExpired:
            return False

    def result(self):
        return TlsResult(self.tool, self.out, self.proc.returncode,
                         self.eof)

    def finish(self, timeout=3.0):
        """Close stdin (the tool closes its connection), reap the tool and
        return the result. Whether the tool had ended on its own before
        is in result.closed."""
        closed = self.eof
        if self.stdin_open:
            self.stdin_open = False
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        deadline = time.time() + timeout
        while not self.eof and time.time() < deadline:
            self._pump(deadline)
        try:
            self.proc.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        _live.discard(self.proc)
        r = self.result()
        r.closed = closed
        return r

    def kill(self):
        """Make sure the tool is gone and its pipes are closed."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        _live.discard(self.proc)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except (BrokenPipeError, OSError):
                pass


# ---- gnutls-cli --------------------------------------------------------

GNUTLS_VERSIONS = {
    "1.0": "NORMAL:-VERS-ALL:+VERS-TLS1.0",
    "1.1": "NORMAL:-VERS-ALL:+VERS-TLS1.1",
    "1.2": "NORMAL:-VERS-ALL:+VERS-TLS1.2",
    "1.3": "NORMAL:-VERS-ALL:+VERS-TLS1.3",
}


def gnutls_argv(port, host="127.0.0.1", ca="ca.pem", cert=None, key=None,
                priority=None, version=None, insecure=False, resume=False,
                sni=None, extra=()):
    """gnutls-cli's command line; file names are relative to SC_PKI unless
    absolute. @version ("1.2", ...) selects a priority unless @priority is
    given."""
    argv = ["gnutls-cli", "-p", str(port)]
    if ca and not insecure:
        argv += ["--x509cafile", pki(ca)]
    if insecure:
        argv += ["--insecure"]
    if cert:
        argv += ["--x509certfile", pki(cert), "--x509keyfile",
                 pki(key or cert.replace(".pem", ".key"))]
    if priority or version:
        argv += ["--priority", priority or GNUTLS_VERSIONS[version]]
    if resume:
        argv += ["--resume"]
    if sni:
        argv += ["--sni-hostname", sni]
    argv += list(extra)
    argv.append(host)
    return argv


def gnutls_session(port, **kw):
    return ToolSession("gnutls-cli", gnutls_argv(port, **kw))


# ---- openssl s_client --------------------------------------------------

OPENSSL_VERSIONS = {"1.0": "-tls1", "1.1": "-tls1_1", "1.2": "-tls1_2",
                    "1.3": "-tls1_3"}


def openssl_argv(port, host="127.0.0.1", ca="ca.pem", cert=None, key=None,
                 version=None, cipher=None, ciphersuites=None,
                 commands=False, sni=None, extra=()):
    """openssl s_client's command line (-brief: the connection summary on
    one screen). Without @commands, stdin lines are never taken as s_client
    commands (a SIP line starting with R would renegotiate)."""
    argv = ["openssl", "s_client", "-brief", "-connect", f"{host}:{port}"]
    if ca:
        argv += ["-CAfile", pki(ca)]
    if cert:
        argv += ["-cert", pki(cert), "-key",
                 pki(key or cert.replace(".pem", ".key"))]
    if version:
        argv.append(OPENSSL_VERSIONS[version])
    if cipher:
        argv += ["-cipher", cipher]
    if ciphersuites:
        argv += ["-ciphersuites", ciphersuites]
    if not commands:
        argv.append("-nocommands")
    if sni:
        argv += ["-servername", sni]
    else:
        argv.append("-noservername")
    argv += list(extra)
    return argv


def openssl_session(port, **kw):
    return ToolSession("openssl", openssl_argv(port, **kw))


def tool_session(tool, port, **kw):
    if tool == "gnutls-cli":
        return gnutls_session(port, **kw)
    return openssl_session(port, **kw)


def options(port, cseq=1, transport="TLS", extra=""):
    return sip_request("OPTIONS", transport, port=port, cseq=cseq,
                       extra=extra)


def ask(tool, port, requests=None, timeout=4.0, **kw):
    """One connection: send @requests (default one OPTIONS), wait for as
    many replies or for the tool to end, then close. Returns TlsResult."""
    if requests is None:
        requests = [options(port)]
    s = tool_session(tool, port, **kw)
    try:
        s.send(b"".join(requests))
        s.wait_replies(len(requests), timeout)
        return s.finish()
    finally:
        s.kill()


# ---- Python's ssl module (OpenSSL) ---------------------------------------

_PY_VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
                "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def py_context(ca="ca.pem", cert=None, key=None, version=None,
               ciphers=None, verify=True):
    """A client context trusting @ca (hostname not checked: the server is
    reached by address and its certificate names 127.0.0.1 anyway)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    if verify:
        ctx.load_verify_locations(pki(ca))
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(pki(cert), pki(key or cert.replace(".pem",
                                                               ".key")))
    if version:
        ctx.minimum_version = _PY_VERSIONS[version]
        ctx.maximum_version = _PY_VERSIONS[version]
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def py_connect(port, ctx=None, host="127.0.0.1", session=None,
               timeout=5.0, ragged_ok=False, sni=None):
    """A TLS connection with the handshake done. With ragged_ok=False an
    EOF without close_notify raises ssl.SSLEOFError instead of reading as
    b"", so a test can tell the two apart."""
    ctx = ctx or py_context()
    raw = sctest.tcp_connect(port, host, timeout)
    try:
        s = ctx.wrap_socket(raw, server_hostname=sni,
                            suppress_ragged_eofs=ragged_ok,
                            session=session)
    except BaseException:
        raw.close()
        raise
    s.settimeout(timeout)
    return s


def py_ask(sock, port, method="OPTIONS", cseq=1, extra="", body=b"",
           buf=b"", timeout=5.0):
    """Send one request over @sock and read one message back."""
    sock.sendall(sip_request(method, "TLS", port=port, cseq=cseq,
                             extra=extra, body=body))
    raw, rest = read_message(sock, buf, timeout=timeout)
    return SipReply(raw), rest


def whoami(sock, port, cseq=1):
    """(conn id, worker rank, pid) of this connection, by the sct hook."""
    r, rest = py_ask(sock, port, cseq=cseq, extra="X-Sct-Whoami: 1\r\n")
    if r.code != 200 or r.get("X-Conn-Id") is None:
        raise AssertionError("X-Sct-Whoami not answered: %r" % r.raw)
    return int(r.get("X-Conn-Id")), int(r.get("X-Worker")), \
        int(r.get("X-Pid"))


def via_params(via):
    """('SIP/2.0/TLS host:port', {param: value}) of one Via value."""
    parts = [p.strip() for p in via.split(";")]
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.lower()] = v
    return parts[0], params


def tls_basic_cfg(port, cert="server-ecdsa", extra="", sct=False):
    """listen=tls plus the module and a certificate in the seed's syntax."""
    return (f"listen=tls:127.0.0.1:{port}\n" +
            'loadmodule "tls_gnutls.so"\n' +
            ('loadmodule "sct.so"\n' if sct else "") +
            f'tls_certificate="{pki(cert + ".pem")}"\n'
            f'tls_private_key="{pki(cert + ".key")}"\n'
            f'tls_ca_list="{pki("ca.pem")}"\n' + extra)


def ports(n):
    """@n distinct free ports."""
    out = []
    while len(out) < n:
        p = sctest.free_port()
        if p not in out:
            out.append(p)
    return out

