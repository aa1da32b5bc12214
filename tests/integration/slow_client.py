#!/usr/bin/python3
"""slow_client.py: kernel-side clients for the server-hardening test.

Standard library only. Each command prints one result line
(key=value ...) and exits 0, or 1 with "error: ..." on failure.

  loris ADDR PORT N SECONDS   hold N connections that send a request head
                              one byte every 0.3 s and never finish it;
                              reconnect whenever the server closes one
  legit ADDR PORT N           N GETs in a row, each on a new connection
                              with a 2 s timeout: prints ok= and failed=
  idle ADDR PORT WAIT         one keep-alive GET, then wait up to WAIT s
                              for the server to close: prints closed_after=
"""

import socket
import sys
import threading
import time

HEAD = b"GET / HTTP/1.1\r\nHost: pmtcp\r\nX-Slow: " + b"a" * 4000


def loris(addr, port, n, secs):
    stats = {"opened": 0, "408": 0, "reset": 0, "closed": 0}
    lock = threading.Lock()
    end = time.time() + secs

    def one():
        while time.time() < end:
            try:
                s = socket.create_connection((addr, port), timeout=2)
            except OSError:
                time.sleep(0.1)
                continue
            with lock:
                stats["opened"] += 1
            s.settimeout(0.3)
            i = 0
            try:
                while time.time() < end:
                    s.send(HEAD[i:i + 1])
                    i = (i + 1) % len(HEAD)
                    try:
                        d = s.recv(4096)
                    except socket.timeout:
                        continue
                    with lock:
                        if d.startswith(b"HTTP/1.1 408"):
                            stats["408"] += 1
                        else:
                            stats["closed"] += 1
                    break
            except OSError:
                with lock:
                    stats["reset"] += 1
            s.close()

    ts = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(secs + 5)
    print(" ".join("%s=%d" % kv for kv in stats.items()), flush=True)
    return 0


def get(addr, port):
    s = socket.create_connection((addr, port), timeout=2)
    s.settimeout(2)
    s.sendall(b"GET / HTTP/1.1\r\nHost: pmtcp\r\nConnection: close\r\n\r\n")
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    s.close()
    return buf.startswith(b"HTTP/1.1 200 ")


def legit(addr, port, n):
    ok = failed = 0
    why = {}
    for _ in range(n):
        t0 = time.time()
        try:
            if get(addr, port):
                ok += 1
                continue
            r = "bad answer"
        except OSError as e:
            r = type(e).__name__
        failed += 1
        r += " after %.1f s" % (time.time() - t0)
        why[r] = why.get(r, 0) + 1
    print("ok=%d failed=%d%s" % (ok, failed, "".join(
        " (%s: %d)" % kv for kv in sorted(why.items()))), flush=True)
    return 0


def idle(addr, port, wait):
    s = socket.create_connection((addr, port), timeout=2)
    s.sendall(b"GET / HTTP/1.1\r\nHost: pmtcp\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            print("error: closed before the answer")
            return 1
        buf += d
    t0 = time.time()
    s.settimeout(wait)
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        print("error: still open after %.1f s" % wait)
        return 1
    except OSError:
        pass
    print("closed_after=%.2f" % (time.time() - t0), flush=True)
    return 0


def main(argv):
    try:
        if argv[1] == "loris" and len(argv) == 6:
            return loris(argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
        if argv[1] == "legit" and len(argv) == 5:
            return legit(argv[2], int(argv[3]), int(argv[4]))
        if argv[1] == "idle" and len(argv) == 5:
            return idle(argv[2], int(argv[3]), float(argv[4]))
    except (IndexError, ValueError):
        pass
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
