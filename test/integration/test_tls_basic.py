# SPDX-License-Identifier: GPL-2.0-or-later
"""tls_gnutls on real sockets: handshakes with gnutls-cli and openssl
s_client (TLS 1.2 and 1.3, ECDSA and RSA certificates), SIP over TLS
(replies, Via rport/received, a 60 KiB message across many records,
pipelining, CRLF keepalive), the handshake timeout, plain text on the TLS
port, close_notify on SIGTERM, session resumption across workers and the
refusal of renegotiation."""
import random
import signal
import socket
import ssl
import time
import unittest

import sctest
import tlsclient as tc
from sctest import SipReply, read_message, sip_request


def shared_cfg(pe, pr, extra=""):
    """Two TLS listeners: @pe with the ECDSA certificate (the global
    settings), @pr with the RSA one (a tls_domain block)."""
    return (f"listen=tls:127.0.0.1:{pe}\n"
            f"listen=tls:127.0.0.1:{pr}\n"
            'loadmodule "tls_gnutls.so"\n'
            'loadmodule "sct.so"\n'
            "max_msg_size=65536\n"
            f'tls_certificate="{tc.pki("server-ecdsa.pem")}"\n'
            f'tls_private_key="{tc.pki("server-ecdsa.key")}"\n'
            f'tls_ca_list="{tc.pki("ca.pem")}"\n'
            f"tls_domain[127.0.0.1:{pr}] {{\n"
            f'\ttls_certificate="{tc.pki("server-rsa.pem")}"\n'
            f'\ttls_private_key="{tc.pki("server-rsa.key")}"\n'
            "}\n" + extra)


