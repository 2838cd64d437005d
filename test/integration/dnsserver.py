# SPDX-License-Identifier: GPL-2.0-or-later
"""A tiny authoritative DNS server on loopback for the relay's lookups:
A, AAAA and SRV records from a dict, NXDOMAIN for anything else. Enough of
RFC 1035 for c-ares; no compression in answers, no TCP."""
import socket
import struct
import threading

T_A, T_AAAA, T_SRV = 1, 28, 33


def _name(data, off):
    labels = []
    while True:
        n = data[off]
        if n == 0:
            return ".".join(labels), off + 1
        if n & 0xC0:
            raise ValueError("compression in a question")
        labels.append(data[off + 1:off + 1 + n].decode("ascii").lower())
        off += 1 + n


def _enc_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


class DnsServer:
    """@records: {(name, type): [value, ...]} where a value is an address
    text for A/AAAA and (priority, weight, port, target) for SRV."""

    def __init__(self, records, host="127.0.0.1"):
        self.records = {(n.lower(), t): v for (n, t), v in records.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        self.queries = []
        self.stop_flag = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def close(self):
        self.stop_flag = True
        self.thread.join(2)
        self.sock.close()

    def _run(self):
        while not self.stop_flag:
            try:
                data, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                out = self._answer(data)
            except (ValueError, IndexError, struct.error):
                continue
            self.sock.sendto(out, addr)

    def _rdata(self, qtype, value):
        if qtype == T_A:
            return socket.inet_pton(socket.AF_INET, value)
        if qtype == T_AAAA:
            return socket.inet_pton(socket.AF_INET6, value)
        prio, weight, port, target = value
        return struct.pack("!HHH", prio, weight, port) + _enc_name(target)

    def _answer(self, data):
        qid, flags, qd = struct.unpack("!HHH", data[:6])
        name, off = _name(data, 12)
        qtype, qclass = struct.unpack("!HH", data[off:off + 4])
        question = data[12:off + 4]
        self.queries.append((name, qtype))
        values = self.records.get((name, qtype))
        rcode = 0
        answers = b""
        if values is None:
            known = any(n == name for n, _ in self.records)
            rcode = 0 if known else 3  # NODATA or NXDOMAIN
            values = []
        for v in values:
            rd = self._rdata(qtype, v)
            answers += (b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60,
                                                  len(rd)) + rd)
        head = struct.pack("!HHHHHH", qid, 0x8400 | rcode, 1, len(values),
                           0, 0)
        return head + question + answers
