#!/usr/bin/python3
"""http_peer.py: a kernel-side HTTP server that misbehaves on purpose, one way per port.

Standard library only. usage: http_peer.py ADDR READY
Listens on ADDR at every port below (SO_REUSEADDR) and serves each
connection in its own thread, by the port it came to. READY is created
once every socket listens. Runs until killed.

Failures (the client must count each as its own kind):
  8001 silent     read the request, never answer
  8002 trickle    "HTTP/1.1 200 OK\\r\\n" one byte every 0.5 s
  8003 reset      half a header, then RST (SO_LINGER {1, 0})
  8004 close      half a header, then FIN
  8005 garbage    a status line that is not HTTP
  8006 huge       a header section of 80 KB
  8007 status     503 Service Unavailable, valid
  8008 short      Content-Length: 100, 10 body bytes, then FIN
Valid answers by RFC 9112 (the client must count each as answered):
  8101 chunked    chunked body (3 chunks, an extension, a trailer field)
  8102 interim    100 Continue and 103 Early Hints before a 200
  8103 eof        HTTP/1.1 200 without Content-Length: body to the FIN
  8104 ok         200 with Content-Length (keep-alive)
"""

import os
import socket
import struct
import sys
import threading
import time

BODY = b"pmtcp says hello\n"   # 17 bytes


def read_request(c):
    """Read one request head; False at EOF."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            return False
        buf += d
        if len(buf) > 65536:
            return False
    return True


def abort(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def serve(c, port):
    try:
        while read_request(c):
            if port == 8001:
                time.sleep(3600)
            elif port == 8002:
                for b in b"HTTP/1.1 200 OK\r\n":
                    c.sendall(bytes([b]))
                    time.sleep(0.5)
                time.sleep(3600)
            elif port == 8003:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
                time.sleep(0.2)
                abort(c)
                return
            elif port == 8004:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
                time.sleep(0.2)
                break
            elif port == 8005:
                c.sendall(b"ICY 200 WHATEVER\r\n\r\n")
            elif port == 8006:
                c.sendall(b"HTTP/1.1 200 OK\r\n" +
                          b"X-Pad: " + b"a" * 990 + b"\r\n" * 1 +
                          b"".join(b"X-Pad-%d: %s\r\n" % (i, b"b" * 990)
                                   for i in range(80)) +
                          b"Content-Length: 0\r\n\r\n")
            elif port == 8007:
                c.sendall(b"HTTP/1.1 503 Service Unavailable\r\n"
                          b"Content-Length: 0\r\n\r\n")
            elif port == 8008:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                          + b"0123456789")
                time.sleep(0.1)
                break
            elif port == 8101:
                c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          b"5;ext=1\r\npmtcp\r\n"
                          b"7\r\n says h\r\n"
                          b"5\r\nello\n\r\n"
                          b"0\r\nX-Trailer: done\r\n\r\n")
            elif port == 8102:
                c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n"
                          b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                          b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"
                          % len(BODY) + BODY)
            elif port == 8103:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                          + BODY)
                break
            elif port == 8104:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"
                          % len(BODY) + BODY)
        c.close()
    except OSError:
        pass


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    addr, ready = sys.argv[1], sys.argv[2]
    ports = [8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008,
             8101, 8102, 8103, 8104]
    socks = []
    for p in ports:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, p))
        s.listen(512)
        socks.append((s, p))

    def accept_loop(s, p):
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c, p), daemon=True).start()

    for s, p in socks:
        threading.Thread(target=accept_loop, args=(s, p), daemon=True).start()
    open(ready, "w").close()
    print("http_peer: listening on %s ports %s" % (addr, ports), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