def recv_until_closed(sock, timeout):
    """(closed, bytes) read from a plain socket until EOF or @timeout."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            sock.settimeout(max(0.01, deadline - time.time()))
            chunk = sock.recv(65536)
            if not chunk:
                return True, data
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        return True, data
    except socket.timeout:
        pass
    return False, data


class Shared(unittest.TestCase):
    """One server for the tests that leave it as they found it."""

    @classmethod
    def setUpClass(cls):
        cls.pe, cls.pr = tc.ports(2)
        cls.sc = sctest.Sipcore(shared_cfg(cls.pe, cls.pr), children=2)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()

    def setUp(self):
        self.socks = []

    def tearDown(self):
        for s in self.socks:
            s.close()

    def tls(self, port=None, **kw):
        s = tc.py_connect(port or self.pe, **kw)
        self.socks.append(s)
        return s

    def check_options_reply(self, r, port):
        """A 200 whose top Via got rport= (the client's port, as the
        server logged it on accept) and received=."""
        self.assertEqual(r.code, 200, r.raw)
        self.assertEqual(r.get("CSeq"), "1 OPTIONS")
        vias = r.all("Via")
        self.assertEqual(len(vias), 1, vias)
        sent_by, params = tc.via_params(vias[0])
        self.assertEqual(sent_by, f"SIP/2.0/TLS 127.0.0.1:{port}")
        self.assertEqual(params.get("received"), "127.0.0.1", vias[0])
        self.assertRegex(params.get("rport", ""), r"^\d+$", vias[0])
        cport = params["rport"]
        self.assertIsNotNone(
            self.sc.wait_log(rf"tls:127\.0\.0\.1:{cport}: accepted on "
                             rf"tls:127\.0\.0\.1:{port}\b", 2.0),
            f"no accept logged for client port {cport}")

    # ---- handshakes ---------------------------------------------------

    def test_handshakes_tools_versions_certs(self):
        """gnutls-cli and openssl s_client, TLS 1.2 and 1.3, against the
        ECDSA and the RSA listener: each handshake completes with the
        version asked for and the right key type, and an OPTIONS is
        answered 200 over it."""
        for tool in ("gnutls-cli", "openssl"):
            for version in ("1.2", "1.3"):
                for port, ktype in ((self.pe, "EC"), (self.pr, "RSA")):
                    with self.subTest(tool=tool, version=version,
                                      key=ktype):
                        r = tc.ask(tool, port, version=version)
                        self.assertTrue(r.handshake, r)
                        self.assertEqual(r.version, "TLS" + version, r)
                        self.assertIn("localhost", r.subject or "", r)
                        if tool == "gnutls-cli":
                            self.assertTrue(r.key_info.startswith(
                                "EC/ECDSA" if ktype == "EC" else "RSA"),
                                r.key_info)
                        else:
                            self.assertTrue(r.key_info.startswith(
                                "ECDSA" if ktype == "EC" else "RSA"),
                                r.key_info)
                        self.assertEqual(len(r.replies), 1, r)
                        self.check_options_reply(r.replies[0], port)

    def test_python_client_peer_info(self):
        s = self.tls(self.pe)
        self.assertEqual(s.version(), "TLSv1.3")
        subj = dict(x[0] for x in s.getpeercert()["subject"])
        self.assertEqual(subj["commonName"], "localhost")
        r, _ = tc.py_ask(s, self.pe)
        self.assertEqual(r.code, 200)
        _, params = tc.via_params(r.get("Via"))
        self.assertEqual(params["rport"], str(s.getsockname()[1]))

    # ---- SIP over TLS -------------------------------------------------

    def test_big_message_across_records_echoed_whole(self):
        """A MESSAGE with a 60 KiB body, written in ~60 TLS records of
        odd sizes, is parsed whole: without a hook it is answered 501;
        with X-Deliver-To naming its own connection the sct hook hands the
        exact bytes back over TLS."""
        s = self.tls(self.pe)
        cid, _, _ = tc.whoami(s, self.pe)
        body = bytes(random.choice(b"abcdefghijklmnopqrstuvwxyz0123456789")
                     for _ in range(60 * 1024))
        sizes = [1, 13, 100, 700, 1500, 4000]

        def send_in_records(data):
            off, i = 0, 0
            while off < len(data):
                n = sizes[i % len(sizes)]
                s.sendall(data[off:off + n])
                off += n
                i += 1
            return i

        plain = sip_request("MESSAGE", "TLS", port=self.pe, cseq=2,
                            extra="Content-Type: text/plain\r\n", body=body)
        self.assertGreater(send_in_records(plain), 50)
        raw, rest = read_message(s, timeout=5.0)
        r = SipReply(raw)
        self.assertEqual((r.code, r.get("CSeq")), (501, "2 MESSAGE"), raw)
        self.assertEqual(rest, b"")

        echo = sip_request("MESSAGE", "TLS", port=self.pe, cseq=3,
                           extra=f"X-Deliver-To: {cid}\r\n"
                           "Content-Type: text/plain\r\n", body=body)
        self.assertGreater(len(echo), 60 * 1024)
        self.assertLess(len(echo), 65536)
        send_in_records(echo)
        got = []
        buf = b""
        for _ in range(2):
            raw, buf = read_message(s, buf, timeout=5.0)
            got.append(raw)
        self.assertEqual(buf, b"")
        delivered = [m for m in got if m.startswith(b"MESSAGE ")]
        replies = [SipReply(m) for m in got if m.startswith(b"SIP/2.0 ")]
        self.assertEqual(len(delivered), 1, [m[:60] for m in got])
        self.assertEqual(len(delivered[0]), len(echo))
        self.assertTrue(delivered[0] == echo, "echoed bytes differ")
        self.assertEqual([(x.code, x.get("CSeq")) for x in replies],
                         [(202, "3 MESSAGE")])

    def test_pipelined_100_options_in_order(self):
        s = self.tls(self.pe)
        reqs = b"".join(sip_request("OPTIONS", "TLS", port=self.pe,
                                    cseq=i) for i in range(1, 101))
        s.sendall(reqs)
        buf = b""
        cseqs = []
        for _ in range(100):
            raw, buf = read_message(s, buf, timeout=5.0)
            r = SipReply(raw)
            self.assertEqual(r.code, 200, raw)
            cseqs.append(int(r.get("CSeq").split()[0]))
        self.assertEqual(cseqs, list(range(1, 101)))
        self.assertEqual(buf, b"")

    def test_crlf_keepalive(self):
        s = self.tls(self.pe)
        s.sendall(b"\r\n\r\n")
        self.assertEqual(sctest.recv_exact(s, 2, 3.0), b"\r\n")
        # nothing more than the pong
        s.settimeout(0.3)
        with self.assertRaises((socket.timeout, ssl.SSLWantReadError)):
            s.recv(1)
        s.settimeout(5.0)
        r, rest = tc.py_ask(s, self.pe, cseq=2)
        self.assertEqual((r.code, r.get("CSeq")), (200, "2 OPTIONS"))
        self.assertEqual(rest, b"")

    def test_plain_sip_on_tls_port(self):
        """Clear-text SIP on the TLS port: that connection is closed and
        answered nothing in clear; a TLS connection opened before it works
        on."""
        good = self.tls(self.pe)
        r, _ = tc.py_ask(good, self.pe, cseq=1)
        self.assertEqual(r.code, 200)
        bad = sctest.tcp_connect(self.pe, timeout=3.0)
        self.socks.append(bad)
        bad.sendall(sip_request("OPTIONS", "TCP", port=self.pe))
        closed, data = recv_until_closed(bad, 3.0)
        self.assertTrue(closed, "clear-text connection left open")
        self.assertNotIn(b"SIP/2.0", data)
        r, _ = tc.py_ask(good, self.pe, cseq=2)
        self.assertEqual((r.code, r.get("CSeq")), (200, "2 OPTIONS"))
        # and a new TLS connection is served as well
        r = tc.ask("gnutls-cli", self.pe)
        self.assertEqual(r.codes(), [200], r)

    def test_renegotiation_refused(self):
        """openssl s_client -tls1_2 asks to renegotiate ("R" on its
        stdin): the server closes that connection and stays up."""
        s = tc.openssl_session(self.pe, version="1.2", commands=True)
        try:
            s.send(tc.options(self.pe))
            self.assertTrue(s.wait_replies(1, 4.0), s.result())
            s.send(b"R\n")
            self.assertTrue(s.wait_exit(4.0),
                            "connection still open after renegotiation")
            res = s.finish()
        finally:
            s.kill()
        self.assertIn("RENEGOTIATING", res.text)
        self.assertEqual(res.codes(), [200], res)
        self.assertIsNotNone(self.sc.wait_log(r"renegotiat", 2.0),
                             "the refusal is not logged")
        r = tc.ask("openssl", self.pe, version="1.2")
        self.assertEqual(r.codes(), [200], r)

    def test_tls13_key_update(self):
        """TLS 1.3 key updates, in both directions: openssl s_client
        sends KeyUpdate ("k": update_requested, so the server updates its
        own keys too; then "K": update_not_requested) between requests;
        the connection stays up and every request is answered."""
        s = tc.openssl_session(self.pe, version="1.3", commands=True)
        try:
            s.send(tc.options(self.pe, cseq=1))
            self.assertTrue(s.wait_replies(1, 4.0), s.result())
            for i, cmd in enumerate((b"k\n", b"K\n", b"k\n"), start=2):
                # s_client takes a command from the start of one stdin
                # read: let it act before the next request follows
                s.send(cmd)
                self.assertTrue(s.wait_for(
                    lambda b, n=i - 1: b.count(b"KEYUPDATE") >= n, 4.0),
                    s.result())
                s.send(tc.options(self.pe, cseq=i))
                self.assertTrue(s.wait_replies(i, 4.0), s.result())
            res = s.finish()
        finally:
            s.kill()
        self.assertIn("KEYUPDATE", res.text)
        self.assertEqual(res.codes(), [200, 200, 200, 200], res)
        self.assertFalse(res.closed, "the server closed the connection")

    # ---- session resumption -------------------------------------------

    def test_resumption_gnutls_cli(self):
        for version in ("1.2", "1.3"):
            with self.subTest(version=version):
                r = tc.ask("gnutls-cli", self.pe, version=version,
                           resume=True)
                self.assertTrue(r.resumed, r)
                self.assertEqual(r.version, "TLS" + version, r)
                self.assertEqual(r.codes(), [200], r)

    def test_resumption_across_workers(self):
        """A session from one worker resumes on both workers (the ticket
        key is shared); every connection is resumed."""
        for version in ("1.2", "1.3"):
            with self.subTest(version=version):
                ctx = tc.py_context(version=version)
                first = self.tls(self.pe, ctx=ctx)
                tc.whoami(first, self.pe)
                sess = first.session
                self.assertIsNotNone(sess)
                self.assertFalse(first.session_reused)
                workers = set()
                reused = []
                for i in range(24):
                    s = self.tls(self.pe, ctx=ctx, session=sess)
                    _, worker, _ = tc.whoami(s, self.pe, cseq=i + 2)
                    reused.append(s.session_reused)
                    workers.add(worker)
                    s.close()
                    if len(workers) == 2 and i >= 3:
                        break
                self.assertEqual(len(workers), 2,
                                 "all connections went to one worker")
                self.assertTrue(all(reused), reused)


class HandshakeTimeout(unittest.TestCase):
    """tls_handshake_timeout=1: a client that never completes a handshake
    is closed after about a second; an open connection is not."""

    @classmethod
    def setUpClass(cls):
        cls.port = sctest.free_port()
        cls.sc = sctest.Sipcore(tc.tls_basic_cfg(
            cls.port, extra="tls_handshake_timeout=1\n"), children=1)

    @classmethod
    def tearDownClass(cls):
        cls.sc.close()

    def test_silent_client_closed(self):
        s = sctest.tcp_connect(self.port, timeout=3.0)
        try:
            t0 = time.time()
            closed, data = recv_until_closed(s, 4.0)
            took = time.time() - t0
        finally:
            s.close()
        self.assertTrue(closed, "silent client not closed within 4 s")
        self.assertGreater(took, 0.7)
        self.assertLess(took, 2.5)

    def test_partial_client_hello_closed(self):
        s = sctest.tcp_connect(self.port, timeout=3.0)
        try:
            # a record header announcing a ClientHello that never comes
            s.sendall(b"\x16\x03\x01\x02\x00\x01")
            t0 = time.time()
            closed, _ = recv_until_closed(s, 4.0)
            took = time.time() - t0
        finally:
            s.close()
        self.assertTrue(closed)
        self.assertLess(took, 2.5)

    def test_established_connection_outlives_timeout(self):
        s = tc.py_connect(self.port)
        try:
            time.sleep(1.6)
            r, _ = tc.py_ask(s, self.port)
            self.assertEqual(r.code, 200)
        finally:
            s.close()


class CloseNotify(unittest.TestCase):
    """SIGTERM: every open TLS connection gets close_notify before the TCP
    close, not a ragged EOF."""

    def test_sigterm_sends_close_notify(self):
        port = sctest.free_port()
        with sctest.Sipcore(tc.tls_basic_cfg(port, sct=True),
                            children=2) as sc:
            socks = []
            try:
                workers = set()
                for i in range(24):
                    version = "1.2" if i % 2 else "1.3"
                    s = tc.py_connect(port, ctx=tc.py_context(
                        version=version))
                    socks.append(s)
                    _, w, _ = tc.whoami(s, port, cseq=i + 1)
                    workers.add(w)
                    if len(workers) == 2 and i >= 3:
                        break
                sc.signal(signal.SIGTERM)
                for s in socks:
                    s.settimeout(5.0)
                    try:
                        got = s.recv(100)
                    except ssl.SSLZeroReturnError:
                        got = b""
                    except ssl.SSLEOFError as e:
                        self.fail(f"{s.version()}: EOF without "
                                  f"close_notify ({e})")
                    self.assertEqual(got, b"")
                self.assertEqual(sc.proc.wait(10), 0, sc.log())
            finally:
                for s in socks:
                    s.close()
            # connections were spread over the workers (more than one
            # process sent close_notify)
            self.assertEqual(len(workers), 2)


class TlsSendTimeout(unittest.TestCase):
    """tls_send_timeout: a TLS peer that stops reading is closed once the
    queued bytes make no progress for that long."""

    def test_stalled_tls_reader_is_closed(self):
        port = sctest.free_port()
        cfg = tc.tls_basic_cfg(port, sct=True,
                               extra="tls_send_timeout=1\n"
                               "tcp_conn_wq_max=100000000\n"
                               "tcp_wq_max=200000000\n")
        with sctest.Sipcore(cfg, children=1) as sc:
            raw = socket.socket()
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            raw.connect(("127.0.0.1", port))
            s = tc.py_context().wrap_socket(raw, suppress_ragged_eofs=True)
            s.settimeout(10.0)
            cid, _, _ = tc.whoami(s, port)
            body = b"x" * 30000
            t0 = time.time()
            for i in range(150):
                s.sendall(sip_request("MESSAGE", "TLS", port=port,
                                      cseq=i + 2, body=body,
                                      extra=f"X-Deliver-To: {cid}\r\n"))
            m = sc.wait_log(r"send timeout: \d+ bytes stalled for 1000 ms",
                            5.0)
            self.assertIsNotNone(m, sc.log()[-2000:])
            self.assertLess(time.time() - t0, 4.0)
            s.close()
            r = tc.ask("gnutls-cli", port)
            self.assertEqual(r.codes(), [200], r)


if __name__ == "__main__":
    sctest.need_tool("gnutls-cli")
    sctest.need_tool("openssl")
    tc.need_env()
    tc.need_pki("server-rsa.pem", "server-rsa.key")
    sctest.main()
