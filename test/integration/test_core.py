# SPDX-License-Identifier: GPL-2.0-or-later
"""The sipcore core on real sockets: stateless replies over UDP and TCP
(IPv4 and IPv6), stream framing, limits, the sct test transport and the
IPC hand-over between workers."""
import socket
import threading
import time
import unittest

import sctest
from sctest import SipReply, read_message, sip_request, tcp_connect


def two_ports():
    a = sctest.free_port()
    while True:
        b = sctest.free_port()
        if b != a:
            return a, b


def tcp_ask(sock, port, method="OPTIONS", cseq=1, extra="", body=b"",
            buf=b"", host="127.0.0.1"):
    """Send one request on a stream and read one reply."""
    sock.sendall(sip_request(method, "TCP", host=host, port=port, cseq=cseq,
                             extra=extra, body=body))
    raw, rest = read_message(sock, buf, timeout=3.0)
    return SipReply(raw), rest


def nothing_more(sock, wait=0.3):
    """True when no byte arrives on @sock within @wait seconds."""
    sock.settimeout(wait)
    try:
        sock.recv(1)  # a byte or EOF: something happened
        return False
    except socket.timeout:
        return True


def via_params(via):
    """('SIP/2.0/UDP host:port', {param: value}) of one Via value."""
    parts = [p.strip() for p in via.split(";")]
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.lower()] = v
    return parts[0], params


