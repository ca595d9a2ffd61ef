//! A TCP proxy that simulates an outage of a shared server.

/// A TCP proxy in front of a real server that a test can cut and restore, to simulate an outage
/// of Postgres, RabbitMQ or Redis without disturbing the server (which other tests share).
pub struct TcpProxy {
    /// The port clients connect to.
    pub port: u16,
    state: std::sync::Arc<ProxyState>,
    accept_loop: tokio::task::JoinHandle<()>,
}

struct ProxyState {
    up: std::sync::atomic::AtomicBool,
    links: std::sync::Mutex<Vec<tokio::task::AbortHandle>>,
}

impl TcpProxy {
    /// Proxies a free local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let state = std::sync::Arc::new(ProxyState {
            up: std::sync::atomic::AtomicBool::new(true),
            links: std::sync::Mutex::new(Vec::new()),
        });
        let target = target.to_owned();
        let accept_state = state.clone();
        let accept_loop = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !accept_state.up.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                if let Ok(mut links) = accept_state.links.lock() {
                    links.retain(|l| !l.is_finished());
                    links.push(link.abort_handle());
                }
            }
        });
        Self {
            port,
            state,
            accept_loop,
        }
    }

    /// `url` with its `host:port` replaced by the proxy's.
    pub fn rewrite(&self, url: &str, target: &str) -> String {
        url.replacen(target, &format!("127.0.0.1:{}", self.port), 1)
    }

    /// Severs every connection and refuses new ones, like a server that died.
    pub fn cut(&self) {
        self.state
            .up
            .store(false, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut links) = self.state.links.lock() {
            for link in links.drain(..) {
                link.abort();
            }
        }
    }

    /// Accepts connections again, like a server that came back.
    pub fn restore(&self) {
        self.state
            .up
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept_loop.abort();
    }
}
