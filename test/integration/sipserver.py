# SPDX-License-Identifier: GPL-2.0-or-later
"""A small SIP server for relay tests: it stands behind sipcore on UDP
(127.0.0.2 by default, so that sipcore's default forward_from tells it
apart from the clients on 127.0.0.1), answers requests, keeps the
registrations it is sent (Contact and Path), and sends requests of its own
to a registered client through the Path, as a registrar and proxy would.

Everything it receives is kept, in order, for the test to inspect."""
import re
import socket
import threading
import time

import sctest


def headers(raw):
    text = raw.decode("utf-8", "replace")
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    out = []
    for l in head[1:]:
        n, _, v = l.partition(":")
        out.append((n.strip(), v.strip()))
    return head[0], out


def hget(hs, name):
    for n, v in hs:
        if n.lower() == name.lower():
            return v
    return None


def hall(hs, name):
    vals = []
    for n, v in hs:
        if n.lower() == name.lower():
            vals += [x.strip() for x in split_list(v)]
    return vals


def split_list(v):
    out, cur, depth, q = [], "", 0, False
    for ch in v:
        if ch == '"':
            q = not q
        elif not q and ch == "<":
            depth += 1
        elif not q and ch == ">":
            depth -= 1
        if ch == "," and not q and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out


class SipServer:
    """@mode: 'answer' (200 to every request), 'silent' (never answers),
    'late:N' (answers only the Nth copy of a request)."""

    def __init__(self, host="127.0.0.2", mode="answer"):
        self.host = host
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        self.mode = mode
        self.received = []          # (time, addr, raw)
        self.copies = {}            # branch -> count
        self.bindings = {}          # AOR user -> (contact, [path])
        self.lock = threading.Lock()
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
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.received.append((time.time(), addr, data))
            if data.startswith(b"SIP/2.0"):
                continue
            self._answer(data, addr)

    def _answer(self, data, addr):
        first, hs = headers(data)
        method = first.split(" ")[0]
        if method == "ACK":
            return
        vias = [v for n, v in hs if n.lower() in ("via", "v")]
        top = split_list(vias[0])[0] if vias else ""
        m = re.search(r"branch=([^;,\s]+)", top)
        br = m.group(1) if m else ""
        with self.lock:
            self.copies[br] = self.copies.get(br, 0) + 1
            n = self.copies[br]
        if self.mode == "silent":
            return
        if self.mode.startswith("late:") and n < int(self.mode[5:]):
            return
        extra = ""
        if method == "REGISTER":
            to = hget(hs, "To") or ""
            user = re.search(r"sip:([^@>;]+)@", to)
            contact = hget(hs, "Contact") or hget(hs, "m")
            with self.lock:
                self.bindings[user.group(1) if user else "?"] = (
                    contact, hall(hs, "Path"))
            extra = f"Contact: {contact};expires=3600\r\n"
            for p in hall(hs, "Path"):
                extra += f"Path: {p}\r\n"
        self.reply(data, addr, 200, "OK", extra)

    def reply(self, req, addr, code, reason, extra=""):
        first, hs = headers(req)
        lines = [f"SIP/2.0 {code} {reason}"]
        for n, v in hs:
            ln = n.lower()
            if ln in ("via", "v", "from", "f", "call-id", "i", "cseq"):
                lines.append(f"{n}: {v}")
            elif ln in ("to", "t"):
                lines.append(f"{n}: {v}" + ("" if "tag=" in v else
                                             ";tag=srv1"))
        out = "\r\n".join(lines) + "\r\n" + extra + "Content-Length: 0\r\n\r\n"
        self.sock.sendto(out.encode(), addr)

    def send(self, data, to):
        self.sock.sendto(data, to)

    def request_to(self, user, method, edge, cseq=1, call_id=None,
                   route=None, extra="", body=b""):
        """A request for registered @user, routed by its Path to @edge
        (the (host, port) the Path names is checked by the caller)."""
        contact, path = self.bindings[user]
        uri = re.search(r"<([^>]+)>", contact)
        uri = uri.group(1) if uri else contact
        routes = route if route is not None else path
        call_id = call_id or sctest.rand_token() + "@srv"
        br = "z9hG4bK" + sctest.rand_token()
        head = (f"{method} {uri} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {self.host}:{self.port};branch={br}"
                ";rport\r\n"
                + "".join(f"Route: {r}\r\n" for r in routes) +
                "Max-Forwards: 70\r\n"
                f"From: <sip:server@{self.host}>;tag=s{sctest.rand_token(5)}"
                "\r\n"
                f"To: <sip:{user}@example.com>\r\n"
                f"Call-ID: {call_id}\r\n"
                f"CSeq: {cseq} {method}\r\n" + extra +
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        self.sock.sendto(head, edge)
        return head

    def wait(self, pred, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for t, a, d in self.received:
                    if pred(d):
                        return d
            time.sleep(0.02)
        return None

    def count(self, pred):
        with self.lock:
            return sum(1 for _, _, d in self.received if pred(d))
