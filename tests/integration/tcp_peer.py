#!/usr/bin/python3
"""tcp_peer.py: the Linux kernel's side of the TCP integration tests.

Standard library only (no numpy): run it with Debian's /usr/bin/python3.

  pattern-sha N            SHA-256 (hex) of the first N bytes of the test
                           pattern: byte i = ((i * 2654435761) mod 2^32) >> 24
  many-client IP PORT N    N sequential HTTP/1.1 GET /100 with "Connection:
                           close"; each reads to EOF and checks 100 body bytes
  repeat-server PORT N BYTES READY
                           accept N connections one after another; each gets
                           BYTES pattern bytes, then close (server closes first)
  close-kernel-first IP PORT   GET /1000 keep-alive; read the body; close first
  close-pmtcp-first IP PORT    GET /1000 "Connection: close"; read to EOF
  half-close-server PORT REPLY READY
                           accept one connection, read until the peer's FIN,
                           then send REPLY random bytes and close
  rst-client IP PORT       GET a 100 MB body, read 64 KiB, abort with RST
                           (SO_LINGER {1, 0})
  garbage-client IP PORT   send 64 KiB without an end of request head; the
                           server must abort the connection (RST)
  get IP PORT N            one GET /N with "Connection: close"; check the body
  post IP PORT N           POST N random bytes, head and body in one send()
                           (one segment when N is small); the answer must be
                           their SHA-256
  connect-refused IP PORT  connect must fail with ECONNREFUSED

READY is a file created once the listening socket exists. Every command
prints one result line and exits 0 on success, 1 with "error: ..." on
failure.
"""

import errno
import hashlib
import os
import signal
import socket
import struct
import sys
import time

K = 2654435761
BLK = 1 << 16
_BH = None
_R = None


def _tables():
    # Byte i = ((i*K mod 2^32) >> 24). Write i = a*2^16 + b: then
    # i*K mod 2^32 = (a*K*2^16 + b*K) mod 2^32, whose low 16 bits are those
    # of b*K, so the top byte is ((c + Bh[b]) >> 8) & 0xff with
    # c = (a*K) mod 2^16 and Bh[b] = (b*K mod 2^32) >> 16. Lay Bh out in
    # 32-bit lanes of one big integer: adding c to every lane is one
    # multiply-add on big integers (no carry crosses a lane), and byte 1
    # of each little-endian lane is the pattern byte.
    global _BH, _R
    if _BH is None:
        arr = [((b * K) & 0xffffffff) >> 16 for b in range(BLK)]
        _BH = int.from_bytes(struct.pack('<%dI' % BLK, *arr), 'little')
        _R = int.from_bytes(struct.pack('<%dI' % BLK, *([1] * BLK)), 'little')
    return _BH, _R


def pattern_blocks(n):
    """Yield the first n pattern bytes in blocks of up to 64 KiB."""
    bh, r = _tables()
    a = 0
    while n > 0:
        c = (a * K) & 0xffff
        blk = (bh + c * r).to_bytes(4 * BLK, 'little')[1::4]
        take = min(n, BLK)
        yield blk[:take]
        n -= take
        a += 1


def pattern(n):
    return b''.join(pattern_blocks(n))


def pattern_sha(n):
    h = hashlib.sha256()
    for blk in pattern_blocks(n):
        h.update(blk)
    return h.hexdigest()


def die(msg):
    print('error: ' + msg, flush=True)
    sys.exit(1)


def ready(path):
    with open(path + '.tmp', 'w') as f:
        f.write('%d\n' % os.getpid())
    os.rename(path + '.tmp', path)


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', port))
    s.listen(128)
    return s


def recv_all(s):
    """Read to EOF; return the bytes."""
    parts = []
    while True:
        b = s.recv(262144)
        if not b:
            return b''.join(parts)
        parts.append(b)


