//! The client's address, for throttling. Behind the gateway every peer is nginx, which states the
//! real client in `X-Real-IP`; that header is believed only from a trusted peer, or anyone could
//! dodge the throttle by sending it.

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::config::TrustedProxies;

/// The address to count failed sign-ins against.
pub fn client_address(req: &HttpRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    let stated = || {
        req.headers()
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    };
    match peer {
        Some(peer) if trusted.trusts(peer) => stated().or(Some(peer)),
        other => other,
    }
}
