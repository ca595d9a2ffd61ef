//! Which IP addresses a push may be sent to: only global unicast ones.
//!
//! Refused: loopback, private (RFC 1918), carrier-grade NAT, link-local (and so the cloud
//! metadata address 169.254.169.254), "this network", benchmarking, documentation, reserved,
//! multicast and broadcast for IPv4; for IPv6 everything outside the global unicast block
//! `2000::/3`, plus documentation, the IETF protocol block and 6to4 inside it, and every form
//! that embeds an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo), whose
//! real destination would be the embedded one. Unique-local (`fc00::/7`, where AWS puts its IPv6
//! metadata address) and link-local are outside `2000::/3`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether a push may be sent to `ip`.
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_global_v4(ip),
        IpAddr::V6(ip) => is_global_v6(ip),
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0                                  // "this network"
        || a == 10                                        // private
        || (a == 100 && (64..128).contains(&b))           // carrier-grade NAT
        || a == 127                                       // loopback
        || (a == 169 && b == 254)                         // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))            // private
        || (a == 192 && b == 0 && c == 0)                 // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)                 // documentation
        || (a == 192 && b == 88 && c == 99)               // 6to4 relay anycast
        || (a == 192 && b == 168)                         // private
        || (a == 198 && (b == 18 || b == 19))             // benchmarking
        || (a == 198 && b == 51 && c == 100)              // documentation
        || (a == 203 && b == 0 && c == 113)               // documentation
        || a >= 224; // multicast, reserved, broadcast
    !refused
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let global_unicast = segments[0] & 0xe000 == 0x2000;
    let refused = match segments[0] {
        // The IETF protocol block (Teredo among it) and documentation.
        0x2001 => segments[1] < 0x0200 || segments[1] == 0x0db8,
        // 6to4.
        0x2002 => true,
        // Documentation (RFC 9637).
        0x3fff => segments[1] < 0x1000,
        _ => false,
    };
    // `::ffff:a.b.c.d`, `::a.b.c.d` and `64:ff9b::a.b.c.d` all fall outside `2000::/3`.
    global_unicast && !refused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(ip: &str) -> bool {
        is_global(ip.parse().unwrap())
    }

    #[test]
    fn public_addresses_are_global() {
        for ip in [
            "8.8.8.8",
            "142.250.74.42",
            "1.1.1.1",
            "100.128.0.1",
            "172.32.0.1",
            "2607:f8b0:4004:c07::5f",
            "2a00:1450:4001:82b::200a",
        ] {
            assert!(global(ip), "{ip}");
        }
    }

    #[test]
    fn every_local_private_or_special_address_is_refused() {
        for ip in [
            "0.0.0.0",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "2002:7f00:1::1",
            "3fff::1",
            "100::1",
        ] {
            assert!(!global(ip), "{ip}");
        }
    }
}
