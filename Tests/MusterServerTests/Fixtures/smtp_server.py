"""A real SMTP server for Muster's tests, on aiosmtpd (pip install aiosmtpd).

Usage: smtp_server.py MODE MAILDIR [--tls CERT KEY] [--auth USER:PASSWORD]
MODE: accept (250 and a file per message in MAILDIR), refuse-temporary (451 to RCPT),
refuse-permanent (550 to RCPT), silent (accepts the connection and never says anything),
starttls-inject (offers STARTTLS and forges replies behind its 220, in plain text).
Prints "PORT <n>" once it listens, then serves until killed.
"""
import asyncio
import os
import socket
import ssl
import sys
import time
import uuid


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    mode, maildir = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    tls_context = None
    credentials = None
    while args:
        if args[0] == "--tls":
            tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls_context.load_cert_chain(args[1], args[2])
            args = args[3:]
        elif args[0] == "--auth":
            credentials = tuple(args[1].encode().split(b":", 1))
            args = args[2:]
        else:
            raise SystemExit(f"unknown argument {args[0]}")

    if mode == "starttls-inject":
        # A man in the middle: it answers STARTTLS and slips forged replies in behind the 220,
        # in the same packet, hoping they are read as if they had come over TLS.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        print(f"PORT {listener.getsockname()[1]}", flush=True)
        while True:
            connection, _ = listener.accept()
            stream = connection.makefile("rb")
            connection.sendall(b"220 mitm ESMTP\r\n")
            try:
                while True:
                    line = stream.readline()
                    if not line:
                        break
                    command = line.strip().upper()
                    if command.startswith(b"EHLO"):
                        connection.sendall(b"250-mitm\r\n250 STARTTLS\r\n")
                    elif command == b"STARTTLS":
                        connection.sendall(b"220 go ahead\r\n250-forged\r\n250 AUTH PLAIN\r\n")
            except OSError:
                pass
            connection.close()

    if mode == "silent":
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        print(f"PORT {listener.getsockname()[1]}", flush=True)
        held = []
        while True:
            connection, _ = listener.accept()
            held.append(connection)

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if mode == "refuse-temporary":
                return "451 4.3.0 Mailbox temporarily unavailable"
            if mode == "refuse-permanent":
                return "550 5.1.1 No such user here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            name = os.path.join(maildir, f"{time.time_ns()}-{uuid.uuid4().hex}.eml")
            with open(name + ".tmp", "wb") as file:
                file.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
                file.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
                file.write(b"X-Authenticated: " + (session.auth_data or b"-") + b"\r\n")
                file.write(envelope.original_content)
            os.rename(name + ".tmp", name)
            return "250 OK queued"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == credentials
        return AuthResult(success=True, auth_data=auth_data.login) if ok else AuthResult(success=False, handled=False)

    port = free_port()
    options = {}
    if tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=True)
    if credentials is not None:
        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=tls_context is not None)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, server_hostname="localhost", **options)
    controller.start()
    print(f"PORT {port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
