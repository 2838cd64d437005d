# SPDX-License-Identifier: GPL-2.0-or-later
"""sipcore as a TLS edge in front of real components, end to end.

- Kamailio from Debian as the registrar behind sipcore (sl, tm, rr,
  registrar, usrloc in memory, path, maxfwd), on 127.0.0.2 so that
  sipcore's forward_from default tells it apart from the clients on
  127.0.0.1; reached over UDP, over TCP, and over TLS on ::1 (verified
  both ways).
- Two TLS user agents register through sipcore: the tests' own (Python's
  ssl module) and baresip from Debian, run headless with its own config
  directory and controlled through its ctrl_tcp module. One calls the
  other (INVITE, 180, 200, ACK, BYE and its 200), each leg on the UA's own
  TLS connection, on different workers of four; a ringing call is
  cancelled. A MESSAGE goes from one to the other; one for a client
  whose connection closed gets 430 through Kamailio. The contact
  Kamailio stores carries sipcore's Path (kamcmd ul.dump over
  Kamailio's ctl socket).
- Kamailio's TLS listener as sipcore's next hop (forward_to="tls:..."),
  with sipcore verifying it: accepted when its certificate names the
  address, refused when it does not; client certificates both ways.
  Kamailio as a TLS client of sipcore, relayed on to a UDP responder.

Every process a test starts is stopped by its PID (and Kamailio's and
baresip's process groups, for their forked children)."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import sctest
import tlsclient as tc
from sctest import SipReply, read_message
from sipserver import SipServer, headers, hall, hget
from test_tls_kamailio import kamailio_moddir

KAM_MODS = ("tm", "sl", "rr", "pv", "maxfwd", "usrloc", "registrar", "path",
            "textops", "siputils", "ctl", "xlog")


def kam_moddir_full():
    d = kamailio_moddir()
    if d and all(os.path.exists(os.path.join(d, m + ".so"))
                 for m in KAM_MODS):
        return d
    return None


# ---- Kamailio: the registrar behind the edge -----------------------------

KAM_REG_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=1
auto_aliases=no
dns=no
rev_dns=no
{listen}
mpath="{moddir}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "path.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "ctl.so"
{tls}
modparam("ctl", "binrpc", "unix:{ctl}")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "use_path", 1)
modparam("registrar", "path_mode", 0)
modparam("tm", "fr_timer", 5000)
modparam("tm", "fr_inv_timer", 20000)

request_route {{
	if ($rm == "OPTIONS" && $hdr(X-Sctest-Ping) != $null) {{
		sl_send_reply("200", "Kamailio ready");
		exit;
	}}
	if (!mf_process_maxfwd_header("10")) {{
		sl_send_reply("483", "Too Many Hops");
		exit;
	}}
	if (has_totag()) {{
		if (loose_route()) {{
			xlog("L_NOTICE", "kam: in-dialog $rm via loose_route "
			     "du=$du ru=$ru\\n");
			t_relay();
			exit;
		}}
		if ($rm == "ACK") {{
			if (t_check_trans())
				t_relay();
			exit;
		}}
		xlog("L_NOTICE", "kam: in-dialog $rm without our Route: 404\\n");
		sl_send_reply("404", "Not here");
		exit;
	}}
	if ($rm == "CANCEL") {{
		if (t_check_trans())
			t_relay();
		exit;
	}}
	if ($rm == "REGISTER") {{
		if (!save("location"))
			sl_reply_error();
		exit;
	}}
	if (is_method("INVITE|SUBSCRIBE"))
		record_route();
	if (!lookup("location")) {{
		sl_send_reply("404", "Not Found");
		exit;
	}}
	append_hf("X-Kam-Du: $du\\r\\n");
	xlog("L_NOTICE", "kam: $rm for $tU to ru=$ru du=$du\\n");
	if (!t_relay())
		sl_reply_error();
	exit;
}}
"""

KAM_SRV_TLS = """[server:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
certificate = {pki}/{cert}.pem
private_key = {pki}/{cert}.key
ca_list = {pki}/ca.pem

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = {pki}/ca.pem
"""


