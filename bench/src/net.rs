//! Where the gateway is, and the client addresses the load comes from.
//!
//! Every connection of the bench starts from an address of its own in 127.0.0.0/8 (Linux routes
//! the whole block to the loopback interface). The gateway rate-limits sign-up and sign-in per
//! client address, as it should for real clients; thousands of simulated users behind one address
//! would measure that limit instead of the system. Spreading them also keeps each source address
//! far from running out of ephemeral ports.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use tokio::net::{TcpSocket, TcpStream};

/// The gateway of the system under test.
#[derive(Clone, Debug)]
pub struct Target {
    /// `Host` header value, e.g. `localhost:8080`.
    pub host_header: String,
    /// Where to connect (always a loopback address).
    pub addr: SocketAddr,
    /// The `Origin` header every request and upgrade carries (the base URL itself, which the
    /// stack allows).
    pub origin: String,
    /// `ws://host:port`.
    pub ws_base: String,
}

impl Target {
    /// From a base URL such as `http://localhost:8080`. Refuses anything but localhost: the
    /// bench generates load and must never point at a machine it does not own.
    pub fn parse(base_url: &str) -> anyhow::Result<Self> {
        let rest = base_url
            .trim_end_matches('/')
            .strip_prefix("http://")
            .with_context(|| format!("the base URL must start with http:// ({base_url})"))?;
        if rest.contains('/') {
            bail!("the base URL must have no path ({base_url})");
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .with_context(|| format!("bad port in {base_url}"))?,
            ),
            None => (rest, 80),
        };
        let addr = (host, port)
            .to_socket_addrs()
            .with_context(|| format!("cannot resolve {host}"))?
            .find(|a| a.is_ipv4())
            .with_context(|| format!("{host} has no IPv4 address"))?;
        if !addr.ip().is_loopback() {
            bail!(
                "the bench only talks to localhost; {host} resolves to {}",
                addr.ip()
            );
        }
        Ok(Self {
            host_header: format!("{host}:{port}"),
            addr,
            origin: format!("http://{host}:{port}"),
            ws_base: format!("ws://{host}:{port}"),
        })
    }
}

/// A rotating set of loopback source addresses.
pub struct SourceAddrs {
    addrs: Vec<Ipv4Addr>,
    next: AtomicUsize,
}

impl SourceAddrs {
    /// `count` addresses 127.0.1.1, 127.0.1.2, … if binding to them works here, else only the
    /// default address (then sign-ups are limited by the gateway's per-address limit).
    pub fn new(count: usize) -> Self {
        let addrs: Vec<Ipv4Addr> = (0..count.max(1))
            .map(|i| Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8))
            .collect();
        let probe = std::net::TcpListener::bind((addrs[0], 0));
        let addrs = if probe.is_ok() {
            addrs
        } else {
            vec![Ipv4Addr::LOCALHOST]
        };
        Self {
            addrs,
            next: AtomicUsize::new(0),
        }
    }

    /// The address for the `i`-th simulated client (stable per client).
    pub fn for_client(&self, i: usize) -> Ipv4Addr {
        self.addrs[i % self.addrs.len()]
    }

    /// The next address in turn.
    pub fn next(&self) -> Ipv4Addr {
        self.for_client(self.next.fetch_add(1, Ordering::Relaxed))
    }

    /// How many distinct addresses are used.
    pub fn len(&self) -> usize {
        self.addrs.len()
    }
}

/// A TCP connection to the gateway from `source`.
pub async fn connect(target: &Target, source: Ipv4Addr) -> anyhow::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    if source != Ipv4Addr::LOCALHOST {
        socket
            .bind(SocketAddr::new(IpAddr::V4(source), 0))
            .with_context(|| format!("binding to {source}"))?;
    }
    let stream = socket
        .connect(target.addr)
        .await
        .with_context(|| format!("connecting to {} from {source}", target.addr))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}
