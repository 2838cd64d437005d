# SPDX-License-Identifier: GPL-2.0-or-later
"""sipcore as an edge relay (forward_to), end to end: TLS, TCP and UDP
clients on 127.0.0.1, a SIP server behind on 127.0.0.2 (sipserver.py),
requests and replies both ways, flows, Path and Record-Route, the errors
a proxy owes (400, 403, 430, 482, 483), retransmissions for stream
clients, and 10,000 requests over 100 TLS connections on 4 workers."""
import re
import socket
import threading
import time
import unittest

import sctest
import tlsclient
from sctest import SipReply, read_message
from sipserver import SipServer, headers, hall, hget


def req(method, ruri, transport="TLS", cseq=1, call_id=None, extra="",
        maxfwd="70", branch=None, body=b"", via_host="127.0.0.1:5999",
        to=None):
    call_id = call_id or sctest.rand_token() + "@cli"
    branch = branch or "z9hG4bK" + sctest.rand_token()
    mf = f"Max-Forwards: {maxfwd}\r\n" if maxfwd is not None else ""
    return (f"{method} {ruri} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} {via_host};branch={branch}\r\n"
            + mf +
            f"From: <sip:alice@example.com>;tag=a{sctest.rand_token(5)}\r\n"
            f"To: <{to or ruri}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n" + extra +
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def top_via(raw):
    _, hs = headers(raw)
    return hall(hs, "Via")[0]


class Edge(unittest.TestCase):
    children = 2
    extra_cfg = ""
    server_mode = "answer"

    @classmethod
    def setUpClass(cls):
        tlsclient.need_env()
        cls.srv = SipServer(mode=cls.server_mode)
        cls.udp, cls.tls = tlsclient.ports(2)
        cfg = (f"listen=udp:127.0.0.1:{cls.udp}\n"
               f"listen=tcp:127.0.0.1:{cls.udp}\n" +
               tlsclient.tls_basic_cfg(cls.tls) +
               f'forward_to="udp:{cls.srv.host}:{cls.srv.port}"\n' +
               cls.extra_cfg)
        try:
            cls.sc = sctest.Sipcore(cfg, children=cls.children,
                                    log_level=2)
        except BaseException:
            cls.srv.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        cls.sc.close()

    def setUp(self):
        self.socks = []

    def tearDown(self):
        for s in self.socks:
            s.close()

    def tls_conn(self, cert=None):
        ctx = tlsclient.py_context(cert=cert) if cert else None
        s = tlsclient.py_connect(self.tls, ctx=ctx)
        self.socks.append(s)
        return s

    def ask(self, sock, data, timeout=5.0):
        sock.sendall(data)
        raw, _ = read_message(sock, timeout=timeout)
        return raw

    def at_server(self, call_id, first=None, timeout=5.0):
        return self.srv.wait(
            lambda d: f"Call-ID: {call_id}".encode() in d and
            (first is None or d.startswith(first.encode())), timeout)


class Basic(Edge):
    def test_tls_request_relayed_and_answered(self):
        s = self.tls_conn()
        cid = sctest.rand_token()
        raw = self.ask(s, req("OPTIONS", "sip:bob@example.com",
                              call_id=cid))
        r = SipReply(raw)
        self.assertEqual(r.code, 200, raw)
        # our Via is gone from the reply, the client's is back on top
        self.assertEqual(len(r.all("Via")), 1, raw)
        self.assertTrue(r.get("Via").startswith("SIP/2.0/TLS 127.0.0.1:5999"))
        got = self.at_server(cid, "OPTIONS")
        first, hs = headers(got)
        self.assertEqual(first, "OPTIONS sip:bob@example.com SIP/2.0")
        vias = hall(hs, "Via")
        self.assertEqual(len(vias), 2, vias)
        self.assertTrue(vias[0].startswith(
            f"SIP/2.0/UDP 127.0.0.1:{self.udp};branch=z9hG4bK-"), vias[0])
        self.assertIn(";rport", vias[0])
        self.assertTrue(vias[1].startswith("SIP/2.0/TLS 127.0.0.1:5999"))
        self.assertEqual(hget(hs, "Max-Forwards"), "69")

    def test_retransmission_same_branch_cancel_too(self):
        s = self.tls_conn()
        cid = sctest.rand_token()
        br = "z9hG4bK" + sctest.rand_token()
        inv = req("INVITE", "sip:bob@example.com", call_id=cid, branch=br)
        s.sendall(inv)
        read_message(s, timeout=5.0)
        s.sendall(inv)
        read_message(s, timeout=5.0)
        can = inv.replace(b"INVITE sip", b"CANCEL sip").replace(
            b" INVITE\r\n", b" CANCEL\r\n")
        s.sendall(can)
        read_message(s, timeout=5.0)
        time.sleep(0.2)
        got = [d for _, _, d in self.srv.received
               if f"Call-ID: {cid}".encode() in d and
               not d.startswith(b"SIP/")]
        self.assertEqual(len(got), 3)
        branches = {re.search(r"branch=([^;,\s]+)", top_via(d)).group(1)
                    for d in got}
        self.assertEqual(len(branches), 1, branches)

    def test_udp_client_gets_received_rport(self):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        u.settimeout(3)
        self.socks.append(u)
        cid = sctest.rand_token()
        u.sendto(req("OPTIONS", "sip:bob@example.com", transport="UDP",
                     call_id=cid), ("127.0.0.1", self.udp))
        data, _ = u.recvfrom(65535)
        self.assertEqual(SipReply(data).code, 200)
        _, hs = headers(self.at_server(cid, "OPTIONS"))
        vias = hall(hs, "Via")
        self.assertEqual(len(vias), 2)
        self.assertIn(f";received=127.0.0.1;rport={u.getsockname()[1]}",
                      vias[1])

    def test_max_forwards_zero_483_and_bad_400(self):
        s = self.tls_conn()
        cid = sctest.rand_token()
        r = SipReply(self.ask(s, req("MESSAGE", "sip:bob@example.com",
                                     maxfwd="0", call_id=cid)))
        self.assertEqual(r.code, 483)
        r = SipReply(self.ask(s, req("MESSAGE", "sip:bob@example.com",
                                     maxfwd="x7", call_id=cid, cseq=2)))
        self.assertEqual(r.code, 400)
        time.sleep(0.2)
        self.assertIsNone(self.at_server(cid, timeout=0.1))

    def test_missing_max_forwards_gets_70_less_one(self):
        s = self.tls_conn()
        cid = sctest.rand_token()
        self.assertEqual(SipReply(self.ask(s, req(
            "OPTIONS", "sip:bob@example.com", maxfwd=None,
            call_id=cid))).code, 200)
        _, hs = headers(self.at_server(cid, "OPTIONS"))
        self.assertEqual(hget(hs, "Max-Forwards"), "69")

    def test_options_to_us_answered_by_us(self):
        s = self.tls_conn()
        cid = sctest.rand_token()
        r = SipReply(self.ask(s, req("OPTIONS", f"sip:127.0.0.1:{self.tls}"
                                     ";transport=tls", call_id=cid)))
        self.assertEqual(r.code, 200)
        self.assertEqual(r.get("Server"), "sipcore")
        time.sleep(0.2)
        self.assertIsNone(self.at_server(cid, timeout=0.1))

    def test_invite_gets_double_record_route(self):
        s = self.tls_conn()
        cid = sctest.rand_token()
        self.ask(s, req("INVITE", "sip:bob@example.com", call_id=cid))
        _, hs = headers(self.at_server(cid, "INVITE"))
        rr = hall(hs, "Record-Route")
        self.assertEqual(len(rr), 2, rr)
        self.assertEqual(rr[0], f"<sip:127.0.0.1:{self.udp};lr>")
        self.assertRegex(rr[1], r"^<sip:[a-z2-7]{40,}@127\.0\.0\.1:%d;"
                         r"transport=tls;lr;ob>$" % self.tls)


class Flows(Edge):
    children = 4

    def register(self, s, user):
        cid = sctest.rand_token()
        contact = f"<sip:{user}@127.0.0.1:5999;transport=tls;ob>"
        r = SipReply(self.ask(s, req(
            "REGISTER", "sip:example.com", call_id=cid,
            to=f"sip:{user}@example.com",
            extra=f"Contact: {contact}\r\n")))
        self.assertEqual(r.code, 200)
        got = self.at_server(cid, "REGISTER")
        _, hs = headers(got)
        path = hall(hs, "Path")
        self.assertEqual(len(path), 1, path)
        self.assertRegex(path[0], r"^<sip:[a-z2-7]{40,}@127\.0\.0\.1:%d;lr;"
                         r"ob>$" % self.udp)
        return path[0]

    def test_server_request_reaches_client_on_its_flow(self):
        a = self.tls_conn()
        path = self.register(a, "alice")
        cid = sctest.rand_token()
        self.srv.request_to("alice", "MESSAGE", ("127.0.0.1", self.udp),
                            call_id=cid, body=b"hello")
        raw, _ = read_message(a, timeout=5.0)
        first, hs = headers(raw)
        self.assertEqual(first.split(" ")[0], "MESSAGE")
        self.assertTrue(raw.endswith(b"hello"))
        # Route taken off, our Via on top over TLS, the server's below
        self.assertEqual(hall(hs, "Route"), [])
        vias = hall(hs, "Via")
        self.assertTrue(vias[0].startswith(f"SIP/2.0/TLS 127.0.0.1:"
                                           f"{self.tls};branch="), vias)
        self.assertIn("127.0.0.2", vias[1])
        # the client's answer reaches the server without our Via
        ans = ("SIP/2.0 200 OK\r\n" +
               "".join(f"Via: {v}\r\n" for v in vias) +
               f"From: {hget(hs, 'From')}\r\nTo: {hget(hs, 'To')};tag=c1\r\n"
               f"Call-ID: {cid}\r\nCSeq: {hget(hs, 'CSeq')}\r\n"
               "Content-Length: 0\r\n\r\n")
        a.sendall(ans.encode())
        got = self.at_server(cid, "SIP/2.0 200")
        self.assertIsNotNone(got)
        self.assertEqual(len(hall(headers(got)[1], "Via")), 1)
        self.assertTrue(path)

    def test_flow_gone_430(self):
        a = self.tls_conn()
        self.register(a, "carol")
        a.close()
        self.socks.remove(a)
        time.sleep(0.3)
        cid = sctest.rand_token()
        self.srv.request_to("carol", "MESSAGE", ("127.0.0.1", self.udp),
                            call_id=cid)
        got = self.at_server(cid, "SIP/2.0 430")
        self.assertIsNotNone(got, "no 430 Flow Failed")

    def test_forged_token_403_delivered_to_nobody(self):
        a = self.tls_conn()
        path = self.register(a, "dave")
        tok = re.search(r"sip:([a-z2-7]+)@", path).group(1)
        for i in (0, len(tok) // 2, len(tok) - 2):
            bad = tok[:i] + ("a" if tok[i] != "a" else "b") + tok[i + 1:]
            cid = sctest.rand_token()
            self.srv.request_to("dave", "MESSAGE", ("127.0.0.1", self.udp),
                                call_id=cid,
                                route=[path.replace(tok, bad)])
            got = self.at_server(cid, "SIP/2.0 ")
            self.assertIsNotNone(got)
            self.assertTrue(got.startswith(b"SIP/2.0 403"), got[:40])
        a.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            a.recv(1)
        self.assertTrue(self.sc.wait_log(r"forged flow token"))

    def test_two_clients_call_through_server(self):
        """alice INVITEs bob: the server routes it by bob's Path, bob's
        reply goes back to the server, in-dialog requests follow the
        Record-Route back to each client's connection."""
        a = self.tls_conn()
        b = self.tls_conn()
        self.register(a, "alice2")
        self.register(b, "bob2")
        cid = sctest.rand_token()
        a.sendall(req("INVITE", "sip:bob2@example.com", call_id=cid))
        got = self.at_server(cid, "INVITE")
        _, hs = headers(got)
        rr_a = hall(hs, "Record-Route")
        self.assertEqual(len(rr_a), 2)
        # the server (a proxy here) relays it to bob through the edge
        _, path = self.srv.bindings["bob2"]
        self.srv.send(got.replace(b"\r\nRecord-Route:", b"\r\nRoute: " +
                                  path[0].encode() + b"\r\nRecord-Route:",
                                  1), ("127.0.0.1", self.udp))
        raw, _ = read_message(b, timeout=5.0)
        first, hs_b = headers(raw)
        self.assertTrue(first.startswith("INVITE "))
        rr_b = hall(hs_b, "Record-Route")
        self.assertEqual(len(rr_b), 4, rr_b)   # ours twice, twice
        self.assertEqual(hget(hs_b, "Call-ID"), cid)
        # bob answers on his connection: the answer reaches the server,
        # our Via taken off, the server's own on top
        vias = hall(hs_b, "Via")
        ans = ("SIP/2.0 200 OK\r\n" +
               "".join(f"Via: {v}\r\n" for v in vias) +
               "".join(f"Record-Route: {v}\r\n" for v in rr_b) +
               f"From: {hget(hs_b, 'From')}\r\n"
               f"To: {hget(hs_b, 'To')};tag=b1\r\n"
               f"Call-ID: {cid}\r\nCSeq: {hget(hs_b, 'CSeq')}\r\n"
               "Contact: <sip:bob2@127.0.0.1:5999;transport=tls>\r\n"
               "Content-Length: 0\r\n\r\n")
        b.sendall(ans.encode())
        got = self.srv.wait(lambda d: d.startswith(b"SIP/2.0 200") and
                            b"tag=b1" in d and cid.encode() in d)
        self.assertIsNotNone(got)
        self.assertEqual(hall(headers(got)[1], "Via"), vias[1:])
        # an in-dialog request from the server side, routed by the
        # Record-Route bob saw, reaches bob on his connection again
        self.srv.request_to("bob2", "BYE", ("127.0.0.1", self.udp),
                            call_id=cid, cseq=2, route=rr_b[:2])
        raw, _ = read_message(b, timeout=5.0)
        self.assertTrue(raw.startswith(b"BYE "), raw[:40])
        self.assertEqual(hall(headers(raw)[1], "Route"), [])


class FlowTimer(Edge):
    extra_cfg = "flow_timer=30\ntcp_connection_lifetime=60\n"

    def test_register_ok_gets_flow_timer_and_pings_get_pongs(self):
        s = self.tls_conn()
        r = SipReply(self.ask(s, req(
            "REGISTER", "sip:example.com", to="sip:erin@example.com",
            extra="Contact: <sip:erin@127.0.0.1:5999;transport=tls;ob>\r\n")))
        self.assertEqual(r.code, 200)
        self.assertEqual(r.get("Flow-Timer"), "30")
        # RFC 5626 4.4.1: a double CRLF on the flow gets a single CRLF
        s.sendall(b"\r\n\r\n")
        self.assertEqual(sctest.recv_exact(s, 2, 3.0), b"\r\n")
        # other replies are left alone
        r = SipReply(self.ask(s, req("OPTIONS", "sip:bob@example.com")))
        self.assertIsNone(r.get("Flow-Timer"))


class Retransmit(Edge):
    extra_cfg = "relay_t1=100\nrelay_t2=400\n"
    server_mode = "late:3"

    def test_stream_request_retransmitted_on_udp(self):
        s = self.tls_conn()
        cid = sctest.rand_token()
        s.sendall(req("MESSAGE", "sip:bob@example.com", call_id=cid))
        raw, rest = read_message(s, timeout=5.0)
        self.assertEqual(SipReply(raw).code, 200)
        time.sleep(1.0)
        copies = self.srv.count(lambda d: d.startswith(b"MESSAGE") and
                                cid.encode() in d)
        self.assertEqual(copies, 3)
        # the answers to the other copies are not passed on twice
        s.settimeout(0.5)
        self.assertEqual(rest, b"")
        with self.assertRaises(socket.timeout):
            s.recv(1)


class GiveUp(Edge):
    extra_cfg = "relay_t1=50\nrelay_t2=200\n"
    server_mode = "silent"

    def test_timer_f_408_to_stream_client(self):
        s = self.tls_conn()
        cid = sctest.rand_token()
        t0 = time.time()
        s.sendall(req("MESSAGE", "sip:bob@example.com", call_id=cid))
        raw, _ = read_message(s, timeout=10.0)
        r = SipReply(raw)
        self.assertEqual(r.code, 408)
        self.assertEqual(r.get("Call-ID"), cid)
        self.assertEqual(len(r.all("Via")), 1)
        self.assertGreater(time.time() - t0, 64 * 0.05 * 0.9)
        copies = self.srv.count(lambda d: d.startswith(b"MESSAGE") and
                                cid.encode() in d)
        self.assertGreaterEqual(copies, 5)


class ConnectFail(unittest.TestCase):
    def test_failed_connect_503(self):
        tlsclient.need_env()
        udp, tls, dead = tlsclient.ports(3)
        cfg = (f"listen=udp:127.0.0.1:{udp}\n" +
               tlsclient.tls_basic_cfg(tls) +
               f'forward_to="tcp:127.0.0.2:{dead}"\n')
        with sctest.Sipcore(cfg, children=2, log_level=2) as sc:
            s = tlsclient.py_connect(tls)
            try:
                for i in range(2):
                    s.sendall(req("MESSAGE", "sip:bob@example.com",
                                  cseq=i + 1))
                    raw, _ = read_message(s, timeout=5.0)
                    self.assertEqual(SipReply(raw).code, 503)
            finally:
                s.close()
            self.assertTrue(sc.wait_log(r"connection to 127\.0\.0\.2:%d "
                                        r"failed: 503" % dead))


class Dns(unittest.TestCase):
    """Next hops that are names: SRV then A (RFC 3263 4.2), A alone with
    a port, and a name that does not resolve (503)."""

    @classmethod
    def setUpClass(cls):
        from dnsserver import DnsServer, T_A, T_SRV
        cls.srv = SipServer()                    # the inside, 127.0.0.2
        cls.peer = SipServer(host="127.0.0.3")   # found through DNS
        cls.dns = DnsServer({
            ("_sip._udp.peer.test", T_SRV): [(10, 5, cls.peer.port,
                                               "target.test"),
                                              (20, 5, 9, "worse.test")],
            ("target.test", T_A): ["127.0.0.3"],
            ("direct.test", T_A): ["127.0.0.3"],
        })
        cls.udp = sctest.free_port()
        cfg = (f"listen=udp:127.0.0.1:{cls.udp}\n"
               f'forward_to="udp:{cls.srv.host}:{cls.srv.port}"\n'
               f'dns_servers="127.0.0.1:{cls.dns.port}"\n'
               "dns_timeout=500\n")
        cls.sc = sctest.Sipcore(cfg, children=2, log_level=2)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()
        for x in (cls.srv, cls.peer, cls.dns):
            x.close()

    def inside_request(self, ruri):
        cid = sctest.rand_token()
        msg = req("MESSAGE", ruri, transport="UDP", call_id=cid,
                  via_host=f"{self.srv.host}:{self.srv.port}")
        self.srv.send(msg, ("127.0.0.1", self.udp))
        return cid

    def test_srv_then_a(self):
        cid = self.inside_request("sip:bob@peer.test")
        got = self.peer.wait(lambda d: cid.encode() in d and
                             d.startswith(b"MESSAGE"))
        self.assertIsNotNone(got, "not delivered through SRV")
        # the peer's 200 comes back to the server behind
        self.assertIsNotNone(self.srv.wait(
            lambda d: d.startswith(b"SIP/2.0 200") and cid.encode() in d))
        self.assertIn(("_sip._udp.peer.test", 33), self.dns.queries)

    def test_port_given_a_only(self):
        cid = self.inside_request(f"sip:bob@direct.test:{self.peer.port}")
        self.assertIsNotNone(self.peer.wait(lambda d: cid.encode() in d))
        self.assertNotIn(("_sip._udp.direct.test", 33), self.dns.queries)

    def test_unresolvable_503(self):
        cid = self.inside_request("sip:bob@nowhere.test")
        got = self.srv.wait(lambda d: cid.encode() in d and
                            d.startswith(b"SIP/2.0 "))
        self.assertIsNotNone(got)
        self.assertTrue(got.startswith(b"SIP/2.0 503"), got[:40])


class DnsTls(unittest.TestCase):
    """A sips: next hop found through SRV is checked as its SIP domain
    (RFC 5922 7): the peer's certificate names sip:sipdomain.test and,
    as a DNS name, only the SRV target srv-target.test."""

    @classmethod
    def setUpClass(cls):
        from dnsserver import DnsServer, T_A, T_SRV
        tlsclient.need_env()
        cls.srv = SipServer()
        ptls, = tlsclient.ports(1)
        cls.peer = sctest.Sipcore(tlsclient.tls_basic_cfg(
            ptls, cert="sip-domain"), children=1, log_level=2)
        cls.dns = DnsServer({
            ("_sips._tcp.sipdomain.test", T_SRV): [(10, 5, ptls,
                                                    "srv-target.test")],
            ("_sips._tcp.srv-target.test", T_SRV): [(10, 5, ptls,
                                                     "srv-target.test")],
            ("srv-target.test", T_A): ["127.0.0.1"],
        })
        cls.udp = sctest.free_port()
        cfg = (f"listen=udp:127.0.0.1:{cls.udp}\n"
               'loadmodule "tls_gnutls.so"\n'
               "tls_domain[client:default] {\n"
               f'    tls_ca_list="{tlsclient.pki("ca.pem")}"\n'
               "    tls_verify=1\n}\n"
               f'forward_to="udp:{cls.srv.host}:{cls.srv.port}"\n'
               f'dns_servers="127.0.0.1:{cls.dns.port}"\n')
        cls.sc = sctest.Sipcore(cfg, children=1, log_level=2)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()
        cls.peer.close()
        cls.srv.close()
        cls.dns.close()

    def ask_inside(self, ruri):
        cid = sctest.rand_token()
        self.srv.send(req("OPTIONS", ruri, transport="UDP", call_id=cid,
                          via_host=f"{self.srv.host}:{self.srv.port}"),
                      ("127.0.0.1", self.udp))
        got = self.srv.wait(lambda d: cid.encode() in d and
                            d.startswith(b"SIP/2.0 "), timeout=8.0)
        self.assertIsNotNone(got, "no answer for " + ruri)
        return SipReply(got)

    def test_sip_domain_identity_accepted(self):
        r = self.ask_inside("sips:bob@sipdomain.test")
        self.assertEqual(r.code, 200, r.raw)
        self.assertEqual(r.get("Server"), "sipcore")

    def test_srv_target_is_no_identity(self):
        r = self.ask_inside("sips:bob@srv-target.test")
        self.assertEqual(r.code, 503, r.raw)
        self.assertTrue(self.sc.wait_log(r"connection to 127\.0\.0\.1:\d+ "
                                         r"failed: 503"))


class Loop(unittest.TestCase):
    def test_loop_482(self):
        port = sctest.free_port()
        # forward_to points back at sipcore; the client counts as outside
        cfg = (f"listen=udp:127.0.0.1:{port}\n"
               f'forward_to="udp:127.0.0.1:{port}"\n'
               'forward_from="192.0.2.1"\n')
        with sctest.Sipcore(cfg, children=1, log_level=2):
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(3)
            try:
                u.sendto(req("OPTIONS", "sip:bob@example.com",
                             transport="UDP"), ("127.0.0.1", port))
                r = SipReply(u.recvfrom(65535)[0])
            finally:
                u.close()
            self.assertEqual(r.code, 482)


class Config(unittest.TestCase):
    def test_bad_values_name_their_line(self):
        for line, want in (
                ('forward_to="udp:no-such-host.invalid:5060"',
                 "cannot resolve 'no-such-host.invalid'"),
                ('forward_to="smtp:127.0.0.2"', "bad forward_to"),
                ('forward_to="udp:127.0.0.2:70000"', "bad port"),
                ('forward_from="10.0.0.0/33"', "bad forward_from entry"),
                ('flow_secret_file="/nonexistent/secret"',
                 "/nonexistent/secret")):
            rc, out, path = sctest.run_config_check(
                "listen=udp:127.0.0.1:5999\n" + line + "\n")
            self.assertNotEqual(rc, 0, line)
            self.assertIn(f"{path}:2:", out, out)
            self.assertIn(want, out, out)


class SampleConfigs(unittest.TestCase):
    def test_etc_configs_are_valid(self):
        """Every sample config in etc/ passes sipcore -c as it is, with the
        demo PKI as its certs/ (what scripts/run.sh sets up)."""
        import glob
        import os
        import shutil
        import subprocess
        import tempfile
        src = os.environ["SC_SRCDIR"]
        cfgs = sorted(glob.glob(os.path.join(src, "etc", "*.cfg")))
        self.assertIn(os.path.join(src, "etc", "edge.cfg"), cfgs)
        d = tempfile.mkdtemp(prefix="sctest-etc-")
        try:
            os.symlink(os.environ["SC_PKI"], os.path.join(d, "certs"))
            for cfg in cfgs:
                with open(cfg) as f:
                    text = f.read()
                path = os.path.join(d, os.path.basename(cfg))
                with open(path, "w") as f:
                    f.write('mpath="%s"\n' % os.environ["SC_MPATH"]
                            .split(":")[-1] + text)
                p = subprocess.run([os.environ["SIPCORE"], "-c", "-f", path],
                                   capture_output=True, text=True,
                                   timeout=30)
                self.assertEqual(p.returncode, 0, cfg + ":\n" + p.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class Load(Edge):
    children = 4

    def test_10000_requests_100_connections(self):
        nconn, per = 100, 100
        socks = [self.tls_conn() for _ in range(nconn)]
        got = [0] * nconn
        errors = []

        def run(i):
            s = socks[i]
            buf = b""
            try:
                for k in range(per):
                    s.sendall(req("MESSAGE", "sip:bob@example.com",
                                  call_id=f"load-{i}-{k}", cseq=k + 1))
                    raw, buf = read_message(s, buf, timeout=10.0)
                    r = SipReply(raw)
                    if r.code != 200 or r.get("Call-ID") != f"load-{i}-{k}":
                        errors.append((i, k, r.code, r.get("Call-ID")))
                        return
                    got[i] += 1
            except Exception as e:
                errors.append((i, repr(e)))

        threads = [threading.Thread(target=run, args=(i,))
                   for i in range(nconn)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(sum(got), nconn * per)
        time.sleep(0.3)
        at_srv = self.srv.count(lambda d: d.startswith(b"MESSAGE") and
                                b"Call-ID: load-" in d)
        self.assertGreaterEqual(at_srv, nconn * per)
        # nothing more arrives on any connection: no duplicate replies
        for s in socks:
            s.settimeout(0.05)
            with self.assertRaises(socket.timeout):
                s.recv(1)


if __name__ == "__main__":
    sctest.main()