class Shared(unittest.TestCase):
    """One server for the tests that need no special config."""

    @classmethod
    def setUpClass(cls):
        cls.port, cls.sport = two_ports()
        cls.sc = sctest.Sipcore(
            f"listen=udp:127.0.0.1:{cls.port}\n"
            f"listen=tcp:127.0.0.1:{cls.port}\n"
            f"listen=sct:127.0.0.1:{cls.sport}\n"
            'loadmodule "sct.so"\n'
            'modparam("sct", "handshake_timeout", 500)\n'
            "max_msg_size=2048\n", children=2)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()

    def setUp(self):
        self.socks = []

    def tearDown(self):
        for s in self.socks:
            s.close()

    def conn(self, port=None):
        s = tcp_connect(port or self.port, timeout=3.0)
        self.socks.append(s)
        return s

    def udp(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(2.0)
        self.socks.append(s)
        return s

    # ---- UDP ----------------------------------------------------------

    def test_udp_options_vias_and_headers(self):
        s = self.udp()
        cport = s.getsockname()[1]
        vias = [f"Via: SIP/2.0/UDP 127.0.0.1:{cport};branch=z9hG4bKtop1"
                ";rport",
                "Via: SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bKsecond;"
                "received=192.0.2.8"]
        req = sip_request("OPTIONS", port=self.port, vias=vias, cseq=4711,
                          call_id="via-test@client")
        s.sendto(req, ("127.0.0.1", self.port))
        data, _ = s.recvfrom(65536)
        r = SipReply(data)
        self.assertEqual(r.code, 200, r.raw)
        self.assertEqual(r.reason, "OK")
        got = r.all("Via")
        self.assertEqual(len(got), 2, got)
        sent_by, params = via_params(got[0])
        self.assertEqual(sent_by, f"SIP/2.0/UDP 127.0.0.1:{cport}")
        self.assertEqual(params, {"branch": "z9hG4bKtop1",
                                  "rport": str(cport),
                                  "received": "127.0.0.1"})
        self.assertEqual(got[1], vias[1][len("Via: "):])
        req_text = req.decode()
        req_from = [l for l in req_text.split("\r\n")
                    if l.startswith("From:")][0][len("From: "):]
        self.assertEqual(r.get("From"), req_from)
        self.assertEqual(r.get("Call-ID"), "via-test@client")
        self.assertEqual(r.get("CSeq"), "4711 OPTIONS")
        to = r.get("To")
        self.assertTrue(to.startswith(f"<sip:127.0.0.1:{self.port}>;tag="),
                        to)
        self.assertGreater(len(to.split(";tag=")[1]), 0)
        self.assertEqual(r.get("Content-Length"), "0")
        self.assertEqual(r.get("Server"), "sipcore")
        self.assertEqual(r.body, "")

    def test_udp_via_received_rules(self):
        s = self.udp()
        cport = s.getsockname()[1]
        cases = [
            # sent-by is the source, no rport: the Via comes back as it was
            (f"SIP/2.0/UDP 127.0.0.1:{cport};branch=z9hG4bKa",
             f"SIP/2.0/UDP 127.0.0.1:{cport};branch=z9hG4bKa"),
            # sent-by is not the source: received= only (RFC 3261 18.2.1)
            ("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb",
             "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb;received=127.0.0.1"),
            # stale rport= and received= values are replaced in place
            (f"SIP/2.0/UDP 127.0.0.1:{cport};rport=9;received=192.0.2.9;"
             "branch=z9hG4bKc",
             f"SIP/2.0/UDP 127.0.0.1:{cport};rport={cport};"
             "received=127.0.0.1;branch=z9hG4bKc"),
        ]
        for i, (sent, want) in enumerate(cases):
            s.sendto(sip_request("OPTIONS", port=self.port, cseq=i + 1,
                                 vias=["Via: " + sent]),
                     ("127.0.0.1", self.port))
            r = SipReply(s.recvfrom(65536)[0])
            self.assertEqual(r.get("CSeq"), f"{i + 1} OPTIONS")
            self.assertEqual(r.all("Via"), [want])

    def test_udp_retransmission_same_to_tag(self):
        req = sip_request("OPTIONS", port=self.port)
        tags = set()
        s = self.udp()
        for _ in range(2):
            s.sendto(req, ("127.0.0.1", self.port))
            tags.add(SipReply(s.recvfrom(65536)[0]).get("To"))
        # from other source ports too, so other workers answer it
        for _ in range(6):
            r, _ = sctest.udp_exchange(self.port, req)
            tags.add(r.get("To"))
        self.assertEqual(len(tags), 1, tags)
        tag = tags.pop()
        self.assertIn(";tag=", tag)
        # a different request gets a different tag
        r, _ = sctest.udp_exchange(self.port,
                                   sip_request("OPTIONS", port=self.port))
        self.assertIn(";tag=", r.get("To"))
        self.assertNotEqual(r.get("To"), tag)

    def test_udp_invite_gets_501(self):
        r, _ = sctest.udp_exchange(self.port,
                                   sip_request("INVITE", port=self.port))
        self.assertEqual((r.code, r.reason), (501, "Not Implemented"))
        self.assertEqual(r.get("CSeq"), "1 INVITE")
        self.assertIn(";tag=", r.get("To"))

    def test_udp_ack_not_answered(self):
        s = self.udp()
        s.sendto(sip_request("ACK", port=self.port),
                 ("127.0.0.1", self.port))
        s.settimeout(0.7)
        with self.assertRaises(socket.timeout):
            s.recvfrom(65536)
        # the server is alive: the next datagram is the OPTIONS answer
        s.settimeout(2.0)
        s.sendto(sip_request("OPTIONS", port=self.port, cseq=2),
                 ("127.0.0.1", self.port))
        r = SipReply(s.recvfrom(65536)[0])
        self.assertEqual((r.code, r.get("CSeq")), (200, "2 OPTIONS"))

    def test_udp_reply_not_answered(self):
        s = self.udp()
        cport = s.getsockname()[1]
        reply = (f"SIP/2.0 200 OK\r\n"
                 f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bKx\r\n"
                 f"From: <sip:a@127.0.0.1>;tag=1\r\n"
                 f"To: <sip:b@127.0.0.1:{cport}>;tag=2\r\n"
                 f"Call-ID: reply-test@client\r\n"
                 f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()
        s.sendto(reply, ("127.0.0.1", self.port))
        s.settimeout(0.7)
        with self.assertRaises(socket.timeout):
            s.recvfrom(65536)
        s.settimeout(2.0)
        s.sendto(sip_request("OPTIONS", port=self.port, cseq=3),
                 ("127.0.0.1", self.port))
        r = SipReply(s.recvfrom(65536)[0])
        self.assertEqual((r.code, r.get("CSeq")), (200, "3 OPTIONS"))

    def test_udp_compact_headers(self):
        s = self.udp()
        cport = s.getsockname()[1]
        req = (f"OPTIONS sip:127.0.0.1:{self.port} SIP/2.0\r\n"
               f"v: SIP/2.0/UDP 127.0.0.1:{cport};branch=z9hG4bKcompact\r\n"
               f"f: <sip:c@127.0.0.1>;tag=cmp1\r\n"
               f"t: <sip:127.0.0.1:{self.port}>\r\n"
               f"i: compact-1@client\r\n"
               f"CSeq: 77 OPTIONS\r\n"
               f"l: 0\r\n\r\n").encode()
        s.sendto(req, ("127.0.0.1", self.port))
        r = SipReply(s.recvfrom(65536)[0])
        self.assertEqual(r.code, 200, r.raw)
        self.assertEqual(r.get("Call-ID") or r.get("i"), "compact-1@client")
        self.assertEqual(r.get("From") or r.get("f"),
                         "<sip:c@127.0.0.1>;tag=cmp1")
        self.assertIn(";tag=", r.get("To") or r.get("t"))
        self.assertEqual(r.get("CSeq"), "77 OPTIONS")
        vias = r.all("Via") + r.all("v")
        self.assertEqual(len(vias), 1, r.raw)
        self.assertTrue(vias[0].startswith(
            f"SIP/2.0/UDP 127.0.0.1:{cport};branch=z9hG4bKcompact"), vias)

    # ---- TCP ----------------------------------------------------------

    def test_tcp_options(self):
        s = self.conn()
        r, rest = tcp_ask(s, self.port, cseq=9)
        self.assertEqual(r.code, 200, r.raw)
        self.assertEqual(r.get("CSeq"), "9 OPTIONS")
        sent_by, params = via_params(r.all("Via")[0])
        self.assertEqual(params.get("received"), "127.0.0.1")
        self.assertEqual(params.get("rport"), str(s.getsockname()[1]))
        self.assertEqual(rest, b"")
        # the connection stays open for the next request
        r, _ = tcp_ask(s, self.port, method="INVITE", cseq=10)
        self.assertEqual((r.code, r.get("CSeq")), (501, "10 INVITE"))
        # ACK gets nothing: the next bytes are the answer to OPTIONS 12
        s.sendall(sip_request("ACK", "TCP", port=self.port, cseq=10))
        self.assertTrue(nothing_more(s, 0.5), "ACK was answered")
        r, _ = tcp_ask(s, self.port, cseq=12)
        self.assertEqual((r.code, r.get("CSeq")), (200, "12 OPTIONS"))

    def test_tcp_pipelined_1000_in_order(self):
        s = self.conn()
        n = 1000
        blob = b"".join(sip_request("OPTIONS", "TCP", port=self.port,
                                    cseq=i) for i in range(1, n + 1))
        errors = []

        def sender():
            try:
                s.sendall(blob)
            except OSError as e:
                errors.append(e)

        t = threading.Thread(target=sender)
        t.start()
        buf = b""
        cseqs = []
        try:
            for _ in range(n):
                raw, buf = read_message(s, buf, timeout=5.0)
                r = SipReply(raw)
                self.assertEqual(r.code, 200)
                cseqs.append(int(r.get("CSeq").split()[0]))
        finally:
            t.join(10)
        self.assertEqual(errors, [])
        self.assertEqual(cseqs, list(range(1, n + 1)))
        self.assertEqual(buf, b"")

    def test_tcp_single_byte_sends(self):
        s = self.conn()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        req = sip_request("OPTIONS", "TCP", port=self.port, cseq=31)
        for i in range(len(req)):
            s.send(req[i:i + 1])
            time.sleep(0.001)
        raw, rest = read_message(s, timeout=3.0)
        r = SipReply(raw)
        self.assertEqual((r.code, r.get("CSeq")), (200, "31 OPTIONS"))
        self.assertEqual(rest, b"")

    def test_tcp_body_split_across_reads(self):
        s = self.conn()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = (b"v=0\r\n" + b"a=x-filler:" + b"z" * 900 + b"\r\n")
        req = sip_request("OPTIONS", "TCP", port=self.port, cseq=41,
                          body=body, extra="Content-Type: application/sdp\r\n")
        head_len = req.index(b"\r\n\r\n") + 4
        cuts = [head_len - 3, head_len + 10, head_len + 400, len(req) - 1]
        prev = 0
        for c in cuts + [len(req)]:
            s.sendall(req[prev:c])
            prev = c
            time.sleep(0.05)
        raw, rest = read_message(s, timeout=3.0)
        r = SipReply(raw)
        self.assertEqual((r.code, r.get("CSeq")), (200, "41 OPTIONS"))
        self.assertEqual(rest, b"")
        # the body was consumed exactly: the next request is framed right
        r, _ = tcp_ask(s, self.port, cseq=42)
        self.assertEqual((r.code, r.get("CSeq")), (200, "42 OPTIONS"))

    def test_tcp_keepalive_crlf(self):
        s = self.conn()
        s.sendall(b"\r\n\r\n")
        self.assertEqual(sctest.recv_exact(s, 2, 2.0), b"\r\n")
        self.assertTrue(nothing_more(s), "more than CRLF came back")
        r, rest = tcp_ask(s, self.port, cseq=5)
        self.assertEqual((r.code, r.get("CSeq")), (200, "5 OPTIONS"))
        self.assertTrue(r.raw.startswith(b"SIP/2.0 200 "), r.raw[:40])
        # a ping between two messages, and a lone CRLF that is skipped:
        # answers come in order, reply, CRLF, reply, nothing else
        s.sendall(sip_request("OPTIONS", "TCP", port=self.port, cseq=6) +
                  b"\r\n\r\n" + b"\r\n" +
                  sip_request("OPTIONS", "TCP", port=self.port, cseq=7))
        raw, rest = read_message(s, timeout=3.0)
        self.assertEqual(SipReply(raw).get("CSeq"), "6 OPTIONS")
        rest += sctest.recv_exact(s, max(0, 2 - len(rest)), 2.0)
        self.assertEqual(rest[:2], b"\r\n")
        raw, rest = read_message(s, rest[2:], timeout=3.0)
        self.assertTrue(raw.startswith(b"SIP/2.0 200 "), raw[:40])
        self.assertEqual(SipReply(raw).get("CSeq"), "7 OPTIONS")
        self.assertEqual(rest, b"")
        self.assertTrue(nothing_more(s))

    def test_tcp_too_big_513_then_close(self):
        other = self.conn()
        tcp_ask(other, self.port)
        s = self.conn()
        body = b"x" * 3000
        s.sendall(sip_request("MESSAGE", "TCP", port=self.port, cseq=51,
                              body=body))
        raw, _ = read_message(s, timeout=3.0)
        r = SipReply(raw)
        self.assertEqual(r.code, 513, raw)
        self.assertEqual(r.get("CSeq"), "51 MESSAGE")
        self.assertTrue(sctest.wait_closed(s, 3.0), "not closed after 513")
        r, _ = tcp_ask(other, self.port, cseq=2)
        self.assertEqual((r.code, r.get("CSeq")), (200, "2 OPTIONS"))

    def test_tcp_garbage_closes_only_that_connection(self):
        good = self.conn()
        tcp_ask(good, self.port)
        bad = self.conn()
        bad.sendall(b"\x16\x03\x01 this is not SIP at all\r\n"
                    b"Content-Length: 0\r\n\r\n")
        self.assertTrue(sctest.wait_closed(bad, 3.0))
        r, _ = tcp_ask(good, self.port, cseq=2)
        self.assertEqual((r.code, r.get("CSeq")), (200, "2 OPTIONS"))

    def test_tcp_missing_content_length_closes(self):
        good = self.conn()
        tcp_ask(good, self.port)
        s = self.conn()
        req = sip_request("OPTIONS", "TCP", port=self.port)
        req = b"\r\n".join(l for l in req.split(b"\r\n")
                           if not l.startswith(b"Content-Length"))
        self.assertNotIn(b"Content-Length", req)
        self.assertTrue(req.endswith(b"\r\n\r\n"))
        s.sendall(req)
        self.assertTrue(sctest.wait_closed(s, 3.0))
        r, _ = tcp_ask(good, self.port, cseq=2)
        self.assertEqual((r.code, r.get("CSeq")), (200, "2 OPTIONS"))

    # ---- sct transport --------------------------------------------------

    def test_sct_transport_options(self):
        s = sctest.sct_connect(self.sport, timeout=3.0)
        self.socks.append(s)
        r, _ = tcp_ask(s, self.sport, cseq=61)
        self.assertEqual((r.code, r.get("CSeq")), (200, "61 OPTIONS"))
        r, _ = tcp_ask(s, self.sport, cseq=62)
        self.assertEqual((r.code, r.get("CSeq")), (200, "62 OPTIONS"))

    def test_sct_wrong_greeting_closed(self):
        s = self.conn(self.sport)
        s.sendall(b"SCT2\n")
        self.assertTrue(sctest.wait_closed(s, 2.0))

    def test_sct_handshake_timeout(self):
        s = self.conn(self.sport)
        t0 = time.monotonic()
        closed = sctest.wait_closed(s, 3.0)
        took = time.monotonic() - t0
        self.assertTrue(closed, "silent client not closed within 3 s")
        # handshake_timeout=500 ms, not the module default of 2 s
        self.assertGreater(took, 0.35)
        self.assertLess(took, 1.5)


class Ipv6(unittest.TestCase):
    def setUp(self):
        if not sctest.have_ipv6_loopback():
            self.skipTest("::1 is not available")
        self.port = sctest.free_port(socket.AF_INET6, "::1")
        self.sc = sctest.Sipcore(f"listen=udp:[::1]:{self.port}\n"
                                 f"listen=tcp:[::1]:{self.port}\n",
                                 children=1)

    def tearDown(self):
        self.sc.close()

    def test_udp_and_tcp_over_ipv6(self):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            s.bind(("::1", 0))
            cport = s.getsockname()[1]
            s.settimeout(2.0)
            vias = [f"Via: SIP/2.0/UDP [::1]:{cport};branch=z9hG4bK6;rport"]
            s.sendto(sip_request("OPTIONS", host="[::1]", port=self.port,
                                 vias=vias), ("::1", self.port))
            r = SipReply(s.recvfrom(65536)[0])
        finally:
            s.close()
        self.assertEqual(r.code, 200, r.raw)
        sent_by, params = via_params(r.all("Via")[0])
        self.assertEqual(sent_by, f"SIP/2.0/UDP [::1]:{cport}")
        self.assertEqual(params.get("rport"), str(cport))
        self.assertEqual(params.get("received"), "::1")

        t = tcp_connect(self.port, "::1", timeout=3.0)
        try:
            r, _ = tcp_ask(t, self.port, host="[::1]", cseq=6)
        finally:
            t.close()
        self.assertEqual((r.code, r.get("CSeq")), (200, "6 OPTIONS"))


class ReplyCode(unittest.TestCase):
    def test_reply_code_and_reason(self):
        port = sctest.free_port()
        with sctest.Sipcore(f"listen=udp:127.0.0.1:{port}\n"
                            f"listen=tcp:127.0.0.1:{port}\n"
                            "reply_code=403\n"
                            'reply_reason="Forbidden"\n',
                            children=1):
            r, _ = sctest.udp_exchange(port, sip_request("INVITE", port=port))
            self.assertEqual((r.code, r.reason), (403, "Forbidden"))
            r, _ = sctest.udp_exchange(port,
                                       sip_request("REGISTER", port=port))
            self.assertEqual((r.code, r.reason), (403, "Forbidden"))
            # OPTIONS keeps its 200
            r, _ = sctest.udp_exchange(port,
                                       sip_request("OPTIONS", port=port))
            self.assertEqual(r.code, 200)
            s = tcp_connect(port, timeout=3.0)
            try:
                r, _ = tcp_ask(s, port, method="INVITE")
            finally:
                s.close()
            self.assertEqual((r.code, r.reason), (403, "Forbidden"))


class Lifetime(unittest.TestCase):
    def test_idle_connection_closed_talking_one_kept(self):
        port = sctest.free_port()
        with sctest.Sipcore(f"listen=tcp:127.0.0.1:{port}\n"
                            "tcp_connection_lifetime=2\n", children=1):
            idle = tcp_connect(port, timeout=3.0)
            busy = tcp_connect(port, timeout=3.0)
            try:
                tcp_ask(idle, port)
                tcp_ask(busy, port)
                t0 = time.monotonic()
                idle_closed_at = None
                cseq = 2
                while time.monotonic() - t0 < 4.0:
                    r, _ = tcp_ask(busy, port, cseq=cseq)
                    self.assertEqual(r.get("CSeq"), f"{cseq} OPTIONS")
                    cseq += 1
                    if idle_closed_at is None and \
                            sctest.wait_closed(idle, 0.25):
                        idle_closed_at = time.monotonic() - t0
                    elif idle_closed_at is not None:
                        time.sleep(0.25)
                self.assertIsNotNone(idle_closed_at,
                                     "idle connection still open after 4 s")
                self.assertGreater(idle_closed_at, 1.5)
                self.assertLess(idle_closed_at, 3.5)
                r, _ = tcp_ask(busy, port, cseq=cseq)
                self.assertEqual(r.code, 200)
            finally:
                idle.close()
                busy.close()


class MaxConnections(unittest.TestCase):
    def test_fourth_connection_refused(self):
        port = sctest.free_port()
        with sctest.Sipcore(f"listen=tcp:127.0.0.1:{port}\n"
                            "tcp_max_connections=3\n", children=2):
            conns = [tcp_connect(port, timeout=3.0) for _ in range(3)]
            try:
                for i, c in enumerate(conns):
                    r, _ = tcp_ask(c, port, cseq=i + 1)
                    self.assertEqual(r.code, 200)
                fourth = tcp_connect(port, timeout=3.0)
                conns.append(fourth)
                self.assertTrue(sctest.wait_closed(fourth, 2.0),
                                "4th connection not closed")
                for i, c in enumerate(conns[:3]):
                    r, _ = tcp_ask(c, port, cseq=10 + i)
                    self.assertEqual((r.code, r.get("CSeq")),
                                     (200, f"{10 + i} OPTIONS"))
            finally:
                for c in conns:
                    c.close()
            # the slots come back once connections close
            deadline = time.monotonic() + 3.0
            while True:
                c = tcp_connect(port, timeout=3.0)
                try:
                    r, _ = tcp_ask(c, port)
                    self.assertEqual(r.code, 200)
                    break
                except (ConnectionError, OSError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
                finally:
                    c.close()


class Ipc(unittest.TestCase):
    def test_deliver_to_connection_of_other_worker(self):
        port = sctest.free_port()
        with sctest.Sipcore(f"listen=tcp:127.0.0.1:{port}\n"
                            'loadmodule "sct.so"\n', children=2):
            conns = []
            owner = {}
            try:
                a = b = None
                for i in range(40):
                    c = tcp_connect(port, timeout=3.0)
                    conns.append(c)
                    r, _ = tcp_ask(c, port, extra="X-Sct-Whoami: 1\r\n")
                    self.assertEqual(r.code, 200, r.raw)
                    owner[c] = (int(r.get("X-Conn-Id")),
                                int(r.get("X-Worker")))
                    workers = {w for _, w in owner.values()}
                    if len(workers) == 2:
                        a = conns[0]
                        b = c
                        break
                self.assertIsNotNone(b, "all connections on one worker")
                self.assertNotEqual(owner[a][1], owner[b][1])
                msg = sip_request("MESSAGE", "TCP", port=port, cseq=7,
                                  extra=f"X-Deliver-To: {owner[b][0]}\r\n",
                                  body=b"hello over ipc")
                a.sendall(msg)
                raw, _ = read_message(a, timeout=3.0)
                r = SipReply(raw)
                self.assertEqual(r.code, 202, raw)
                self.assertEqual(r.get("CSeq"), "7 MESSAGE")
                self.assertEqual(int(r.get("X-Worker")), owner[a][1])
                got = sctest.recv_exact(b, len(msg), 3.0)
                self.assertEqual(got, msg)
                self.assertTrue(nothing_more(b))
                # an id that names no connection of A's own worker: 480
                bogus = (10 ** 9 << 16) | owner[a][1]
                a.sendall(sip_request("MESSAGE", "TCP", port=port, cseq=8,
                                      extra=f"X-Deliver-To: {bogus}\r\n"))
                raw, _ = read_message(a, timeout=3.0)
                self.assertEqual(SipReply(raw).code, 480, raw)
            finally:
                for c in conns:
                    c.close()


class SendTimeout(unittest.TestCase):
    """A peer that stops reading: once queued bytes make no progress for
    tcp_send_timeout, that connection is closed; others go on."""

    def test_stalled_reader_is_closed(self):
        port = sctest.free_port()
        cfg = (f"listen=tcp:127.0.0.1:{port}\n"
               'loadmodule "sct.so"\n'
               "tcp_send_timeout=1\n"
               # the queue limits must not be what closes it
               "tcp_conn_wq_max=100000000\ntcp_wq_max=200000000\n")
        with sctest.Sipcore(cfg, children=1) as sc:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", port))
            s.sendall(sctest.sip_request("OPTIONS", "TCP", port=port,
                                         extra="X-Sct-Whoami: 1\r\n"))
            raw, _ = sctest.read_message(s)
            cid = sctest.SipReply(raw).get("X-Conn-Id")
            # every MESSAGE comes back to us (X-Deliver-To our own id),
            # and we never read
            body = b"x" * 30000
            t0 = time.time()
            for i in range(150):
                s.sendall(sctest.sip_request(
                    "MESSAGE", "TCP", port=port, cseq=i + 2, body=body,
                    extra=f"X-Deliver-To: {cid}\r\n"))
            m = sc.wait_log(r"send timeout: \d+ bytes stalled for 1000 ms",
                            5.0)
            self.assertIsNotNone(m, sc.log()[-2000:])
            self.assertLess(time.time() - t0, 4.0)
            self.assertTrue(sctest.wait_closed(s, 10.0))
            s.close()
            # the server goes on
            c = sctest.tcp_connect(port)
            c.sendall(sctest.sip_request("OPTIONS", "TCP", port=port))
            raw, _ = sctest.read_message(c)
            self.assertEqual(sctest.SipReply(raw).code, 200)
            c.close()


class OutgoingConnections(unittest.TestCase):
    """sc_conn_connect through the sct module's X-Sct-Connect hook: the
    non-blocking connect, bytes queued until the connection is open, the
    transport's client side (the sct greeting), and the new connection
    then carrying SIP both ways."""

    @classmethod
    def setUpClass(cls):
        cls.port = sctest.free_port()
        cls.sc = sctest.Sipcore(f"listen=udp:127.0.0.1:{cls.port}\n"
                                'loadmodule "sct.so"\n', children=2)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()

    def connect_via(self, target):
        msg = sctest.sip_request("MESSAGE", port=self.port,
                                 extra=f"X-Sct-Connect: {target}\r\n",
                                 body=b"hello over there")
        r, _ = sctest.udp_exchange(self.port, msg)
        return r, msg

    def server(self):
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        srv.settimeout(5.0)
        self.addCleanup(srv.close)
        return srv

    def test_tcp_connect_carries_sip_both_ways(self):
        srv = self.server()
        port = srv.getsockname()[1]
        r, msg = self.connect_via(f"tcp:127.0.0.1:{port}")
        self.assertEqual(r.code, 202, r.raw)
        c, _ = srv.accept()
        self.addCleanup(c.close)
        raw, rest = sctest.read_message(c)
        self.assertEqual(raw, msg)
        # the outgoing connection is a connection like any other
        c.sendall(sctest.sip_request("OPTIONS", "TCP", port=port))
        raw, _ = sctest.read_message(c, rest)
        self.assertEqual(sctest.SipReply(raw).code, 200)

    def test_transport_client_side(self):
        srv = self.server()
        port = srv.getsockname()[1]
        r, msg = self.connect_via(f"sct:127.0.0.1:{port}")
        self.assertEqual(r.code, 202, r.raw)
        c, _ = srv.accept()
        self.addCleanup(c.close)
        c.settimeout(5.0)
        # nothing but the greeting until we answer it
        self.assertEqual(sctest.recv_exact(c, 5), b"SCT1\n")
        c.sendall(b"SCT1 OK\n")
        raw, _ = sctest.read_message(c)
        self.assertEqual(raw, msg)

    def test_refused_connect_is_logged(self):
        port = sctest.free_port()
        r, _ = self.connect_via(f"tcp:127.0.0.1:{port}")
        self.assertEqual(r.code, 202, r.raw)
        self.assertIsNotNone(self.sc.wait_log(
            rf"127\.0\.0\.1:{port}: connect failed: Connection refused"))

    def test_unknown_transport_is_refused(self):
        r, _ = self.connect_via("nosuch:127.0.0.1:9")
        self.assertEqual(r.code, 503, r.raw)


if __name__ == "__main__":
    sctest.main()
