# SPDX-License-Identifier: GPL-2.0-or-later
"""A hostile TLS peer must not monopolise its worker.

A TLS 1.2 client (the tls_alert_flood helper) completes a handshake and
then sends nothing but warning alerts, far faster than one worker can read
them. With one worker (children=1), another client's handshake and OPTIONS
must still be answered while the flood is going on: each read of the
flooded connection stops after a few records without data and the worker
turns to its other connections."""
import os
import subprocess
import sys
import unittest

import sctest
import tlsclient as tc

# long enough that the flood is surely still running when the other
# client has had its answer (the test stops the helper itself)
FLOOD_SECONDS = 120


def need_flood():
    path = os.environ.get("SC_ALERT_FLOOD")
    if not path or not os.path.exists(path):
        print("SKIP: SC_ALERT_FLOOD (test helper) not built",
              file=sys.stderr)
        sys.exit(sctest.SKIP)
    return path


class AlertFlood(unittest.TestCase):
    def setUp(self):
        self.port = sctest.free_port()
        self.sc = sctest.Sipcore(tc.tls_basic_cfg(self.port), children=1)
        self.flood = None

    def tearDown(self):
        if self.flood and self.flood.poll() is None:
            self.flood.kill()
        if self.flood:
            self.flood.wait()
            self.flood.stdout.close()
        self.sc.close()

    def start_flood(self):
        self.flood = subprocess.Popen(
            [need_flood(), "127.0.0.1", str(self.port), str(FLOOD_SECONDS)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.flood.stdout.readline()
        if not line.startswith(b"flooding "):
            self.flood.wait(10)
            self.fail("the flood did not start: %r %r\n%s" %
                      (line, self.flood.stderr.read(), self.sc.log()))

    def test_other_client_served_during_alert_flood(self):
        self.start_flood()
        s = tc.py_connect(self.port, timeout=20.0)
        try:
            r, _ = tc.py_ask(s, self.port, timeout=20.0)
        finally:
            s.close()
        self.assertEqual(r.code, 200)
        # the answer came while the alerts were still arriving
        if self.flood.poll() is not None:
            self.fail("the flood ended before the answer: %r" %
                      self.flood.stdout.read())

    def test_flooding_connection_still_read(self):
        """The budget only defers: the flooded connection is still read
        to its end (a warning alert is no error). After two seconds of
        alerts the helper sends an OPTIONS on the same connection and
        gets its answer, so no alert was left unread in a buffer the
        event loop does not watch; the same worker then serves others."""
        p = subprocess.Popen(
            [need_flood(), "127.0.0.1", str(self.port), "2", "ask"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        self.assertEqual(p.returncode, 0, (out[-300:], err))
        self.assertIn(b"answer: SIP/2.0 200 OK", out)
        s = tc.py_connect(self.port, timeout=20.0)
        try:
            r, _ = tc.py_ask(s, self.port, timeout=20.0)
        finally:
            s.close()
        self.assertEqual(r.code, 200)


if __name__ == "__main__":
    tc.need_env()
    need_flood()
    sctest.main()
