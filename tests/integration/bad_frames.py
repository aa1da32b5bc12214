#!/usr/bin/python3
"""bad_frames.py: send malformed frames at pmtcp over a tap interface.

usage: bad_frames.py IFACE PMTCP_MAC PMTCP_IP PEER_IP N

Run inside the test's network namespace, on the kernel side of the tap that
pmtcp's net_tap port owns. For every kind below it sends exactly N frames,
each built so that pmtcp drops it for exactly one reason, i.e. one counter
rises by exactly N. It also sends N valid echo requests carrying an IP option
(pmtcp answers them and counts ip_rx_options). The frames leave through the
tap device as written: the kernel's tun driver does not pad them to the
Ethernet minimum of 60 bytes, so a 24-byte frame reaches pmtcp as 24 bytes
(the test checks that through arp_rx_short, ip_rx_short and rx_bytes).

The source MAC is IFACE's own. net_tap gives the kernel interface the same MAC
as the DPDK port; ping_kernel.sh changes the kernel's MAC first, so "source ==
pmtcp's MAC" never happens here.

IP header checksum: net_tap offers RX IPv4 checksum offload (pmtcp enables
it); the PMD checks the header in software and marks the mbuf good or bad,
but only for a well-formed IPv4 header (version 4, IHL >= 5, header and total
length within the frame). pmtcp trusts a "bad" mark before its own parse, so
a frame that is bad in two ways can land on a different counter than pmtcp's
own parse order would give (total length < IHL * 4 plus a bad checksum counts
as ip_rx_bad_cksum with the offload, ip_rx_bad_len without). Every frame
below has exactly one fault, so each counter is the same either way.

Needs Debian's /usr/bin/python3 with python3-scapy. Prints one line per kind:
"sent KIND COUNTER N (BYTES bytes)", BYTES being the frame length.
"""

import struct
import sys

from scapy.all import ARP, ICMP, IP, UDP, Dot1Q, Ether, Raw, conf, get_if_hwaddr
from scapy.layers.inet import IPOption_Router_Alert
from scapy.utils import checksum


def fix_ip_cksum(raw):
    """Recompute the IPv4 header checksum of raw (over IHL * 4 bytes, >= 20)."""
    b = bytearray(raw)
    hlen = max((b[0] & 0x0F) * 4, 20)
    b[10:12] = b"\x00\x00"
    b[10:12] = struct.pack("!H", checksum(bytes(b[:hlen])))
    return bytes(b)


def arp_raw(op, hlen, sha, spa, tha, tpa):
    """An ARP body for Ethernet/IPv4 with an arbitrary hardware length."""
    def mac_field(mac):
        m = bytes(int(x, 16) for x in mac.split(":"))
        return (m + b"\x00" * hlen)[:hlen]

    return (struct.pack("!HHBBH", 1, 0x0800, hlen, 4, op)
            + mac_field(sha) + bytes(map(int, spa.split(".")))
            + mac_field(tha) + bytes(map(int, tpa.split("."))))


