# SPDX-License-Identifier: GPL-2.0-or-later
"""What a hostile stream peer can make the core do, and the limits that
stop it: connections per address, fresh connections per worker, the first
message and message read deadlines, pipelined bursts that end in FIN,
keepalive bursts, Content-Length values with too many digits."""
import socket
import time
import unittest

import sctest
from sctest import SipReply, read_message, sip_request


def connect_from(src, port, timeout=3.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def ask(sock, port, cseq=1):
    sock.sendall(sip_request("OPTIONS", "TCP", port=port, cseq=cseq))
    raw, _ = read_message(sock, timeout=3.0)
    return SipReply(raw)


def answered(src, port):
    """True when a new connection from @src gets its OPTIONS answered."""
    try:
        s = connect_from(src, port)
    except OSError:
        return False
    try:
        return ask(s, port).code == 200
    except (OSError, ConnectionError):
        return False
    finally:
        s.close()


def options_burst(port, n):
    return b"".join(sip_request("OPTIONS", "TCP", port=port, cseq=i + 1,
                                call_id=f"burst-{i}@t") for i in range(n))


class Limits(unittest.TestCase):
    def setUp(self):
        self.socks = []
        self.sc = None

    def tearDown(self):
        for s in self.socks:
            s.close()
        if self.sc:
            self.sc.close()

    def start(self, cfg, children=1):
        self.port = sctest.free_port()
        self.sc = sctest.Sipcore(f"listen=tcp:127.0.0.1:{self.port}\n" + cfg,
                                 children=children, log_level=2)

    def hold(self, src="127.0.0.1", n=1):
        out = []
        for _ in range(n):
            s = connect_from(src, self.port)
            self.socks.append(s)
            out.append(s)
        return out

    def assert_workers_alive(self):
        log = self.sc.log()
        self.assertNotIn("exited with", log)
        self.assertNotIn("killed by", log)

    def test_per_ip_limit_across_workers(self):
        self.start("tcp_max_connections_per_ip=6\n", children=2)
        held = self.hold("127.0.0.1", 6)
        for i, s in enumerate(held):
            self.assertEqual(ask(s, self.port, cseq=i + 1).code, 200)
        # the seventh from the same address is closed unanswered, on
        # whichever worker it lands
        for _ in range(4):
            s = connect_from("127.0.0.1", self.port)
            self.socks.append(s)
            s.sendall(sip_request("OPTIONS", "TCP", port=self.port))
            self.assertTrue(sctest.wait_closed(s, 3.0))
        # another address is not affected
        self.assertTrue(answered("127.0.0.2", self.port))
        self.assertTrue(self.sc.wait_log(
            r"refused 127\.0\.0\.1:\d+: tcp_max_connections_per_ip \(6\)"))
        # a closed connection gives its slot back
        held[0].close()
        self.socks.remove(held[0])
        deadline = time.time() + 3
        while time.time() < deadline and not answered("127.0.0.1",
                                                      self.port):
            time.sleep(0.1)
        self.assertTrue(answered("127.0.0.1", self.port) or
                        time.time() < deadline)
        self.assert_workers_alive()

    def test_per_ip_limit_off(self):
        self.start("tcp_max_connections_per_ip=0\n")
        held = self.hold("127.0.0.1", 30)
        for i, s in enumerate(held):
            self.assertEqual(ask(s, self.port, cseq=i + 1).code, 200)

    def test_fresh_connections_evicted_oldest_first(self):
        self.start("tcp_max_handshakes=8\n")
        silent = self.hold("127.0.0.3", 8)
        time.sleep(0.3)
        # a real client still gets in: the oldest silent one makes room
        self.assertTrue(answered("127.0.0.4", self.port))
        self.assertTrue(sctest.wait_closed(silent[0], 3.0))
        for s in silent[2:]:
            self.assertFalse(sctest.wait_closed(s, 0.05))
        self.assertTrue(self.sc.wait_log(r"closed to make room: no message"))
        # a connection that has sent a message is never evicted
        proven = self.hold("127.0.0.4", 1)[0]
        self.assertEqual(ask(proven, self.port).code, 200)
        for _ in range(20):
            self.hold("127.0.0.3", 1)
        self.assertEqual(ask(proven, self.port, cseq=2).code, 200)
        self.assert_workers_alive()

    def test_max_connections_evicts_fresh_refuses_when_all_proven(self):
        self.start("tcp_max_connections=6\ntcp_max_handshakes=100\n")
        silent = self.hold("127.0.0.5", 6)
        time.sleep(0.3)
        # full of connections that said nothing: the oldest goes
        self.assertTrue(answered("127.0.0.6", self.port))
        self.assertTrue(sctest.wait_closed(silent[0], 3.0))
        for s in silent[1:]:
            s.close()
            self.socks.remove(s)
        time.sleep(0.3)
        proven = self.hold("127.0.0.6", 6)
        for i, s in enumerate(proven):
            self.assertEqual(ask(s, self.port, cseq=i + 1).code, 200)
        # full of working connections: a new one is refused, none closed
        late = connect_from("127.0.0.7", self.port)
        self.socks.append(late)
        self.assertTrue(sctest.wait_closed(late, 3.0))
        for i, s in enumerate(proven):
            self.assertEqual(ask(s, self.port, cseq=10 + i).code, 200)
        self.assertTrue(self.sc.wait_log(r"tcp_max_connections \(6\) "
                                         r"reached"))

    def test_first_message_deadline(self):
        self.start("tcp_msg_data_timeout=1\ntcp_connection_lifetime=600\n")
        silent, talker = self.hold("127.0.0.1", 2)
        self.assertEqual(ask(talker, self.port).code, 200)
        t0 = time.time()
        self.assertTrue(sctest.wait_closed(silent, 4.0))
        self.assertGreater(time.time() - t0, 0.5)
        # the one that spoke stays
        time.sleep(0.5)
        self.assertEqual(ask(talker, self.port, cseq=2).code, 200)
        self.assertTrue(self.sc.wait_log(r"no SIP message within "
                                         r"tcp_msg_data_timeout"))

    def test_message_read_deadline_despite_dribbling(self):
        self.start("tcp_msg_read_timeout=1\ntcp_connection_lifetime=600\n")
        s = self.hold("127.0.0.1", 1)[0]
        self.assertEqual(ask(s, self.port).code, 200)
        partial = sip_request("OPTIONS", "TCP", port=self.port, cseq=2)
        closed = False
        t0 = time.time()
        for b in partial[:40]:
            try:
                s.sendall(bytes([b]))
            except OSError:
                closed = True
                break
            if sctest.wait_closed(s, 0.2):
                closed = True
                break
        self.assertTrue(closed, "a message that never completes kept the "
                        "connection open")
        self.assertLess(time.time() - t0, 5.0)
        self.assertTrue(self.sc.wait_log(r"message incomplete after "
                                         r"tcp_msg_read_timeout"))

    def test_slow_but_complete_messages_stay(self):
        self.start("tcp_msg_read_timeout=2\ntcp_msg_data_timeout=2\n")
        s = self.hold("127.0.0.1", 1)[0]
        for cseq in range(1, 4):
            msg = sip_request("OPTIONS", "TCP", port=self.port, cseq=cseq)
            half = len(msg) // 2
            s.sendall(msg[:half])
            time.sleep(0.8)
            s.sendall(msg[half:])
            raw, _ = read_message(s, timeout=3.0)
            self.assertEqual(SipReply(raw).get("CSeq"), f"{cseq} OPTIONS")

    def test_pipelined_burst_then_fin(self):
        # the burst outruns the write queue (the client never reads); the
        # connection dies with queued writes and pending reads
        self.start("tcp_conn_wq_max=65536\n", children=2)
        control = self.hold("127.0.0.9", 1)[0]
        self.assertEqual(ask(control, self.port).code, 200)
        burst = options_burst(self.port, 4000)
        for _ in range(6):
            s = connect_from("127.0.0.1", self.port, timeout=10.0)
            try:
                s.sendall(burst)
            except OSError:
                pass
            s.close()
        lfs = b"\n" * 300000 + b"GARBAGE\r\n\r\n"
        for _ in range(3):
            s = connect_from("127.0.0.1", self.port, timeout=10.0)
            try:
                s.sendall(lfs)
            except OSError:
                pass
            s.close()
        time.sleep(1.0)
        for i in range(5):
            self.assertEqual(ask(control, self.port, cseq=2 + i).code, 200)
        self.assertTrue(answered("127.0.0.1", self.port))
        self.assert_workers_alive()

    def test_keepalive_burst_gets_few_pongs(self):
        self.start("")
        s = self.hold("127.0.0.1", 1)[0]
        s.sendall(b"\r\n\r\n" * 4000)
        got = b""
        s.settimeout(1.0)
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += d
        except socket.timeout:
            pass
        self.assertGreater(len(got), 0, "no pong at all")
        self.assertEqual(got, b"\r\n" * (len(got) // 2))
        # one pong per read of pings, not one per ping
        self.assertLess(len(got) // 2, 100)
        self.assertEqual(ask(s, self.port).code, 200)

    def test_huge_content_length_gets_513(self):
        self.start("max_msg_size=4096\n")
        for value in ("99999999999", "18446744073709551616",
                      "9" * 40):
            s = self.hold("127.0.0.1", 1)[0]
            req = sip_request("OPTIONS", "TCP", port=self.port).replace(
                b"Content-Length: 0", b"Content-Length: " + value.encode())
            self.assertIn(value.encode(), req)
            s.sendall(req)
            raw, _ = read_message(s, timeout=3.0)
            self.assertEqual(SipReply(raw).code, 513, (value, raw))
            self.assertTrue(sctest.wait_closed(s, 3.0))


if __name__ == "__main__":
    sctest.main()
