# SPDX-License-Identifier: GPL-2.0-or-later
"""Broken configs: sipcore refuses to start, binds nothing, and names the
file, the line and what is wrong. A good config passes `sipcore -c`."""
import os
import socket
import re
import unittest

import sctest
from sctest import sip_request


class ConfigErrors(unittest.TestCase):
    def setUp(self):
        self.port = sctest.free_port()
        self.mpath = os.environ.get("SC_MPATH", "")

    def head(self):
        """Lines every config starts with: a module path and listeners on
        the chosen port, so a half-started server would be seen there."""
        return [f'mpath="{self.mpath}"',
                "log_stderror=yes",
                f"listen=udp:127.0.0.1:{self.port}",
                f"listen=tcp:127.0.0.1:{self.port}"]

    def check_bad(self, lines, bad_line, words, check_only_too=True):
        """@lines is the whole config; @bad_line (1-based) the line the
        message must name; @words must all appear in that message."""
        text = "\n".join(lines) + "\n"
        modes = [("-D", "-E")]
        if check_only_too:
            modes.append(("-c", "-D", "-E"))
        for args in modes:
            rc, out, path, timed_out = sctest.run_sipcore(text, args,
                                                          timeout=5.0)
            self.assertFalse(timed_out, f"{args}: sipcore kept running:\n"
                             + out)
            self.assertNotEqual(rc, 0, out)
            self.assertNotIn("sipcore started", out)
            m = re.search(re.escape(path) + r":(\d+): (.*)", out)
            self.assertIsNotNone(m, f"{args}: no {path}:LINE: in:\n{out}")
            self.assertEqual(int(m.group(1)), bad_line, out)
            for w in words:
                self.assertIn(w, m.group(2), out)
            # nothing started: the port is free and nobody answers
            self.assertFalse(sctest.port_in_use(self.port),
                             f"port {self.port} still bound")
            self.assertEqual(sctest.pids_with_arg(path), [])
        self.assertTrue(sctest.udp_silent(
            self.port, sip_request("OPTIONS", port=self.port), timeout=0.3))
        return m.group(2)

    def test_unknown_core_parameter(self):
        lines = self.head() + ["children=1", "no_such_param=3"]
        msg = self.check_bad(lines, 6, ["unknown parameter",
                                        "no_such_param"])
        self.assertIn("children", msg)  # lists the known ones

    def test_children_out_of_range(self):
        self.check_bad(self.head() + ["children=0"], 5,
                       ["children", "1 to 1024", "'0'"])
        self.check_bad(self.head() + ["", "children=5000"], 6,
                       ["children", "1 to 1024", "'5000'"])

    def test_bad_listen_address(self):
        lines = self.head() + ["children=1",
                               "listen=udp:127.0.0.300:5060"]
        self.check_bad(lines, 6, ["listen", "bad address", "127.0.0.300"])

    def test_bad_port(self):
        lines = self.head() + ["listen=tcp:127.0.0.1:70000"]
        self.check_bad(lines, 5, ["listen", "bad port", "70000",
                                  "1..65535"])

    def test_unknown_module(self):
        lines = self.head() + ['loadmodule "no_such_module.so"']
        msg = self.check_bad(lines, 5, ["loadmodule", "no_such_module.so",
                                        "not found", "searched"])
        self.assertIn(self.mpath, msg)

    def test_modparam_module_not_loaded(self):
        lines = self.head() + ['modparam("sct", "hello", "HI")']
        self.check_bad(lines, 5, ["modparam", "'sct'", "not loaded"])

    def test_unknown_modparam(self):
        lines = self.head() + ['loadmodule "sct.so"',
                               'modparam("sct", "helo", "HI")']
        self.check_bad(lines, 6, ["sct", "unknown parameter", "'helo'",
                                  "hello", "handshake_timeout",
                                  "fail_rank"])

    def test_modparam_wrong_type(self):
        lines = self.head() + ['loadmodule "sct.so"',
                               'modparam("sct", "handshake_timeout", "abc")']
        self.check_bad(lines, 6, ["handshake_timeout", "integer"])

    def test_modparam_setter_rejects(self):
        lines = self.head() + ['loadmodule "sct.so"', "",
                               'modparam("sct", "hello", "")']
        self.check_bad(lines, 7, ["hello", "expected 1 to 16 characters"])

    def test_tls_listen_without_tls_module(self):
        lines = self.head() + [f"listen=tls:127.0.0.1:{self.port}"]
        self.check_bad(lines, 5, ["tls", "load the module that provides "
                                  "'tls' with loadmodule"])

    def test_tls_line_without_tls_module(self):
        lines = self.head() + ['tls_certificate="x"']
        self.check_bad(lines, 5, ["tls_certificate", "no loaded module "
                                  "provides the tls transport (load one "
                                  "with loadmodule)"])

    def test_unclosed_tls_domain(self):
        lines = self.head() + ["tls_domain[127.0.0.1:5061] {",
                               "    tls_verify=1",
                               "    tls_require_certificate=1"]
        self.check_bad(lines, 5, ["tls_domain", "not closed"])

    def test_route_block(self):
        lines = self.head() + ["children=1", "route {", "    forward();",
                               "}"]
        self.check_bad(lines, 6, ["rout", "not supported"])

    def test_port_held_by_another_process(self):
        # a bind failure is a startup error too, after the parse
        t = socket.socket(socket.AF_INET,
                          socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", self.port))
            t.listen(1)
            rc, out, path, timed_out = sctest.run_sipcore(
                "\n".join(self.head()) + "\n", ("-D", "-E"), timeout=5.0)
        finally:
            t.close()
        self.assertFalse(timed_out, out)
        self.assertNotEqual(rc, 0, out)
        self.assertNotIn("sipcore started", out)
        self.assertRegex(out, re.escape(path) + ":4: listen=tcp:127.0.0.1:"
                         f"{self.port}: Address already in use")
        # the UDP socket it had opened first is gone with it
        self.assertFalse(sctest.port_in_use(self.port))
        self.assertEqual(sctest.pids_with_arg(path), [])

    def test_valid_config_passes_check(self):
        lines = self.head() + ['loadmodule "sct.so"',
                               'modparam("sct", "hello", "HI")',
                               "children=2", "max_msg_size=4096"]
        rc, out, path, timed_out = sctest.run_sipcore(
            "\n".join(lines) + "\n", ("-c", "-E"), timeout=5.0)
        self.assertFalse(timed_out)
        self.assertEqual(rc, 0, out)
        self.assertIn("valid", out)
        self.assertFalse(sctest.port_in_use(self.port))


if __name__ == "__main__":
    sctest.main()