def parse_response(data, want_len):
    """Split an HTTP response; check status 200 and the body length."""
    end = data.find(b'\r\n\r\n')
    if end < 0:
        raise ValueError('no end of response head in %d bytes' % len(data))
    head, body = data[:end].decode('latin-1'), data[end + 4:]
    if not head.startswith('HTTP/1.1 200 '):
        raise ValueError('status line %r' % head.split('\r\n')[0])
    cl = [ln for ln in head.split('\r\n')
          if ln.lower().startswith('content-length:')]
    if not cl or int(cl[0].split(':')[1]) != want_len:
        raise ValueError('Content-Length %r, want %d' % (cl, want_len))
    return head, body


def cmd_pattern_sha(n):
    print(pattern_sha(int(n)))


def cmd_many_client(ip, port, n):
    n, port = int(n), int(port)
    want = pattern(100)
    req = b'GET /100 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
    t0 = time.monotonic()
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect((ip, port))
            s.sendall(req)
            data = recv_all(s)
        except OSError as e:
            die('connection %d of %d: %s' % (i, n, e))
        finally:
            s.close()
        try:
            _, body = parse_response(data, 100)
        except ValueError as e:
            die('connection %d of %d: %s' % (i, n, e))
        if body != want:
            die('connection %d of %d: body of %d bytes differs from the '
                'pattern' % (i, n, len(body)))
    dt = time.monotonic() - t0
    print('connections=%d seconds=%.2f per_second=%.0f' % (n, dt, n / dt))


def cmd_repeat_server(port, n, nbytes, ready_path):
    n, nbytes = int(n), int(nbytes)
    body = pattern(nbytes)
    ls = listen(int(port))
    ready(ready_path)
    t0 = None
    for i in range(n):
        c, _ = ls.accept()
        if t0 is None:
            t0 = time.monotonic()
        try:
            c.sendall(body)
        except OSError as e:
            die('connection %d of %d: %s' % (i, n, e))
        c.close()
    dt = time.monotonic() - (t0 or time.monotonic())
    print('served=%d seconds=%.2f per_second=%.0f'
          % (n, dt, n / dt if dt > 0 else 0))


def get_keepalive(s, n):
    """Send GET /n (keep-alive) and read exactly the response."""
    s.sendall(b'GET /%d HTTP/1.1\r\nHost: x\r\n\r\n' % n)
    data = b''
    while b'\r\n\r\n' not in data:
        b = s.recv(65536)
        if not b:
            raise ValueError('EOF inside the response head')
        data += b
    head_len = data.index(b'\r\n\r\n') + 4
    while len(data) < head_len + n:
        b = s.recv(65536)
        if not b:
            raise ValueError('EOF after %d body bytes' % (len(data) - head_len))
        data += b
    _, body = parse_response(data, n)
    if body != pattern(n):
        raise ValueError('body differs from the pattern')


def cmd_close_kernel_first(ip, port):
    s = socket.create_connection((ip, int(port)), timeout=10)
    lport = s.getsockname()[1]
    try:
        get_keepalive(s, 1000)
        # The server must still be open: a second request on the same
        # connection gets its answer.
        get_keepalive(s, 1000)
    except (OSError, ValueError) as e:
        die(str(e))
    s.close()
    print('lport=%d closed first after 2 requests' % lport)


