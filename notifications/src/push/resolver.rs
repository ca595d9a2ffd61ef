//! The push client's DNS resolver: it resolves a push service's host name, refuses the answer if
//! any address in it is not global (see [`super::address`]), and hands the HTTP client exactly
//! the addresses it checked, so the connection goes where the check said (a second lookup by
//! the client, which DNS rebinding could answer differently, never happens).
//!
//! The lookup itself is injectable ([`HostLookup`]): the system's resolver in deployments, a
//! fixed table in tests, which is how a test makes an allowed host name resolve to 10.0.0.1
//! without a DNS server.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::address::is_global;

/// Resolves a host name to its addresses.
pub trait HostLookup: Send + Sync + 'static {
    /// Every address of `host`.
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;
}

/// The operating system's resolver (`getaddrinfo`, through tokio).
pub struct SystemLookup;

impl HostLookup for SystemLookup {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|addr| addr.ip())
                .collect())
        })
    }
}

/// A fixed table, for tests: a name not in it does not resolve.
pub struct StaticLookup(pub HashMap<String, Vec<IpAddr>>);

impl HostLookup for StaticLookup {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        let found = self.0.get(&host).cloned();
        Box::pin(async move {
            found.ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, format!("{host} is unknown"))
            })
        })
    }
}

/// Which lookup the push client uses; the system's by default.
#[derive(Clone)]
pub struct Lookup(pub Arc<dyn HostLookup>);

impl Default for Lookup {
    fn default() -> Self {
        Self(Arc::new(SystemLookup))
    }
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lookup")
    }
}

/// A host resolved to an address that a push must never reach.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to {address}, which is not a global address")]
pub struct RefusedAddress {
    /// The name looked up.
    pub host: String,
    /// The first address refused.
    pub address: IpAddr,
}

/// The resolver handed to the HTTP client.
pub struct CheckedResolver {
    lookup: Lookup,
    /// Development only: `localhost` may resolve to loopback addresses (the push-service
    /// stand-in); every other name is held to global addresses all the same.
    allow_localhost: bool,
}

impl CheckedResolver {
    /// Over `lookup`; `allow_localhost` as the development setting says.
    pub fn new(lookup: Lookup, allow_localhost: bool) -> Self {
        Self {
            lookup,
            allow_localhost,
        }
    }

    /// The addresses of `host`, each one checked; an error if any is refused (a host with a
    /// private address among public ones is not a push service) or there are none.
    pub async fn checked(
        &self,
        host: &str,
    ) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let addresses = self.lookup.0.lookup(host.to_owned()).await?;
        let local_allowed = self.allow_localhost && host == "localhost";
        if let Some(address) = addresses
            .iter()
            .copied()
            .find(|ip| !(is_global(*ip) || local_allowed && ip.is_loopback()))
        {
            return Err(Box::new(RefusedAddress {
                host: host.to_owned(),
                address,
            }));
        }
        if addresses.is_empty() {
            return Err(format!("{host} has no address").into());
        }
        Ok(addresses)
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = Self {
            lookup: self.lookup.clone(),
            allow_localhost: self.allow_localhost,
        };
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = resolver.checked(&host).await?;
            // Port 0: the client puts the URL's port in.
            let addrs: Addrs = Box::new(
                addresses
                    .into_iter()
                    .map(|ip| SocketAddr::new(ip, 0))
                    .collect::<Vec<_>>()
                    .into_iter(),
            );
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: &[(&str, &str)]) -> Lookup {
        let mut map: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for (host, ip) in entries {
            map.entry((*host).to_owned())
                .or_default()
                .push(ip.parse().unwrap());
        }
        Lookup(Arc::new(StaticLookup(map)))
    }

    #[tokio::test]
    async fn a_host_with_only_global_addresses_resolves() {
        let resolver = CheckedResolver::new(
            table(&[
                ("fcm.googleapis.com", "142.250.74.42"),
                ("fcm.googleapis.com", "2a00:1450:4001:82b::200a"),
            ]),
            false,
        );
        let addresses = resolver.checked("fcm.googleapis.com").await.unwrap();
        assert_eq!(addresses.len(), 2);
    }

    #[tokio::test]
    async fn a_host_with_any_private_address_is_refused() {
        let resolver = CheckedResolver::new(
            table(&[
                ("rebind.push.test", "142.250.74.42"),
                ("rebind.push.test", "10.0.0.1"),
                ("meta.push.test", "169.254.169.254"),
                ("localhost", "127.0.0.1"),
            ]),
            false,
        );
        for host in ["rebind.push.test", "meta.push.test", "localhost"] {
            let error = resolver.checked(host).await.unwrap_err();
            assert!(error.downcast_ref::<RefusedAddress>().is_some(), "{host}");
        }
        assert!(resolver.checked("unknown.push.test").await.is_err());
    }

    #[tokio::test]
    async fn only_localhost_may_be_loopback_and_only_in_development() {
        let resolver = CheckedResolver::new(
            table(&[("localhost", "127.0.0.1"), ("other.test", "127.0.0.1")]),
            true,
        );
        assert!(resolver.checked("localhost").await.is_ok());
        assert!(resolver.checked("other.test").await.is_err());
    }
}