def main():
    if len(sys.argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    iface, pmac, our, peer, n = sys.argv[1:6]
    n = int(n)
    pmac = pmac.lower()
    smac = get_if_hwaddr(iface)
    eth = Ether(dst=pmac, src=smac)

    echo = ICMP(type=8, code=0, id=0x7070, seq=1) / Raw(b"pmtcp-bad-frames")
    good_ip = bytes(IP(src=peer, dst=our, ttl=64) / echo)

    # A valid echo with a wrong IP header checksum: flip bits of the right one.
    bad_ck = bytearray(good_ip)
    bad_ck[10] ^= 0x5A
    # Version 6, and IHL 4, in a v4 frame; the checksum over the 20 header
    # bytes is made right again so the named field is the only fault.
    v6 = bytearray(good_ip)
    v6[0] = 0x65
    v6 = fix_ip_cksum(v6)
    ihl4 = bytearray(good_ip)
    ihl4[0] = 0x44
    ihl4 = fix_ip_cksum(ihl4)
    # ICMP with a wrong ICMP checksum (IP header fine).
    icmp_bad = bytes(IP(src=peer, dst=our) / ICMP(type=8, id=0x7070, seq=2,
                                                  chksum=0) / Raw(b"x" * 16))
    b = bytearray(icmp_bad)
    right = checksum(bytes(b[20:]))
    b[22:24] = struct.pack("!H", right ^ 0x1111)
    icmp_bad = bytes(b)
    # ICMP of 4 bytes: type, code and a checksum that is right for 4 bytes.
    icmp4 = struct.pack("!BBH", 8, 0, 0)
    icmp4 = struct.pack("!BBH", 8, 0, checksum(icmp4))

    arp_good = bytes(ARP(op=1, hwsrc=smac, psrc=peer, hwdst="00:00:00:00:00:00",
                         pdst=our))

    kinds = [
        # Unicast to a MAC that is not pmtcp's (locally administered, not group).
        ("not_ours", "eth_rx_not_ours",
         Ether(dst="02:00:00:00:00:99", src=smac) / Raw(good_ip)),
        ("vlan", "eth_rx_vlan_unsupported",
         eth / Dot1Q(vlan=5) / Raw(good_ip)),
        ("unknown_type", "eth_rx_unknown_type",
         Ether(dst=pmac, src=smac, type=0x88B5) / Raw(b"\x00" * 46)),
        # hlen 8: 8 + 2 * (8 + 4) = 32 bytes of ARP, longer than the 28 the
        # length check wants, so only the format check can reject it.
        ("arp_hlen8", "arp_rx_bad_format",
         Ether(dst=pmac, src=smac, type=0x0806)
         / Raw(arp_raw(1, 8, smac, peer, "00:00:00:00:00:00", our))),
        ("arp_op5", "arp_rx_bad_op",
         Ether(dst=pmac, src=smac, type=0x0806)
         / Raw(arp_raw(5, 6, smac, peer, "00:00:00:00:00:00", our))),
        # 14 + 10 bytes: not padded on a tap, so shorter than 14 + 28.
        ("arp_short", "arp_rx_short",
         Ether(dst=pmac, src=smac, type=0x0806) / Raw(arp_good[:10])),
        # 10 bytes of IPv4: shorter than the 20-byte header.
        ("ip_short", "ip_rx_short",
         Ether(dst=pmac, src=smac, type=0x0800) / Raw(good_ip[:10])),
        ("ip_version6", "ip_rx_bad_version",
         Ether(dst=pmac, src=smac, type=0x0800) / Raw(v6)),
        ("ip_ihl4", "ip_rx_bad_ihl",
         Ether(dst=pmac, src=smac, type=0x0800) / Raw(ihl4)),
        # total_length 400 (scapy computes the header checksum with it), frame
        # carries 44 bytes of IP.
        ("ip_len", "ip_rx_bad_len",
         eth / IP(src=peer, dst=our, len=400) / echo),
        ("ip_cksum", "ip_rx_bad_cksum",
         Ether(dst=pmac, src=smac, type=0x0800) / Raw(bytes(bad_ck))),
        ("ip_fragment", "ip_rx_fragment",
         eth / IP(src=peer, dst=our, flags="MF", id=0x4242) / echo),
        ("icmp_cksum", "icmp_rx_bad_cksum",
         Ether(dst=pmac, src=smac, type=0x0800) / Raw(icmp_bad)),
        ("icmp_short", "icmp_rx_short",
         eth / IP(src=peer, dst=our, proto=1) / Raw(icmp4)),
        ("ip_other_host", "ip_rx_not_ours",
         eth / IP(src=peer, dst="198.18.0.99") / echo),
        ("ip_mcast_src", "ip_rx_bad_src",
         eth / IP(src="224.0.0.1", dst=our) / echo),
        ("udp", "ip_rx_proto_unsupported",
         eth / IP(src=peer, dst=our) / UDP(sport=40000, dport=9)
         / Raw(b"pmtcp")),
        # Valid: an echo request with a Router Alert option (IHL 6). pmtcp
        # answers it (to PEER_IP, which ignores an unsolicited reply).
        ("ip_options", "ip_rx_options",
         eth / IP(src=peer, dst=our, options=[IPOption_Router_Alert()])
         / ICMP(type=8, id=0x7070, seq=3) / Raw(b"with-options")),
    ]

    sock = conf.L2socket(iface=iface)
    try:
        for name, counter, pkt in kinds:
            frame = bytes(pkt)
            for _ in range(n):
                sent = sock.send(frame)
                if sent is not None and sent != len(frame):
                    raise SystemExit("short send of %s: %r of %d bytes"
                                     % (name, sent, len(frame)))
            print("sent %s %s %d (%d bytes)" % (name, counter, n, len(frame)))
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
