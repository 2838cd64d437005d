#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tls_gnutls with the private key in a PKCS#11 token (SoftHSM 2): the key
never touches a file sipcore reads, every worker opens the token after
fork, and a wrong PIN stops startup."""
import os
import shutil
import subprocess
import tempfile
import unittest

import sctest
import tlsclient as tc

TOKEN = "sctest"
PIN = "1234"


def run(argv, env=None, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=30,
                          env=env, check=True, **kw)


class Pkcs11Key(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sctest-hsm-")
        os.mkdir(os.path.join(cls.dir, "tokens"))
        conf = os.path.join(cls.dir, "softhsm2.conf")
        with open(conf, "w") as f:
            f.write(f"directories.tokendir = {cls.dir}/tokens\n"
                    "objectstore.backend = file\nlog.level = ERROR\n")
        # sipcore inherits the environment: its workers find the token
        os.environ["SOFTHSM2_CONF"] = conf
        run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
             "--pin", PIN, "--so-pin", "123456"])
        urls = run(["p11tool", "--list-token-urls"]).stdout.split()
        url = [u for u in urls if f"token={TOKEN}" in u][0]
        env = dict(os.environ, GNUTLS_PIN=PIN)
        run(["p11tool", "--login", "--write", "--label", "sipkey",
             "--load-privkey", tc.pki("server-ecdsa.key"), url], env=env)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def cfg(self, port, pin):
        key = (f"pkcs11:token={TOKEN};object=sipkey;type=private"
               f"?pin-value={pin}")
        return (f"listen=tls:127.0.0.1:{port}\n"
                'loadmodule "tls_gnutls.so"\n'
                f'tls_certificate="{tc.pki("server-ecdsa.pem")}"\n'
                f'tls_private_key="{key}"\n')

    def test_handshakes_on_every_worker(self):
        port = sctest.free_port()
        with sctest.Sipcore(self.cfg(port, PIN), children=2) as sc:
            for i in range(6):
                for tool in ("gnutls-cli", "openssl"):
                    r = tc.ask(tool, port)
                    self.assertEqual(r.codes(), [200], r)
            log = sc.log()
        # both workers built credentials from the token
        self.assertEqual(log.count("credentials of generation 1 in use"),
                         2, log)
        self.assertNotIn(f"pin-value={PIN}", log)

    def test_wrong_pin_stops_startup(self):
        port = sctest.free_port()
        rc, out, path, _ = sctest.run_sipcore(
            f'mpath="{os.environ["SC_MPATH"]}"\nlog_stderror=yes\n' +
            self.cfg(port, "9999"))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("pkcs11:token=sctest;object=sipkey;type=private", out)
        self.assertIn("GNUTLS_E_PKCS11_PIN_ERROR", out)
        self.assertNotIn("pin-value=9999", out)
        self.assertFalse(sctest.port_in_use(port))


if __name__ == "__main__":
    sctest.need_tool("softhsm2-util")
    sctest.need_tool("p11tool")
    sctest.need_tool("gnutls-cli")
    sctest.need_tool("openssl")
    tc.need_env()
    sctest.main()