class Kamailio:
    """One Kamailio process with its own config in a temporary directory,
    stopped by its PID (its process group, for the workers it forks)."""

    def __init__(self, cfg_fmt, ready_port, ready_host="127.0.0.2", **kw):
        self.dir = tempfile.mkdtemp(prefix="sctest-kam-")
        self.ctl = os.path.join(self.dir, "ctl.sock")
        self.cfg = os.path.join(self.dir, "kamailio.cfg")
        with open(self.cfg, "w") as f:
            f.write(cfg_fmt.format(moddir=kam_moddir_full(), ctl=self.ctl,
                                   **kw))
        for sub in ("run", "work"):
            os.mkdir(os.path.join(self.dir, sub))
        self.log_path = os.path.join(self.dir, "kamailio.log")
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["kamailio", "-DD", "-E", "-f", self.cfg,
             "-Y", os.path.join(self.dir, "run"),
             "-w", os.path.join(self.dir, "work"), "-m", "64", "-M", "8"],
            stdout=self.logf, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            self.wait_ready(ready_host, ready_port)
        except BaseException:
            self.close()
            raise

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_ready(self, host, port, timeout=15.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kamailio exited with %d:\n%s" %
                                   (self.proc.returncode, self.log()[-4000:]))
            ping = sctest.sip_request(
                "OPTIONS", host=f"[{host}]" if ":" in host else host,
                port=port, extra="X-Sctest-Ping: 1\r\n")
            try:
                r, _ = sctest.udp_exchange(port, ping, host=host,
                                           timeout=0.3)
                if r.code == 200:
                    return
            except (socket.timeout, ConnectionRefusedError):
                pass
        raise RuntimeError("kamailio not ready:\n" + self.log()[-4000:])

    def ul_dump(self):
        """The location table, as Kamailio's own RPC reports it."""
        p = subprocess.run(["kamcmd", "-s", "unix:" + self.ctl, "ul.dump"],
                           capture_output=True, text=True, timeout=10)
        return p.stdout + p.stderr

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            # workers that outlived their main process
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.logf.close()
        if not os.environ.get("SC_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# ---- baresip: a Debian user agent, headless ------------------------------

BARESIP_CFG = """poll_method		epoll
sip_listen		127.0.0.1:{sip}
sip_cafile		{pki}/ca.pem
{cert}
net_interface		127.0.0.1
audio_player		aubridge,sctest
audio_source		aubridge,sctest
audio_alert		aubridge,sctest
module_path		/usr/lib/baresip/modules
module			g711.so
module			aubridge.so
module			ctrl_tcp.so
module_tmp		account.so
module_app		menu.so
module_app		contact.so
ctrl_tcp_listen		127.0.0.1:{ctrl}
"""


class Baresip:
    """baresip with its own config directory (-f), an account that
    registers over TLS through sipcore, its SIP trace (-s) in its log,
    commands and events over ctrl_tcp (netstring-framed JSON)."""

    def __init__(self, user, edge_tls, peer_uri, cert=None):
        self.user = user
        self.dir = tempfile.mkdtemp(prefix="sctest-baresip-")
        while True:
            self.sip, self.ctrl = tc.ports(2)
            # baresip also listens on sip+1 for TLS
            if not sctest.port_in_use(self.sip + 1):
                break
        pki = os.environ["SC_PKI"]
        certline = (f"sip_certificate\t\t{self.dir}/cert.pem"
                    if cert else "")
        if cert:
            with open(os.path.join(self.dir, "cert.pem"), "w") as f:
                for part in (cert + ".pem", cert + ".key"):
                    with open(os.path.join(pki, part)) as g:
                        f.write(g.read())
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(BARESIP_CFG.format(sip=self.sip, ctrl=self.ctrl,
                                       pki=pki, cert=certline))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(f"<sip:{user}@example.com;transport=tls>;"
                    f'outbound="sip:127.0.0.1:{edge_tls};transport=tls";'
                    "regint=600;answermode=manual\n")
        with open(os.path.join(self.dir, "contacts"), "w") as f:
            f.write(f'"peer" <{peer_uri}>\n')
        self.log_path = os.path.join(self.dir, "baresip.log")
        self.logf = open(self.log_path, "wb")
        self.events = []
        self.responses = []
        self.lock = threading.Lock()
        self.sock = None
        self.proc = subprocess.Popen(
            ["baresip", "-s", "-f", self.dir], stdin=subprocess.DEVNULL,
            stdout=self.logf, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            self._connect()
        except BaseException:
            self.close()
            raise
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _connect(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("baresip exited with %d:\n%s" %
                                   (self.proc.returncode, self.log()))
            try:
                self.sock = socket.create_connection(
                    ("127.0.0.1", self.ctrl), timeout=1.0)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("baresip's ctrl_tcp not up:\n" + self.log())

    def _read(self):
        buf = b""
        self.sock.settimeout(0.2)
        while True:
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not d:
                return
            buf += d
            while True:
                m = re.match(rb"(\d+):", buf)
                if not m or len(buf) < m.end() + int(m.group(1)) + 1:
                    break
                n = int(m.group(1))
                body = buf[m.end():m.end() + n]
                buf = buf[m.end() + n + 1:]
                try:
                    j = json.loads(body)
                except ValueError:
                    continue
                with self.lock:
                    (self.events if j.get("event") else
                     self.responses).append(j)

    def cmd(self, command, params="", timeout=5.0):
        token = sctest.rand_token()
        body = json.dumps({"command": command, "params": params,
                           "token": token}).encode()
        self.sock.sendall(str(len(body)).encode() + b":" + body + b",")
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for r in self.responses:
                    if r.get("token") == token:
                        return r
            time.sleep(0.02)
        raise AssertionError(f"baresip: no answer to {command}:\n" +
                             self.log()[-3000:])

    def wait_event(self, etype, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for e in self.events:
                    if e.get("type") == etype:
                        return e
            time.sleep(0.05)
        return None

    def wait_registered(self, timeout=10.0):
        """True once baresip reports its binding (its REGISTER_OK event,
        or its own status line when the event came before our control
        connection did)."""
        pat = re.compile(r"%s@example\.com: \{\d+/TLS/v4\} 200 OK" %
                         re.escape(self.user))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.wait_event("REGISTER_OK", 0.05) or \
                    pat.search(self.log()):
                return True
            time.sleep(0.05)
        return False

    def event_types(self):
        with self.lock:
            return [e.get("type") for e in self.events]

    def trace(self):
        """The SIP messages of baresip's trace (-s): a list of
        (source port, destination port, message text)."""
        return [(int(a), int(b), m.replace("\r\n", "\n")) for a, b, m in
                re.findall(r"TLS 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:(\d+)"
                           r"\n(.*?)\x1b\[;m", self.log(), re.S)]

    def received(self, pred, src):
        """The messages baresip received from port @src that pred(text)
        accepts."""
        return [m for a, b, m in self.trace() if a == src and pred(m)]

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def close(self):
        if self.sock:
            self.sock.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.logf.close()
        if not os.environ.get("SC_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)


# ---- the tests' own TLS user agent ----------------------------------------

SDP = (b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
       b"t=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


class PyUA:
    """A user agent on one TLS connection to sipcore: every message that
    arrives is kept, in order."""

    def __init__(self, user, edge_tls, ctx=None):
        self.user = user
        self.edge = edge_tls
        self.sock = tc.py_connect(edge_tls, ctx=ctx)
        self.lport = self.sock.getsockname()[1]
        self.host = f"127.0.0.1:{self.lport}"
        self.contact = f"<sip:{user}@{self.host};transport=tls;ob>"
        self.buf = b""
        self.got = []
        self.tag = "u" + sctest.rand_token(6)

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else
                          data.encode())

    def wait(self, pred, timeout=8.0):
        """The first message received (now or before) for which
        pred(raw) holds; None after the timeout."""
        for raw in self.got:
            if pred(raw):
                self.got.remove(raw)
                return raw
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                raw, self.buf = read_message(
                    self.sock, self.buf,
                    timeout=max(0.05, deadline - time.time()))
            except (socket.timeout, TimeoutError):
                return None
            if pred(raw):
                return raw
            self.got.append(raw)
        return None

    def wait_reply(self, cid, code, method, timeout=8.0):
        return self.wait(lambda d: d.startswith(f"SIP/2.0 {code} ".encode())
                         and f"Call-ID: {cid}\r\n".encode() in d and
                         f" {method}\r\n".encode() in d, timeout)

    def wait_request(self, method, timeout=8.0, cid=None):
        return self.wait(lambda d: d.startswith(f"{method} ".encode()) and
                         (cid is None or
                          f"Call-ID: {cid}\r\n".encode() in d), timeout)

    def via(self):
        return (f"Via: SIP/2.0/TLS {self.host};branch=z9hG4bK"
                f"{sctest.rand_token()};rport\r\n")

    def request(self, method, ruri, to, cid, cseq, extra="", body=b"",
                to_tag=None, routes=()):
        ctype = ("Content-Type: application/sdp\r\n" if body and
                 method == "INVITE" else
                 "Content-Type: text/plain\r\n" if body else "")
        return (f"{method} {ruri} SIP/2.0\r\n" + self.via() +
                "".join(f"Route: {r}\r\n" for r in routes) +
                "Max-Forwards: 70\r\n"
                f"From: <sip:{self.user}@example.com>;tag={self.tag}\r\n"
                f"To: <{to}>" + (f";tag={to_tag}" if to_tag else "") +
                f"\r\nCall-ID: {cid}\r\nCSeq: {cseq} {method}\r\n"
                f"Contact: {self.contact}\r\n" + extra + ctype +
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def register(self):
        cid = sctest.rand_token() + "@py"
        self.send(self.request("REGISTER", "sip:example.com",
                               f"sip:{self.user}@example.com", cid, 1,
                               extra="Expires: 600\r\n"))
        return self.wait_reply(cid, 200, "REGISTER")

    def answer(self, req, code, reason, to_tag, extra="", body=b""):
        """A response to @req, sent on our connection."""
        _, hs = headers(req)
        lines = [f"SIP/2.0 {code} {reason}"]
        for n, v in hs:
            ln = n.lower()
            if ln in ("via", "v", "record-route", "from", "f", "call-id",
                      "i", "cseq"):
                lines.append(f"{n}: {v}")
            elif ln in ("to", "t"):
                lines.append(f"{n}: {v}" + ("" if "tag=" in v or
                                             not to_tag else
                                             f";tag={to_tag}"))
        if code >= 180 and code < 300:
            lines.append(f"Contact: {self.contact}")
        if body:
            lines.append("Content-Type: application/sdp")
        out = ("\r\n".join(lines) + "\r\n" + extra +
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        self.send(out)


def route_set(reply_raw, reverse):
    _, hs = headers(reply_raw)
    rr = hall(hs, "Record-Route")
    return list(reversed(rr)) if reverse else rr


def uri_of(nameaddr):
    m = re.search(r"<([^>]+)>", nameaddr)
    return m.group(1) if m else nameaddr.split(";")[0]


def worker_of(log, lport):
    """The pid of the sipcore worker that accepted the TLS connection
    from 127.0.0.1:@lport (its "accepted on" line at log_level 3)."""
    m = re.search(r"sipcore\[(\d+)\][^\n]*conn (\d+) tls:127\.0\.0\.1:%d: "
                  r"accepted on" % lport, log)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def tls_accepts(log):
    """(pid, conn id, peer port) of every accepted TLS connection."""
    return [(int(p), int(c), int(port)) for p, c, port in re.findall(
        r"sipcore\[(\d+)\][^\n]*conn (\d+) tls:127\.0\.0\.1:(\d+): "
        r"accepted on", log)]


# ---- 1 and 2: the registrar behind, two user agents -----------------------

class Registrar(unittest.TestCase):
    """Kamailio as the registrar behind sipcore over UDP."""
    transport = "udp"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sctest-edge-")
        try:
            cls.kam = cls.start_kamailio()
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise
        cls.udp, cls.tls = tc.ports(2)
        cfg = (f"listen=udp:127.0.0.1:{cls.udp}\n"
               f"listen=tcp:127.0.0.1:{cls.udp}\n" +
               tc.tls_basic_cfg(cls.tls) + cls.edge_cfg())
        try:
            cls.sc = sctest.Sipcore(cfg, children=4, log_level=3)
        except BaseException:
            cls.kam.close()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def start_kamailio(cls):
        cls.kport = sctest.free_port(host="127.0.0.2")
        cls.kam_hop = f"127.0.0.2:{cls.kport}"
        return Kamailio(KAM_REG_CFG, cls.kport, tls="",
                        listen=f"listen=udp:127.0.0.2:{cls.kport}\n"
                        f"listen=tcp:127.0.0.2:{cls.kport}")

    @classmethod
    def edge_cfg(cls):
        fwd = f'forward_to="{cls.transport}:127.0.0.2:{cls.kport}"\n'
        if cls.transport != "udp":
            fwd += 'forward_from="127.0.0.2"\n'
        return fwd

    @classmethod
    def tearDownClass(cls):
        try:
            cls.sc.close()
        finally:
            cls.kam.close()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.uas = []
        self.bs = []

    def tearDown(self):
        if self._failed():
            sys.stderr.write("---- sipcore log (tail)\n" +
                             self.sc.log()[-6000:] +
                             "\n---- kamailio log (tail)\n" +
                             self.kam.log()[-4000:] + "\n")
            for b in self.bs:
                sys.stderr.write("---- baresip log (tail)\n" +
                                 b.log()[-8000:] + "\n")
        for u in self.uas:
            u.close()
        for b in self.bs:
            b.close()

    def _failed(self):
        """Did this test fail so far (its logs are then worth showing)?"""
        res = getattr(getattr(self, "_outcome", None), "result", None)
        if res is None:
            return False
        return any(t is self for t, _ in res.errors + res.failures)

    def py_ua(self, user, avoid_pid=None):
        """A registered Python UA; with @avoid_pid, on a connection that
        a worker other than @avoid_pid accepted (SO_REUSEPORT spreads
        connections by their addresses: try a few)."""
        for _ in range(40):
            ua = PyUA(user, self.tls)
            pid = None
            deadline = time.time() + 5
            while pid is None and time.time() < deadline:
                pid, _ = worker_of(self.sc.log(), ua.lport)
                time.sleep(0.02)
            if avoid_pid is None or (pid and pid != avoid_pid):
                self.uas.append(ua)
                ua.pid = pid
                r = ua.register()
                self.assertIsNotNone(r, f"{user}: no 200 to REGISTER")
                return ua
            ua.close()
        self.fail("every connection landed on worker %d" % avoid_pid)

    def baresip(self, user, peer_uri, cert=None):
        before = {c for _, c, _ in tls_accepts(self.sc.log())}
        b = Baresip(user, self.tls, peer_uri, cert=cert)
        self.bs.append(b)
        self.assertTrue(b.wait_registered(10), "baresip did not "
                        "register:\n" + b.log()[-3000:])
        new = [(p, c, port) for p, c, port in tls_accepts(self.sc.log())
               if c not in before]
        self.assertEqual(len(new), 1, new)
        b.pid, b.conn, b.port = new[0]
        return b

    def ul_contact(self, user, timeout=3.0):
        deadline = time.time() + timeout
        while True:
            dump = self.kam.ul_dump()
            if f"AoR: {user}" in dump or time.time() > deadline:
                return dump
            time.sleep(0.1)

    def path_re(self):
        proto = "" if self.transport == "udp" else \
            ";transport=" + self.transport
        return (r"<sip:[a-z2-7]{40,}@127\.0\.0\.1:%d%s;lr;ob>" %
                (self.udp, re.escape(proto)))

    # -- the tests --------------------------------------------------------

    def test_register_stores_our_path(self):
        """Both UAs' bindings in Kamailio's location table carry the Path
        sipcore added, with a flow token and sipcore's inside address."""
        alice = self.py_ua("alice")
        bob = self.baresip("bob", "sip:alice@example.com")
        self.assertIsNotNone(bob)
        for user in ("alice", "bob"):
            dump = self.ul_contact(user)
            self.assertIn(f"AoR: {user}", dump, dump)
            block = dump[dump.index(f"AoR: {user}"):]
            m = re.search(r"Path: (\S+)", block)
            self.assertIsNotNone(m, block[:2000])
            self.assertRegex(m.group(1), "^" + self.path_re() + "$")
        self.assertIn(f"127.0.0.1:{alice.lport};transport=tls", dump)

    def test_python_calls_baresip(self):
        """alice (Python) calls bob (baresip): INVITE, 180, 200, ACK,
        BYE, 200, each on the UA's own TLS connection, the two
        connections on different workers."""
        bob = self.baresip("bob", "sip:alice@example.com")
        alice = self.py_ua("alice", avoid_pid=bob.pid)
        self.assertNotEqual(alice.pid, bob.pid)
        cid = sctest.rand_token() + "@py"
        alice.send(alice.request("INVITE", "sip:bob@example.com",
                                 "sip:bob@example.com", cid, 1, body=SDP))
        ring = alice.wait_reply(cid, 180, "INVITE")
        self.assertIsNotNone(ring, "no 180 from baresip")
        inc = bob.wait_event("CALL_INCOMING", 5)
        self.assertIsNotNone(inc, bob.event_types())
        r = bob.cmd("accept")
        self.assertTrue(r.get("ok"), r)
        ok = alice.wait_reply(cid, 200, "INVITE")
        self.assertIsNotNone(ok, "no 200 from baresip")
        _, hs = headers(ok)
        to_tag = re.search(r"tag=([^;>\s]+)", hget(hs, "To")).group(1)
        rset = route_set(ok, reverse=True)
        # ours twice on each side and Kamailio's between (RFC 5658)
        self.assertEqual(len(rset), 5, rset)
        self.assertRegex(rset[0], r"^<sip:[a-z2-7]{40,}@127\.0\.0\.1:%d;"
                         r"transport=tls;lr;ob>$" % self.tls)
        self.assertIn(self.kam_hop, rset[2])
        self.assertEqual(len(hall(hs, "Via")), 1, hall(hs, "Via"))
        target = uri_of(hget(hs, "Contact"))
        alice.send(alice.request("ACK", target, "sip:bob@example.com", cid,
                                 1, to_tag=to_tag, routes=rset))
        # RFC 5626 5.3 / RFC 5658: alice's Route starts with the entry
        # that carries her own flow; the ACK must go on inward, never
        # back onto the flow it arrived on
        back = alice.wait_request("ACK", timeout=2.0, cid=cid)
        self.assertIsNone(back, "alice's own ACK came back to her on her "
                          "connection instead of going to Kamailio")
        est = bob.wait_event("CALL_ESTABLISHED", 8)
        self.assertIsNotNone(est, "baresip never saw the ACK: %s" %
                             bob.event_types())
        alice.send(alice.request("BYE", target, "sip:bob@example.com", cid,
                                 2, to_tag=to_tag, routes=rset))
        bye_ok = alice.wait_reply(cid, 200, "BYE")
        self.assertIsNotNone(bye_ok, "no 200 to BYE; alice got: %r" %
                             alice.got)
        self.assertIsNotNone(bob.wait_event("CALL_CLOSED", 5))
        self.check_legs(alice, bob, cid)

    def test_baresip_calls_python(self):
        """bob (baresip) calls alice (Python): alice rings and answers on
        her connection, baresip ACKs, hangs up, and gets the BYE's 200."""
        bob = self.baresip("bob", "sip:alice@example.com")
        alice = self.py_ua("alice", avoid_pid=bob.pid)
        r = bob.cmd("dial", "sip:alice@example.com")
        self.assertTrue(r.get("ok"), r)
        inv = alice.wait_request("INVITE")
        self.assertIsNotNone(inv, "no INVITE for alice")
        _, hs = headers(inv)
        cid = hget(hs, "Call-ID")
        self.assertEqual(hall(hs, "Route"), [])
        rr = hall(hs, "Record-Route")
        self.assertEqual(len(rr), 5, rr)
        # the entry facing alice carries her flow, the last one bob's
        self.assertRegex(rr[0], r"^<sip:[a-z2-7]{40,}@127\.0\.0\.1:%d;"
                         r"transport=tls;lr;ob>$" % self.tls)
        self.assertRegex(rr[4], r"^<sip:[a-z2-7]{40,}@127\.0\.0\.1:%d;"
                         r"transport=tls;lr;ob>$" % self.tls)
        self.assertRegex(hget(hs, "X-Kam-Du") or "", self.path_re()[1:-1])
        alice.answer(inv, 180, "Ringing", "a180")
        self.assertIsNotNone(bob.wait_event("CALL_RINGING", 5),
                             bob.event_types())
        alice.answer(inv, 200, "OK", "a180", body=SDP)
        ack = alice.wait_request("ACK", cid=cid)
        # RFC 5626 5.3: baresip's Route starts with the entry carrying
        # its own flow; its ACK must go inward, not back to baresip
        self.assertEqual(bob.received(lambda m: m.startswith("ACK "),
                                      self.tls), [],
                         "baresip's own ACK came back to it on its "
                         "connection")
        self.assertIsNotNone(ack, "no ACK from baresip")
        self.assertIsNotNone(bob.wait_event("CALL_ESTABLISHED", 5))
        r = bob.cmd("hangup")
        self.assertTrue(r.get("ok"), r)
        bye = alice.wait_request("BYE", cid=cid)
        self.assertIsNotNone(bye, "no BYE from baresip; baresip:\n" +
                             bob.log()[-3000:])
        alice.answer(bye, 200, "OK", None)
        self.assertIsNotNone(bob.wait_event("CALL_CLOSED", 5))
        # baresip got the 200 to its BYE: no retransmission follows
        self.assertIsNone(alice.wait_request("BYE", timeout=1.0, cid=cid),
                          "baresip retransmitted its BYE: no 200 reached it")
        oks = bob.received(lambda m: m.startswith("SIP/2.0 200 ") and
                           re.search(r"\nCSeq: \d+ BYE\n", m) and
                           f"\nCall-ID: {cid}\n" in m, self.tls)
        self.assertEqual(len(oks), 1, oks)
        self.assertEqual(len(re.findall(r"(?m)^Via:", oks[0])), 1, oks[0])
        self.check_legs(alice, bob, cid)

    def test_message_both_ways(self):
        bob = self.baresip("bob", "sip:alice@example.com")
        alice = self.py_ua("alice", avoid_pid=bob.pid)
        r = bob.cmd("message", "hello from baresip")
        self.assertTrue(r.get("ok"), r)
        msg = alice.wait_request("MESSAGE")
        self.assertIsNotNone(msg, "no MESSAGE reached alice")
        self.assertTrue(msg.endswith(b"hello from baresip"), msg)
        alice.answer(msg, 200, "OK", "m1")
        mcid = hget(headers(msg)[1], "Call-ID")
        deadline = time.time() + 5
        while not bob.received(lambda m: m.startswith("SIP/2.0 200 ") and
                               f"\nCall-ID: {mcid}\n" in m, self.tls) \
                and time.time() < deadline:
            time.sleep(0.05)
        self.assertTrue(bob.received(
            lambda m: m.startswith("SIP/2.0 200 ") and
            f"\nCall-ID: {mcid}\n" in m, self.tls),
            "alice's 200 to the MESSAGE did not reach baresip")
        cid = sctest.rand_token() + "@py"
        alice.send(alice.request("MESSAGE", "sip:bob@example.com",
                                 "sip:bob@example.com", cid, 1,
                                 body=b"hello from python"))
        r = alice.wait_reply(cid, 200, "MESSAGE")
        self.assertIsNotNone(r, "no 200 from baresip to the MESSAGE")
        got = bob.received(lambda m: m.startswith("MESSAGE ") and
                           f"\nCall-ID: {cid}\n" in m, self.tls)
        self.assertEqual(len(got), 1, got)
        self.assertTrue(got[0].rstrip("\n").endswith("hello from python"),
                        got[0])
        self.assertIn("hello from python", bob.log())

    def test_cancel_before_answer(self):
        """alice CANCELs her ringing INVITE: the CANCEL gets the branch
        of the INVITE from sipcore (RFC 3261 16.11), so Kamailio matches
        it to its transaction and cancels bob's branch through sipcore;
        baresip's 487 comes back to alice, whose ACK Kamailio absorbs."""
        bob = self.baresip("bob", "sip:alice@example.com")
        alice = self.py_ua("alice", avoid_pid=bob.pid)
        cid = sctest.rand_token() + "@py"
        inv = alice.request("INVITE", "sip:bob@example.com",
                            "sip:bob@example.com", cid, 1, body=SDP)
        alice.send(inv)
        self.assertIsNotNone(alice.wait_reply(cid, 180, "INVITE"))
        via = re.search(rb"\r\nVia: ([^\r]+)\r\n", inv).group(1).decode()
        can = (f"CANCEL sip:bob@example.com SIP/2.0\r\nVia: {via}\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:alice@example.com>;tag={alice.tag}\r\n"
               "To: <sip:bob@example.com>\r\n"
               f"Call-ID: {cid}\r\nCSeq: 1 CANCEL\r\n"
               "Content-Length: 0\r\n\r\n")
        alice.send(can)
        self.assertIsNotNone(alice.wait_reply(cid, 200, "CANCEL"),
                             "no 200 to the CANCEL")
        r487 = alice.wait_reply(cid, 487, "INVITE")
        self.assertIsNotNone(r487, "no 487 for the cancelled INVITE")
        self.assertEqual(len(hall(headers(r487)[1], "Via")), 1)
        self.assertEqual(len(bob.received(
            lambda m: m.startswith("CANCEL ") and
            f"\nCall-ID: {cid}\n" in m, self.tls)), 1)
        self.assertIsNotNone(bob.wait_event("CALL_CLOSED", 5))
        to_tag = re.search(r"tag=([^;>\s]+)",
                           hget(headers(r487)[1], "To")).group(1)
        ack = (f"ACK sip:bob@example.com SIP/2.0\r\nVia: {via}\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:alice@example.com>;tag={alice.tag}\r\n"
               f"To: <sip:bob@example.com>;tag={to_tag}\r\n"
               f"Call-ID: {cid}\r\nCSeq: 1 ACK\r\n"
               "Content-Length: 0\r\n\r\n")
        alice.send(ack)
        # Kamailio took the ACK: no 487 retransmission follows
        self.assertIsNone(alice.wait_reply(cid, 487, "INVITE", timeout=1.0))

    def test_flow_gone_430_through_kamailio(self):
        """alice's connection is gone: a MESSAGE for her, routed by
        Kamailio through her Path, gets 430 Flow Failed from sipcore,
        and Kamailio passes it back to the sender."""
        alice = self.py_ua("alice")
        bob = self.baresip("bob", "sip:alice@example.com")
        alice.close()
        self.uas.remove(alice)
        time.sleep(0.3)
        r = bob.cmd("message", "anyone there?")
        self.assertTrue(r.get("ok"), r)
        deadline = time.time() + 5
        got = []
        while not got and time.time() < deadline:
            got = bob.received(lambda m: m.startswith("SIP/2.0 430 ") and
                               re.search(r"\nCSeq: \d+ MESSAGE\n", m),
                               self.tls)
            time.sleep(0.05)
        self.assertEqual(len(got), 1, bob.trace()[-3:])

    def check_legs(self, alice, bob, cid):
        """Both UAs' messages crossed sipcore on their own connections,
        owned by different workers."""
        self.assertNotEqual(alice.pid, bob.pid)
        log = self.sc.log()
        for pid, port in ((alice.pid, alice.lport), (bob.pid, bob.port)):
            self.assertEqual(worker_of(log, port)[0], pid)
        # baresip's whole side of the call was on its one connection
        pairs = set(re.findall(r"TLS 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:"
                               r"(\d+)\r?\n", bob.log()))
        self.assertEqual(pairs, {(str(bob.port), str(self.tls)),
                                 (str(self.tls), str(bob.port))}, pairs)
        # nothing was refused or lost on the way
        self.assertNotIn("Flow Failed", log)
        self.assertNotIn("forged flow token", log)


class RegistrarTcp(Registrar):
    """The same, with Kamailio reached over TCP."""
    transport = "tcp"


KAM_REG_TLS = """[server:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
certificate = {pki}/server-rsa.pem
private_key = {pki}/server-rsa.key
ca_list = {pki}/ca.pem

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
certificate = {pki}/client.pem
private_key = {pki}/client.key
ca_list = {pki}/ca.pem
"""


class RegistrarTls(Registrar):
    """The same, with Kamailio reached over TLS on ::1 (its certificate
    names ::1; sipcore verifies it and sends its own, Kamailio requires
    and verifies it). Kamailio's requests for the clients come back over
    its own TLS connection to sipcore's listener on ::1, with client.pem,
    which sipcore verifies too."""
    transport = "tls"

    @classmethod
    def start_kamailio(cls):
        if not sctest.have_ipv6_loopback():
            raise unittest.SkipTest("::1 is not available")
        cls.kport = sctest.free_port(socket.AF_INET6, "::1")
        cls.kam_hop = f"[::1]:{cls.kport};transport=tls"
        cls.tls6 = sctest.free_port(socket.AF_INET6, "::1")
        tlscfg = os.path.join(cls.tmp, "kam-tls.cfg")
        with open(tlscfg, "w") as f:
            f.write(KAM_REG_TLS.format(pki=os.environ["SC_PKI"]))
        return Kamailio(KAM_REG_CFG, cls.kport, ready_host="::1",
                        listen="enable_tls=yes\n"
                        f"listen=udp:[::1]:{cls.kport}\n"
                        f"listen=tls:[::1]:{cls.kport}",
                        tls='loadmodule "tls.so"\n'
                        f'modparam("tls", "config", "{tlscfg}")')

    @classmethod
    def edge_cfg(cls):
        return (f"listen=tls:[::1]:{cls.tls6}\n"
                "tls_verify=1\n"
                f'forward_to="tls:[::1]:{cls.kport}"\n')

    def path_re(self):
        return (r"<sip:[a-z2-7]{40,}@\[::1\]:%d;transport=tls;lr;ob>" %
                self.tls6)

    def test_kamailio_connections_verified(self):
        """sipcore's connection to Kamailio verified Kamailio's
        certificate against ::1; Kamailio's connection to sipcore
        presented client.pem, verified."""
        alice = self.py_ua("alice")
        bob = self.baresip("bob", "sip:alice@example.com")
        r = bob.cmd("message", "over tls inside")
        self.assertTrue(r.get("ok"), r)
        self.assertIsNotNone(alice.wait_request("MESSAGE"))
        log = self.sc.log()
        self.assertRegex(log, r"conn \d+ tls:\[::1\]:%d: open: TLS1\.[23] "
                         r"[^\n]*peer verified=1 \(ok\)" % self.kport)
        self.assertRegex(log, r"conn \d+ tls:\[::1\]:\d+: open: TLS1\.[23] "
                         r"[^\n]*peer verified=1 \(ok\), subject '[^']*"
                         r"CN=sipcore test client")


# ---- 3: Kamailio's TLS listener as the next hop --------------------------

KAM_TLS_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
enable_tls=yes
auto_aliases=no
dns=no
rev_dns=no
listen=udp:{host}:{udp}
listen=tls:{host}:{tls}
mpath="{moddir}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "tls.so"
loadmodule "ctl.so"
modparam("ctl", "binrpc", "unix:{ctl}")
modparam("tls", "config", "{tlscfg}")

request_route {{
	if ($rm == "OPTIONS") {{
		append_to_reply("X-Kam-Proto: $pr\\r\\n");
		if ($pr == "tls")
			append_to_reply("X-Kam-Peer: $tls_peer_subject_cn verified=$tls_peer_verified\\r\\n");
		sl_send_reply("200", "Kamailio ready");
		exit;
	}}
	sl_send_reply("404", "Not here");
	exit;
}}
"""


class KamailioNextHop(unittest.TestCase):
    """forward_to="tls:..." to Kamailio, sipcore verifying it."""

    def run_case(self, kam_host, kam_cert, verify=1):
        kudp, ktls = tc.ports(2)
        pki = os.environ["SC_PKI"]
        d = tempfile.mkdtemp(prefix="sctest-kamtls-")
        try:
            tlscfg = os.path.join(d, "tls.cfg")
            with open(tlscfg, "w") as f:
                f.write(KAM_SRV_TLS.format(pki=pki, cert=kam_cert))
            with Kamailio(KAM_TLS_CFG, kudp, ready_host=kam_host,
                          host=kam_host, udp=kudp, tls=ktls,
                          tlscfg=tlscfg) as kam:
                udp, tls = tc.ports(2)
                # every client counts as outside; the replies come back
                # on sipcore's own connection to Kamailio
                cfg = (f"listen=udp:127.0.0.1:{udp}\n" +
                       tc.tls_basic_cfg(tls, extra=f"tls_verify={verify}\n")
                       + f'forward_to="tls:{kam_host}:{ktls}"\n'
                       'forward_from="192.0.2.99"\n')
                with sctest.Sipcore(cfg, children=2, log_level=3) as sc:
                    s = tc.py_connect(tls)
                    try:
                        cid = sctest.rand_token()
                        s.sendall(sctest.sip_request(
                            "OPTIONS", "TLS", host="127.0.0.1", port=5999,
                            call_id=cid).replace(
                                b"OPTIONS sip:127.0.0.1:5999",
                                b"OPTIONS sip:kam@example.com"))
                        try:
                            raw, _ = read_message(s, timeout=8.0)
                        except (socket.timeout, TimeoutError):
                            raw = None
                    finally:
                        s.close()
                    return (SipReply(raw) if raw else None, sc.log(),
                            kam.log())
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_accepted_with_certificate_naming_address(self):
        r, sclog, kamlog = self.run_case("127.0.0.1", "server-rsa")
        self.assertIsNotNone(r, sclog[-4000:] + kamlog[-3000:])
        self.assertEqual((r.code, r.reason), (200, "Kamailio ready"), r.raw)
        self.assertEqual(r.get("X-Kam-Proto"), "tls")
        # Kamailio verified the client certificate sipcore sent
        self.assertEqual(r.get("X-Kam-Peer"), "localhost verified=1",
                         r.raw)
        self.assertEqual(len(r.all("Via")), 1)
        # sipcore checked Kamailio's certificate on its way out
        self.assertRegex(sclog, r"conn \d+ tls:127\.0\.0\.1:\d+: open: "
                         r"TLS1\.[23] [^\n]*peer verified=1 \(ok\)")

    def test_same_address_accepted_without_verification(self):
        """The control for the refusal below: the same Kamailio on
        127.0.0.2 is reached when sipcore does not verify."""
        r, sclog, kamlog = self.run_case("127.0.0.2", "server-rsa",
                                         verify=0)
        self.assertIsNotNone(r, sclog[-4000:] + kamlog[-3000:])
        self.assertEqual((r.code, r.reason), (200, "Kamailio ready"), r.raw)

    def test_refused_when_certificate_lacks_address(self):
        """server-rsa names 127.0.0.1 and ::1: Kamailio on 127.0.0.2
        with it is refused, and the client hears 503, not Kamailio."""
        r, sclog, kamlog = self.run_case("127.0.0.2", "server-rsa")
        self.assertRegex(sclog, r"tls:127\.0\.0\.2:\d+: tls_gnutls: handshake "
                         r"refused, peer certificate: [^\n]*The name in the "
                         r"certificate does not match")
        self.assertIsNone(re.search(r"conn \d+ tls:127\.0\.0\.2:\d+: open:",
                                    sclog), sclog[-3000:])
        self.assertTrue(r is None or r.reason != "Kamailio ready",
                        "the request reached Kamailio anyway")
        # issue 8 (outgoing connections): a failed connect gives the
        # sender 503, as RFC 3261 16.9 treats a transport error
        self.assertIsNotNone(r, "the client got no answer at all when the "
                             "connection to forward_to failed its "
                             "verification (503 expected)")
        self.assertEqual(r.code, 503, r.raw)


class NextHopDown(unittest.TestCase):
    """The plain form of the refusal above: nothing listens at
    forward_to (tcp:), the connect is refused."""

    def test_refused_connect_503(self):
        udp, tls = tc.ports(2)
        closed = sctest.free_port(host="127.0.0.2")
        cfg = (f"listen=udp:127.0.0.1:{udp}\n" + tc.tls_basic_cfg(tls) +
               f'forward_to="tcp:127.0.0.2:{closed}"\n')
        with sctest.Sipcore(cfg, children=1, log_level=3) as sc:
            s = tc.py_connect(tls)
            try:
                cid = sctest.rand_token()
                s.sendall(sctest.sip_request(
                    "OPTIONS", "TLS", port=5999, call_id=cid).replace(
                        b"OPTIONS sip:127.0.0.1:5999",
                        b"OPTIONS sip:kam@example.com"))
                try:
                    raw, _ = read_message(s, timeout=5.0)
                except (socket.timeout, TimeoutError):
                    raw = None
            finally:
                s.close()
            self.assertIsNotNone(sc.wait_log(
                r"tcp:127\.0\.0\.2:%d: connect failed: Connection "
                r"refused" % closed, 1.0), sc.log()[-2000:])
            self.assertIsNotNone(raw, "no 503 for the client after the "
                                 "connect to forward_to failed")
            r = SipReply(raw)
            self.assertEqual((r.code, r.get("Call-ID")), (503, cid), raw)


KAM_CLI_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
enable_tls=yes
auto_aliases=no
dns=no
rev_dns=no
listen=udp:127.0.0.1:{udp}
listen=tls:127.0.0.1:{ktls}
mpath="{moddir}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "tls.so"
loadmodule "ctl.so"
modparam("ctl", "binrpc", "unix:{ctl}")
modparam("tls", "config", "{tlscfg}")
modparam("tm", "fr_timer", 4000)

request_route {{
	if ($rm == "OPTIONS" && $hdr(X-Sctest-Ping) != $null) {{
		sl_send_reply("200", "Kamailio ready");
		exit;
	}}
	$du = "sip:127.0.0.1:{target};transport=tls";
	if (!t_relay())
		sl_reply_error();
	exit;
}}
"""

KAM_CLI_TLS = """[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = {pki}/server-rsa.pem
private_key = {pki}/server-rsa.key
ca_list = {pki}/ca.pem

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
certificate = {pki}/client.pem
private_key = {pki}/client.key
ca_list = {pki}/ca.pem
"""


class KamailioClient(unittest.TestCase):
    def test_kamailio_tls_client_relayed_to_udp_responder(self):
        """Kamailio (verifying sipcore, with client.pem) reaches sipcore's
        TLS listener; sipcore (requiring and verifying client
        certificates) relays to a UDP responder and tells it who the
        client is; the 200 comes back the same way."""
        srv = SipServer()
        d = tempfile.mkdtemp(prefix="sctest-kamcli-")
        try:
            udp, tls = tc.ports(2)
            cfg = (f"listen=udp:127.0.0.1:{udp}\n" +
                   tc.tls_basic_cfg(tls, extra="tls_verify=1\n"
                                    "tls_require_certificate=1\n") +
                   f'forward_to="udp:{srv.host}:{srv.port}"\n'
                   'relay_peer_header="X-TLS-Peer"\n')
            with sctest.Sipcore(cfg, children=4, log_level=3) as sc:
                tlscfg = os.path.join(d, "tls.cfg")
                with open(tlscfg, "w") as f:
                    f.write(KAM_CLI_TLS.format(pki=os.environ["SC_PKI"]))
                kudp, ktls = tc.ports(2)
                with Kamailio(KAM_CLI_CFG, kudp, ready_host="127.0.0.1",
                              udp=kudp, ktls=ktls, tlscfg=tlscfg,
                              target=tls):
                    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    u.bind(("127.0.0.1", 0))
                    u.settimeout(8)
                    try:
                        cid = sctest.rand_token()
                        cport = u.getsockname()[1]
                        req = (f"MESSAGE sip:bob@example.com SIP/2.0\r\n"
                               f"Via: SIP/2.0/UDP 127.0.0.1:{cport};branch="
                               f"z9hG4bK{sctest.rand_token()};rport\r\n"
                               "Max-Forwards: 70\r\n"
                               "From: <sip:a@example.com>;tag=k1\r\n"
                               "To: <sip:bob@example.com>\r\n"
                               f"Call-ID: {cid}\r\nCSeq: 1 MESSAGE\r\n"
                               "X-TLS-Peer: verified=yes;subject=forged\r\n"
                               "Content-Length: 2\r\n\r\nhi").encode()
                        u.sendto(req, ("127.0.0.1", kudp))
                        while True:
                            r = SipReply(u.recvfrom(65535)[0])
                            if r.code >= 200:
                                break
                    finally:
                        u.close()
                    self.assertEqual(r.code, 200, r.raw)
                    self.assertEqual(r.get("Call-ID"), cid)
                    got = srv.wait(lambda x: x.startswith(b"MESSAGE") and
                                   cid.encode() in x)
                    self.assertIsNotNone(got)
                    _, hs = headers(got)
                    peer = [v for n, v in hs if n.lower() == "x-tls-peer"]
                    self.assertEqual(len(peer), 1, peer)
                    self.assertTrue(peer[0].startswith("verified=yes;"),
                                    peer)
                    self.assertIn("CN=sipcore test client", peer[0])
                    self.assertNotIn("forged", peer[0])
                    vias = hall(hs, "Via")
                    self.assertEqual(len(vias), 3, vias)
                    self.assertTrue(vias[1].startswith("SIP/2.0/TLS "),
                                    vias)
                    self.assertRegex(sc.log(), r"peer verified=1 \(ok\), "
                                     r"subject '[^']*CN=sipcore test client")
        finally:
            srv.close()
            shutil.rmtree(d, ignore_errors=True)


def need_components():
    sctest.need_tool("kamailio")
    sctest.need_tool("kamcmd")
    if kam_moddir_full() is None:
        print("SKIP: Kamailio modules %s not all found (Debian: kamailio, "
              "kamailio-tls-modules)" % ", ".join(KAM_MODS), file=sys.stderr)
        sys.exit(sctest.SKIP)
    sctest.need_tool("baresip")
    for m in ("ctrl_tcp", "g711", "aubridge", "account", "menu", "contact"):
        if not os.path.exists(f"/usr/lib/baresip/modules/{m}.so"):
            print(f"SKIP: baresip module {m}.so not found (Debian: "
                  "baresip-core)", file=sys.stderr)
            sys.exit(sctest.SKIP)
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.2", 0))
        s.close()
    except OSError:
        print("SKIP: 127.0.0.2 not usable", file=sys.stderr)
        sys.exit(sctest.SKIP)


if __name__ == "__main__":
    tc.need_env()
    tc.need_pki("client.pem", "server-rsa.pem")
    need_components()
    sctest.main()
