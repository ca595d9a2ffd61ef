//! A push endpoint: the URL a browser's push service handed out, which this service will later
//! send requests to. Users supply it, so it is an SSRF surface, and this is the one place that
//! decides which URLs are acceptable (on subscribe, and again before every send).
//!
//! Accepted: an `https` URL of at most [`MAX_ENDPOINT_CHARS`] characters, on port 443, without
//! userinfo, whose host is a name (never an IP literal) matching the allow-list. Parsing is the
//! WHATWG parser's, the one browsers use, so `https://fcm.googleapis.com@evil/` has the host
//! `evil` here exactly as it would there. Where the host's addresses are checked, see
//! [`crate::push::address`].
//!
//! A development setting also accepts a stand-in on this machine (`localhost`, `127.0.0.1`,
//! `[::1]`, any port, `http` or `https`), and only that.

use url::{Host, Url};

/// The longest endpoint accepted, in characters.
pub const MAX_ENDPOINT_CHARS: usize = 1024;

/// The browsers' push services, used when `PUSH_ENDPOINT_HOSTS` is not set.
pub const DEFAULT_ENDPOINT_HOSTS: &str =
    "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com";

/// One entry of the allow-list: a host name, or `*.` and a domain for any name below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this name.
    Exact(String),
    /// Any name ending in this suffix (which starts with a dot), not the bare domain itself.
    Below(String),
}

impl HostPattern {
    /// `fcm.googleapis.com` or `*.push.apple.com`; case does not matter. `None` for an empty or
    /// malformed entry (a bare `*`, a wildcard in the middle).
    pub fn parse(entry: &str) -> Option<Self> {
        let entry = entry.trim().trim_end_matches('.').to_ascii_lowercase();
        let (wildcard, name) = match entry.strip_prefix("*.") {
            Some(domain) => (true, domain.to_owned()),
            None => (false, entry),
        };
        let valid = !name.is_empty()
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        if !valid {
            return None;
        }
        Some(if wildcard {
            Self::Below(format!(".{name}"))
        } else {
            Self::Exact(name)
        })
    }

    /// Whether `host` (lower-case, as the URL parser leaves it) matches.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            Self::Exact(name) => host == name,
            Self::Below(suffix) => host.len() > suffix.len() && host.ends_with(suffix.as_str()),
        }
    }
}

/// Which endpoints are acceptable.
#[derive(Clone, Debug)]
pub struct EndpointPolicy {
    /// The push services' hosts.
    pub hosts: Vec<HostPattern>,
    /// Development only: also accept a push-service stand-in on this machine.
    pub allow_insecure_localhost: bool,
}

impl EndpointPolicy {
    /// From a comma-separated allow-list; the error names the first bad entry.
    pub fn from_list(list: &str, allow_insecure_localhost: bool) -> Result<Self, String> {
        Ok(Self {
            hosts: list.parse::<HostList>()?.0,
            allow_insecure_localhost,
        })
    }
}

/// A comma-separated allow-list of hosts, as `PUSH_ENDPOINT_HOSTS` holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostList(pub Vec<HostPattern>);

impl std::str::FromStr for HostList {
    type Err = String;

