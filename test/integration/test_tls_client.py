# SPDX-License-Identifier: GPL-2.0-or-later
"""The client side of tls_gnutls: outgoing TLS connections that sipcore
opens (through the sct module's X-Sct-Connect hook) to a Python (OpenSSL)
TLS server. With tls_verify=1 the client domain checks the server's chain
and its name or address against the destination; the client certificate
of the domain is sent when the server asks."""
import socket
import ssl
import threading
import unittest

import sctest
import tlsclient as tc


class TlsServer:
    """One-connection TLS server in a thread: records the SNI the client
    sent, its certificate and the first SIP message, or the error."""

    def __init__(self, cert="server-ecdsa", require_client=False):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(tc.pki(cert + ".pem"), tc.pki(cert + ".key"))
        if require_client:
            self.ctx.load_verify_locations(tc.pki("ca.pem"))
            self.ctx.verify_mode = ssl.CERT_REQUIRED
        self.sni = None
        self.ctx.sni_callback = self._sni
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(5.0)
        self.port = self.sock.getsockname()[1]
        self.msg = self.error = self.peer = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _sni(self, sslobj, name, ctx):
        self.sni = name

    def _run(self):
        try:
            c, _ = self.sock.accept()
        except OSError as e:
            self.error = e
            return
        try:
            s = self.ctx.wrap_socket(c, server_side=True)
            s.settimeout(5.0)
            self.peer = s.getpeercert()
            self.msg, _ = sctest.read_message(s)
            s.close()
        except (OSError, ConnectionError) as e:
            self.error = e
        finally:
            c.close()

    def wait(self):
        self.thread.join(8.0)
        self.sock.close()


class ClientSide(unittest.TestCase):
    def start(self, client_domain):
        port = sctest.free_port()
        cfg = (f"listen=udp:127.0.0.1:{port}\n"
               'loadmodule "tls_gnutls.so"\nloadmodule "sct.so"\n'
               "tls_domain[client:default] {\n" + client_domain + "}\n")
        sc = sctest.Sipcore(cfg, children=1)
        self.addCleanup(sc.close)
        return sc, port

    def send(self, port, target):
        msg = sctest.sip_request("MESSAGE", port=port, body=b"over tls",
                                 extra=f"X-Sct-Connect: {target}\r\n")
        r, _ = sctest.udp_exchange(port, msg)
        self.assertEqual(r.code, 202, r.raw)
        return msg

    def verifying(self, extra=""):
        return (f'tls_ca_list="{tc.pki("ca.pem")}"\n'
                "tls_verify=1\n" + extra)

    def test_verified_by_ip_address(self):
        sc, port = self.start(self.verifying())
        srv = TlsServer()
        msg = self.send(port, f"tls:127.0.0.1:{srv.port}")
        srv.wait()
        self.assertIsNone(srv.error)
        self.assertEqual(srv.msg, msg)
        # an IP literal is never sent as SNI
        self.assertIsNone(srv.sni)

    def test_verified_by_host_name_with_sni(self):
        sc, port = self.start(self.verifying())
        srv = TlsServer()
        msg = self.send(port, f"tls:127.0.0.1:{srv.port};host=localhost")
        srv.wait()
        self.assertIsNone(srv.error)
        self.assertEqual(srv.msg, msg)
        self.assertEqual(srv.sni, "localhost")

    def test_wrong_name_is_refused(self):
        sc, port = self.start(self.verifying())
        srv = TlsServer()
        self.send(port, f"tls:127.0.0.1:{srv.port};host=sip.example.org")
        srv.wait()
        self.assertIsNone(srv.msg)
        self.assertIsNotNone(sc.wait_log(r"handshake refused, peer "
                                         r"certificate: .*name in the "
                                         r"certificate does not match"),
                             sc.log()[-2000:])

    def test_wrong_address_is_refused(self):
        sc, port = self.start(self.verifying())
        srv = TlsServer(cert="server2-ecdsa")  # no IP:127.0.0.2 in it
        self.send(port, f"tls:127.0.0.1:{srv.port};host=10.1.2.3")
        srv.wait()
        self.assertIsNone(srv.msg)
        self.assertIsNotNone(sc.wait_log(r"handshake refused"))

    def test_expired_server_is_refused(self):
        sc, port = self.start(self.verifying())
        srv = TlsServer(cert="expired-server")
        self.send(port, f"tls:127.0.0.1:{srv.port};host=localhost")
        srv.wait()
        self.assertIsNone(srv.msg)
        self.assertIsNotNone(sc.wait_log(r"handshake refused, peer "
                                         r"certificate: .*expired"))

    def test_client_only_certificate_is_refused(self):
        """Key purpose: client.pem names 127.0.0.1 and comes from the
        trusted root, but it is for TLS clients only."""
        sc, port = self.start(self.verifying())
        srv = TlsServer(cert="client")
        self.send(port, f"tls:127.0.0.1:{srv.port}")
        srv.wait()
        self.assertIsNone(srv.msg)
        self.assertIsNotNone(sc.wait_log(r"handshake refused, peer "
                                         r"certificate: .*purpose"),
                             sc.log()[-2000:])

    def test_code_signing_certificate_is_refused(self):
        sc, port = self.start(self.verifying())
        srv = TlsServer(cert="eku-codesign")
        self.send(port, f"tls:127.0.0.1:{srv.port};host=localhost")
        srv.wait()
        self.assertIsNone(srv.msg)
        self.assertIsNotNone(sc.wait_log(r"handshake refused, peer "
                                         r"certificate: .*purpose"),
                             sc.log()[-2000:])

    def test_certificate_without_eku_is_accepted(self):
        sc, port = self.start(self.verifying())
        srv = TlsServer(cert="eku-none")
        msg = self.send(port, f"tls:127.0.0.1:{srv.port};host=localhost")
        srv.wait()
        self.assertIsNone(srv.error)
        self.assertEqual(srv.msg, msg)

    def test_verify_0_checks_nothing(self):
        sc, port = self.start("tls_verify=0\n")
        srv = TlsServer(cert="expired-server")
        msg = self.send(port, f"tls:127.0.0.1:{srv.port};host=wrong.test")
        srv.wait()
        self.assertIsNone(srv.error)
        self.assertEqual(srv.msg, msg)

    def test_client_certificate_sent(self):
        sc, port = self.start(self.verifying(
            f'tls_certificate="{tc.pki("client.pem")}"\n'
            f'tls_private_key="{tc.pki("client.key")}"\n'))
        srv = TlsServer(require_client=True)
        msg = self.send(port, f"tls:127.0.0.1:{srv.port};host=localhost")
        srv.wait()
        self.assertIsNone(srv.error)
        self.assertEqual(srv.msg, msg)
        cn = dict(x[0] for x in srv.peer["subject"])["commonName"]
        self.assertEqual(cn, "sipcore test client")


if __name__ == "__main__":
    tc.need_env()
    sctest.main()