def cmd_close_pmtcp_first(ip, port):
    s = socket.create_connection((ip, int(port)), timeout=10)
    lport = s.getsockname()[1]
    s.sendall(b'GET /1000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    try:
        data = recv_all(s)	# returns at recv() == b'': pmtcp's FIN
        parse_response(data, 1000)
    except (OSError, ValueError) as e:
        die(str(e))
    if not data.endswith(pattern(1000)):
        die('body differs from the pattern')
    # A second recv after EOF is EOF again (no RST came after the FIN).
    time.sleep(0.2)
    try:
        again = s.recv(10)
    except OSError as e:
        die('after EOF: %s' % e)
    if again != b'':
        die('after EOF: %r' % again)
    s.close()
    print('lport=%d eof after %d bytes' % (lport, len(data)))


def cmd_half_close_server(port, reply, ready_path):
    reply = int(reply)
    ls = listen(int(port))
    ready(ready_path)
    c, _ = ls.accept()
    c.settimeout(30)
    h = hashlib.sha256()
    got = 0
    try:
        while True:
            b = c.recv(262144)
            if not b:
                break
            h.update(b)
            got += len(b)
        # The peer sent its FIN; our half is still open: reply now.
        data = os.urandom(reply)
        c.sendall(data)
    except OSError as e:
        die('%s after %d bytes' % (e, got))
    c.close()
    print('got bytes=%d sha256=%s' % (got, h.hexdigest()))
    print('sent bytes=%d sha256=%s' % (reply, hashlib.sha256(data).hexdigest()))


def cmd_rst_client(ip, port):
    s = socket.create_connection((ip, int(port)), timeout=10)
    s.sendall(b'GET /100000000 HTTP/1.1\r\nHost: x\r\n\r\n')
    got = 0
    try:
        while got < 65536:
            b = s.recv(65536)
            if not b:
                die('EOF after %d bytes' % got)
            got += len(b)
    except OSError as e:
        die(str(e))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()		# RST
    print('aborted after %d bytes' % got)


def cmd_garbage_client(ip, port):
    s = socket.create_connection((ip, int(port)), timeout=10)
    try:
        s.sendall(b'x' * 65536)
    except ConnectionResetError:
        print('reset during send')
        return
    except OSError as e:
        die('send: %s' % e)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                # A FIN first; the RST for the unread bytes may follow.
                time.sleep(0.2)
                try:
                    s.send(b'y')
                    time.sleep(0.2)
                    s.recv(10)
                except ConnectionResetError:
                    print('reset after FIN')
                    return
                except OSError as e:
                    die('after FIN: %s' % e)
                die('the server closed (FIN) without a reset')
    except ConnectionResetError:
        print('reset')
    except OSError as e:
        die('recv: %s' % e)


def cmd_get(ip, port, n):
    n = int(n)
    s = socket.create_connection((ip, int(port)), timeout=10)
    s.sendall(b'GET /%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' % n)
    try:
        data = recv_all(s)
        _, body = parse_response(data, n)
    except (OSError, ValueError) as e:
        die(str(e))
    if body != pattern(n):
        die('body differs from the pattern')
    s.close()
    print('got %d body bytes' % n)


def cmd_post(ip, port, n):
    n = int(n)
    body = os.urandom(n)
    want = hashlib.sha256(body).hexdigest() + '\n'
    s = socket.create_connection((ip, int(port)), timeout=10)
    s.sendall(b'POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n'
              b'Connection: close\r\n\r\n' % n + body)
    try:
        data = recv_all(s)
        _, got = parse_response(data, len(want))
    except (OSError, ValueError) as e:
        die(str(e))
    if got.decode('latin-1') != want:
        die('answer %r, want %r' % (got, want))
    s.close()
    print('posted %d bytes, hash ok' % n)


def cmd_connect_refused(ip, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect((ip, int(port)))
    except ConnectionRefusedError:
        print('ECONNREFUSED')
        return
    except OSError as e:
        die('connect: %s (%s), want ECONNREFUSED'
            % (e, errno.errorcode.get(e.errno, '?')))
    die('connect succeeded, want ECONNREFUSED')


COMMANDS = {
    'pattern-sha': cmd_pattern_sha,
    'many-client': cmd_many_client,
    'repeat-server': cmd_repeat_server,
    'close-kernel-first': cmd_close_kernel_first,
    'close-pmtcp-first': cmd_close_pmtcp_first,
    'half-close-server': cmd_half_close_server,
    'rst-client': cmd_rst_client,
    'garbage-client': cmd_garbage_client,
    'get': cmd_get,
    'post': cmd_post,
    'connect-refused': cmd_connect_refused,
}

if __name__ == '__main__':
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    fn = COMMANDS[sys.argv[1]]
    nargs = fn.__code__.co_argcount
    if len(sys.argv) - 2 != nargs:
        sys.exit('%s takes %d arguments (see --help)' % (sys.argv[1], nargs))
    fn(*sys.argv[2:])
    sys.stdout.flush()