    fn from_str(list: &str) -> Result<Self, String> {
        list.split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(|entry| {
                HostPattern::parse(entry)
                    .ok_or_else(|| format!("{:?} is not a host name or *.domain", entry.trim()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }
}

/// An endpoint that passed [`EndpointPolicy`]: the text as the browser gave it (stored and
/// answered as is, so the browser finds its own endpoint in a listing) and the parsed URL (sent
/// to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushEndpoint {
    raw: String,
    url: Url,
}

impl PushEndpoint {
    /// Checks `raw` against `policy`; the error is a sentence for the client.
    pub fn parse(raw: &str, policy: &EndpointPolicy) -> Result<Self, String> {
        if raw.chars().count() > MAX_ENDPOINT_CHARS {
            return Err(format!(
                "The endpoint must be at most {MAX_ENDPOINT_CHARS} characters."
            ));
        }
        // The URL parser would drop these silently; what is stored must be what is sent to.
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("The endpoint must not contain spaces or control characters.".into());
        }
        let url = Url::parse(raw).map_err(|_| "The endpoint must be a URL.".to_owned())?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("The endpoint must not carry a user name or password.".into());
        }
        let endpoint = Self {
            raw: raw.to_owned(),
            url,
        };
        if policy.allow_insecure_localhost && is_local_standin(&endpoint.url) {
            return Ok(endpoint);
        }
        let url = &endpoint.url;
        if url.scheme() != "https" {
            return Err("The endpoint must be an https URL.".into());
        }
        if url.port_or_known_default() != Some(443) {
            return Err("The endpoint must use port 443.".into());
        }
        match url.host() {
            Some(Host::Domain(host)) if policy.hosts.iter().any(|p| p.matches(host)) => {
                Ok(endpoint)
            }
            _ => Err("The endpoint must be on a browser's push service.".into()),
        }
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The endpoint as the browser gave it, as stored.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The push resource's origin (`https://host[:port]`), the VAPID token's audience
    /// (RFC 8292 section 2).
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// Whether this is the development stand-in on this machine.
    pub fn is_local_standin(&self) -> bool {
        is_local_standin(&self.url)
    }
}

/// `localhost`, `127.0.0.1` or `[::1]`, over `http` or `https`.
fn is_local_standin(url: &Url) -> bool {
    let local = match url.host() {
        Some(Host::Domain(name)) => name == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    local && matches!(url.scheme(), "http" | "https")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> EndpointPolicy {
        EndpointPolicy::from_list(DEFAULT_ENDPOINT_HOSTS, false).unwrap()
    }

    #[test]
    fn the_browsers_push_services_are_accepted() {
        for url in [
            "https://fcm.googleapis.com/fcm/send/abc:def",
            "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
            "https://web.push.apple.com/QGfk",
            "https://db5p.notify.windows.com/w/?token=BQYAAA%3d%3d",
            "https://FCM.googleapis.com:443/fcm/send/x",
        ] {
            assert!(PushEndpoint::parse(url, &strict()).is_ok(), "{url}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let long = format!(
            "https://fcm.googleapis.com/{}",
            "a".repeat(MAX_ENDPOINT_CHARS)
        );
        for url in [
            "http://fcm.googleapis.com/fcm/send/x",
            "https://127.0.0.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://localhost/",
            "https://evil.example/",
            "https://fcm.googleapis.com@evil/",
            "https://user:pass@fcm.googleapis.com/",
            "https://fcm.googleapis.com:8443/",
            "https://fcm.googleapis.com.evil.example/",
            "https://evilfcm.googleapis.com/",
            "https://push.apple.com/",
            "https://xpush.apple.com/",
            "ftp://fcm.googleapis.com/",
            "fcm.googleapis.com/fcm/send/x",
            "https://evil\n.example/",
            "https://fcm.googleapis.com\t.evil.example/",
            " https://fcm.googleapis.com/fcm/send/x",
            "",
            long.as_str(),
        ] {
            assert!(PushEndpoint::parse(url, &strict()).is_err(), "{url}");
        }
    }

    #[test]
    fn the_local_standin_needs_the_development_setting() {
        let dev = EndpointPolicy::from_list(DEFAULT_ENDPOINT_HOSTS, true).unwrap();
        for url in [
            "http://127.0.0.1:4567/push/1",
            "http://localhost:4567/push/1",
            "http://[::1]:4567/push/1",
        ] {
            assert!(PushEndpoint::parse(url, &strict()).is_err(), "{url}");
            let endpoint = PushEndpoint::parse(url, &dev).unwrap();
            assert!(endpoint.is_local_standin());
        }
        assert!(PushEndpoint::parse("http://10.0.0.1:4567/", &dev).is_err());
        assert!(PushEndpoint::parse("http://user@127.0.0.1:4567/", &dev).is_err());
    }

    #[test]
    fn the_audience_is_the_origin() {
        let endpoint =
            PushEndpoint::parse("https://fcm.googleapis.com/fcm/send/x", &strict()).unwrap();
        assert_eq!(endpoint.origin(), "https://fcm.googleapis.com");
        let dev = EndpointPolicy::from_list("", true).unwrap();
        let local = PushEndpoint::parse("http://127.0.0.1:4567/p", &dev).unwrap();
        assert_eq!(local.origin(), "http://127.0.0.1:4567");
    }

    #[test]
    fn allow_list_entries_are_checked() {
        assert_eq!(
            HostPattern::parse("*.Push.Apple.com"),
            Some(HostPattern::Below(".push.apple.com".into()))
        );
        assert_eq!(HostPattern::parse("*"), None);
        assert_eq!(HostPattern::parse("a.*.com"), None);
        assert_eq!(HostPattern::parse("a..com"), None);
        assert!(EndpointPolicy::from_list("fcm.googleapis.com, *", false).is_err());
        assert!(
            EndpointPolicy::from_list(" ", false)
                .unwrap()
                .hosts
                .is_empty()
        );
    }
}
