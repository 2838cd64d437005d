# SPDX-License-Identifier: GPL-2.0-or-later
"""Reload soak: SIGHUP after SIGHUP (100; 1,000 with SC_STRESS_LONG=1)
while a client runs TLS handshakes continuously.

Asserted:
  - every handshake (certificate verified) and its OPTIONS succeeds, on
    every one of the connections opened during the reloads;
  - every reload completes ("tls_gnutls: reloaded, generation N", one
    after the other; the next SIGHUP is sent only then);
  - the sum of the PSS (/proc/PID/smaps_rollup) of all sipcore processes
    after the last reload is at most PSS_TOLERANCE_KIB above the sum
    measured after the first 10 % of the reloads (the first ones warm up
    caches and allocator pools, which is not a leak);
    under AddressSanitizer, freed memory is held in a quarantine of up to
    256 MiB per process, which would read as growth: this test runs the
    sanitized sipcore with quarantine_size_mb=0 (use-after-free is then
    found only when the memory is not reused at once; the other stress
    tests keep the quarantine) and allows ASAN_PSS_TOLERANCE_KIB, for the
    sanitizer allocator's own warm-up;
  - no sanitizer report, no worker death.
"""
import re
import signal
import threading
import time
import unittest

import stress
from stress import SipReply, read_message, sip_request

RELOADS = stress.size(100, 1000)
# allowed PSS growth between 10 % and 100 % of the reloads, all sipcore
# processes together
PSS_TOLERANCE_KIB = 2048
ASAN_PSS_TOLERANCE_KIB = 8192


class Handshaker(threading.Thread):
    """New TLS connection, handshake, OPTIONS, close; again and again."""

    def __init__(self, sv):
        super().__init__(daemon=True)
        self.sv = sv
        self.ok = 0
        self.failures = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                s = self.sv.connect(tls=True)
                try:
                    s.sendall(sip_request("OPTIONS", "TLS",
                                          port=self.sv.tls_port))
                    raw, _ = read_message(s, timeout=5.0)
                finally:
                    s.close()
                code = SipReply(raw).code
                if code != 200:
                    self.failures.append(f"reply {code}")
                else:
                    self.ok += 1
            except Exception as e:  # noqa: BLE001 - every failure counts
                self.failures.append(repr(e))

    def stop(self):
        self.halt.set()
        self.join(15)


class ReloadSoak(unittest.TestCase):
    def setUp(self):
        stress.need_env()
        self.tolerance = (ASAN_PSS_TOLERANCE_KIB if stress.sanitized()
                          else PSS_TOLERANCE_KIB)
        self.sv = stress.Server(children=2, no_quarantine=True)
        self.addCleanup(self.sv.close)

    def pids(self):
        return [self.sv.proc.pid] + stress.sctest.child_pids(
            self.sv.proc.pid)

    def reload(self, gen):
        self.sv.signal(signal.SIGHUP)
        m = self.sv.wait_log(
            rf"tls_gnutls: reloaded, generation {gen}\b", 10.0)
        self.assertIsNotNone(m, f"reload {gen} did not complete:\n" +
                             self.sv.log()[-2000:])

    def test_reloads_while_handshaking(self):
        hs = [Handshaker(self.sv) for _ in range(2)]
        for h in hs:
            h.start()
        self.addCleanup(lambda: [h.stop() for h in hs])
        gen0 = self.first_generation()
        mid = None
        ok_mid = 0
        for i in range(1, RELOADS + 1):
            self.reload(gen0 + i)
            if i == max(1, RELOADS // 10):
                time.sleep(0.5)
                mid = stress.pss_kib(self.pids())
                ok_mid = sum(h.ok for h in hs)
        time.sleep(0.5)
        end = stress.pss_kib(self.pids())
        for h in hs:
            h.stop()
        ok = sum(h.ok for h in hs)
        fails = [f for h in hs for f in h.failures]
        print(f"reload soak: {RELOADS} reloads, {ok} handshakes "
              f"({len(fails)} failed); PSS of all sipcore processes "
              f"{mid} KiB after {max(1, RELOADS // 10)} reloads, {end} KiB "
              f"after {RELOADS}")
        self.assertEqual(fails[:10], [], f"{len(fails)} handshakes failed")
        self.assertGreater(ok, ok_mid, "no handshake after 10 % of reloads")
        self.assertLessEqual(end - mid, self.tolerance,
                             f"PSS grew from {mid} to {end} KiB")
        self.sv.check_healthy(self, what="during the reload soak")

    def first_generation(self):
        """The generation the module starts with (logged at startup)."""
        gens = re.findall(r"generation (\d+)", self.sv.log())
        return max(int(g) for g in gens) if gens else 1


if __name__ == "__main__":
    stress.main()
