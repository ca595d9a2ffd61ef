//! Private Postgres, Redis and RabbitMQ instances, one set per test, in a temporary folder and on
//! free ports, started as child processes of the test so that a test can stop, kill and restart
//! them without disturbing the machine's servers (5432, 6379, 5672), which other tests and CI
//! use. Every child runs in a process group of its own; dropping its guard kills the whole group
//! (also while a failed test unwinds), and dropping the [`Scratch`] folder removes the data.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt as _;

/// A temporary folder, removed when dropped (kept when the test failed), or (when the test is
/// killed and no destructor runs) by a watcher once the test process is gone.
pub struct Scratch {
    pub path: PathBuf,
    watcher: Option<Child>,
}

impl Scratch {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!(
            "gochat-chaos-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        ));
        std::fs::create_dir_all(&path).expect("creating the scratch folder");
        // Postgres runs as its own OS user when the tests run as root; it must reach its folder.
        set_mode(&path, 0o755);
        let watcher = Command::new("sh")
            .arg("-c")
            .arg(r#"while [ -d "/proc/$1" ]; do sleep 1; done; rm -rf "$2""#)
            .arg("sh")
            .arg(std::process::id().to_string())
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own group, so that killing the test's group does not kill it too.
            .process_group(0)
            .spawn()
            .ok();
        Self { path, watcher }
    }

    pub fn dir(&self, name: &str) -> PathBuf {
        let dir = self.path.join(name);
        std::fs::create_dir_all(&dir).expect("creating a scratch subfolder");
        dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(mut watcher) = self.watcher.take() {
            signal(watcher.id(), "KILL", true);
            let _ = watcher.wait();
        }
        // A failed test's folder (every server's and service's log, the data) is evidence.
        if std::thread::panicking() {
            eprintln!("[chaos] kept for the failure: {}", self.path.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A port nobody listens on right now, and not handed out before by this process. The OS may
/// hand out a port again as soon as it is released, and a test takes its servers' ports before
/// they bind them: once, RabbitMQ's port came back as Postgres' of the same test, and the
/// services spoke AMQP to Postgres.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        if GIVEN.lock().unwrap_or_else(|e| e.into_inner()).insert(port) {
            return port;
        }
    }
}

/// Sends `signal` (a name such as `TERM`) to a process, or with `group`, to its process group.
pub fn signal(pid: u32, signal: &str, group: bool) {
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    let _ = Command::new("kill")
        .args(["-s", signal, "--", &target])
        .stderr(Stdio::null())
        .status();
}

/// A command for `program` that also kills its whole process group once this test process is
/// gone: the guards below do that when a test ends or fails, but a test killed from outside (a
/// timeout's SIGKILL) runs no destructor. A watcher in the child's group polls for the test's
/// pid (by `/proc`, which works whichever OS user the child runs as) and then kills the group.
/// `exec` keeps the program's own pid, so signals and pid files work as without the wrapper.
pub fn reaped(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(
            r#"parent=$1; shift
( while [ -d "/proc/$parent" ]; do sleep 1; done; kill -9 0 ) &
exec "$@""#,
        )
        .arg("sh")
        .arg(std::process::id().to_string())
        .arg(program);
    command
}

/// A child process leading its own process group; killed with its whole group when dropped.
pub struct Guarded {
    pub child: Child,
    pub name: String,
    pub log: PathBuf,
}

impl Guarded {
    /// Starts `command` in a new process group, its output appended to `log`.
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> Self {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("opening a log file");
        let err = out.try_clone().expect("cloning a log handle");
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Self {
            child,
            name: name.to_owned(),
            log,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited.
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends `sig` to the group and waits up to `patience` for the leader to exit; then kills
    /// the group.
    pub fn stop(&mut self, sig: &str, patience: Duration) {
        signal(self.pid(), sig, true);
        let deadline = Instant::now() + patience;
        while !self.exited() {
            if Instant::now() > deadline {
                signal(self.pid(), "KILL", true);
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Whatever the leader left in its group (Erlang helpers, Postgres backends).
        signal(self.pid(), "KILL", true);
    }

    /// The last lines of its log, for a failure report.
    pub fn tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "----- last lines of {} ({}) -----\n{}",
                self.name,
                self.log.display(),
                self.tail(15)
            );
        }
        signal(self.pid(), "KILL", true);
        let _ = self.child.wait();
    }
}

/// Waits until `port` accepts TCP connections, or panics naming `what`.
pub fn wait_for_port(port: u16, what: &str, patience: Duration) {
    let deadline = Instant::now() + patience;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port} within {patience:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `id FLAG [USER]`: a numeric user or group id (of the current user when `user` is empty).
fn id_of(user: &str, flag: &str) -> Option<u32> {
    let mut command = Command::new("id");
    command.arg(flag);
    if !user.is_empty() {
        command.arg(user);
    }
    let out = command.output().ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

// ---- Postgres -------------------------------------------------------------------------------

/// A private Postgres cluster: `initdb` into the scratch folder, the postmaster as our child.
pub struct Postgres {
    pub port: u16,
    data: PathBuf,
    bin: PathBuf,
    /// Postgres refuses to run as root; as root it runs as the `postgres` OS user.
    run_as: Option<(u32, u32)>,
    process: Option<Guarded>,
}

impl Postgres {
    pub fn start(scratch: &Scratch, databases: &[&str]) -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("Postgres server binaries under /usr/lib/postgresql")
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("postgres").exists())
            .max_by_key(|p| {
                p.parent()
                    .and_then(|v| v.file_name())
                    .and_then(|v| v.to_str())
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0)
            })
            .expect("a Postgres version under /usr/lib/postgresql/*/bin");
        let is_root = id_of("", "-u") == Some(0);
        let run_as = if is_root {
            Some((
                id_of("postgres", "-u").expect("a postgres OS user"),
                id_of("postgres", "-g").expect("a postgres OS group"),
            ))
        } else {
            None
        };
        let data = scratch.dir("postgres");
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&data, Some(uid), Some(gid)).expect("chown the data folder");
        }
        set_mode(&data, 0o700);
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some((uid, gid)) = run_as {
            initdb.uid(uid).gid(gid);
        }
        let out = initdb.output().expect("running initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut postgres = Self {
            port: free_port(),
            data,
            bin,
            run_as,
            process: None,
        };
        postgres.start_again();
        for database in databases {
            let url = postgres.url("postgres");
            let database = (*database).to_owned();
            block_on(async move {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .expect("the private Postgres accepts connections");
                let task = tokio::spawn(connection);
                client
                    .batch_execute(&format!("CREATE DATABASE {database}"))
                    .await
                    .expect("creating a database");
                drop(client);
                let _ = task.await;
            });
        }
        postgres
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts the postmaster on the same port and data (after a stop).
    pub fn start_again(&mut self) {
        let mut command = reaped(self.bin.join("postgres"));
        command.arg("-D").arg(&self.data).args([
            "-p",
            &self.port.to_string(),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=200",
            // A throwaway instance: speed over surviving an OS crash (a process crash, which
            // is what the tests inject, loses nothing committed).
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
        ]);
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        let log = self
            .data
            .parent()
            .map_or_else(|| PathBuf::from("/dev/null"), |p| p.join("postgres.log"));
        self.process = Some(Guarded::spawn("postgres", command, log));
        wait_for_port(self.port, "Postgres", Duration::from_secs(60));
        // The port opens before recovery ends; wait until a session can be made.
        let url = self.url("postgres");
        block_on(async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .is_ok()
                {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "Postgres did not accept sessions"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }

    /// `pg_ctl stop -m immediate`: SIGQUIT to the postmaster, which drops every session at once
    /// and needs crash recovery on the next start.
    pub fn stop_immediate(&mut self) {
        if let Some(mut process) = self.process.take() {
            let pid = process.pid();
            signal(pid, "QUIT", false);
            let deadline = Instant::now() + Duration::from_secs(30);
            while !process.exited() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            process.stop("KILL", Duration::from_secs(5));
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.stop("KILL", Duration::from_secs(5));
        }
    }
}

// ---- Redis ----------------------------------------------------------------------------------

/// A private Redis without persistence: a restart loses everything, as a real crash of a cache
/// would.
pub struct Redis {
    pub port: u16,
    dir: PathBuf,
    process: Option<Guarded>,
}

impl Redis {
    pub fn start(scratch: &Scratch) -> Self {
        let mut redis = Self {
            port: free_port(),
            dir: scratch.dir("redis"),
            process: None,
        };
        redis.start_again();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn start_again(&mut self) {
        let mut command = reaped("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir);
        self.process = Some(Guarded::spawn("redis", command, self.dir.join("redis.log")));
        wait_for_port(self.port, "Redis", Duration::from_secs(30));
    }

    /// Kills the server (`kill -9`): with no persistence, everything in it is gone.
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.stop("KILL", Duration::from_secs(5));
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---- RabbitMQ -------------------------------------------------------------------------------

/// A private RabbitMQ node: its own node name, AMQP, distribution and epmd ports, and every file
/// (config, Mnesia, logs, Erlang cookie) in the scratch folder. The machine's `/etc/rabbitmq` is
/// not read and the machine's node and epmd are never involved. Its epmd runs as our child too,
/// across restarts of the node, so nothing is left when the test ends.
pub struct RabbitMq {
    pub port: u16,
    base: PathBuf,
    node: String,
    dist_port: u16,
    epmd_port: u16,
    epmd: Option<Guarded>,
    process: Option<Guarded>,
}

impl RabbitMq {
    pub fn start(scratch: &Scratch) -> Self {
        let base = scratch.dir("rabbitmq");
        for sub in ["home", "mnesia", "log"] {
            std::fs::create_dir_all(base.join(sub)).expect("creating RabbitMQ folders");
        }
        set_mode(&base.join("home"), 0o700);
        let port = free_port();
        std::fs::write(
            base.join("rabbitmq.conf"),
            // Everything to the console, which goes to server.log: its tail is what a failure
            // prints.
            format!(
                "listeners.tcp.default = 127.0.0.1:{port}\nlog.console = true\nlog.console.level = info\nlog.file = false\n"
            ),
        )
        .expect("writing rabbitmq.conf");
        std::fs::write(base.join("enabled_plugins"), "[].\n").expect("writing enabled_plugins");
        std::fs::write(base.join("rabbitmq-env.conf"), "\n").expect("writing rabbitmq-env.conf");
        let epmd_port = free_port();
        let mut epmd = reaped("epmd");
        epmd.args(["-port", &epmd_port.to_string(), "-address", "127.0.0.1"]);
        let epmd = Guarded::spawn("epmd", epmd, base.join("epmd.log"));
        wait_for_port(epmd_port, "epmd", Duration::from_secs(10));
        let mut rabbit = Self {
            port,
            node: format!("chaos{port}@localhost"),
            dist_port: free_port(),
            epmd_port,
            base,
            epmd: Some(epmd),
            process: None,
        };
        rabbit.start_again();
        rabbit
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// Starts the node again on the same name, ports and data (quorum queues survive).
    pub fn start_again(&mut self) {
        let base = &self.base;
        let mut command = reaped("/usr/lib/rabbitmq/bin/rabbitmq-server");
        command
            .current_dir(base)
            .env("HOME", base.join("home"))
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env(
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "-kernel inet_dist_use_interface {127,0,0,1}",
            )
            .env("RABBITMQ_CONF_ENV_FILE", base.join("rabbitmq-env.conf"))
            .env("RABBITMQ_CONFIG_FILE", base.join("rabbitmq.conf"))
            .env(
                "RABBITMQ_ADVANCED_CONFIG_FILE",
                base.join("advanced.config"),
            )
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                base.join("enabled_plugins"),
            )
            .env("RABBITMQ_MNESIA_BASE", base.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", base.join("log"))
            .env("RABBITMQ_PID_FILE", base.join("rabbitmq.pid"));
        self.process = Some(Guarded::spawn("rabbitmq", command, base.join("server.log")));
        // The AMQP listener opens last in the boot sequence.
        wait_for_port(self.port, "RabbitMQ", Duration::from_secs(120));
    }

    /// Stops the node (SIGTERM: the Erlang VM shuts down in order, as `rabbitmqctl stop` would).
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.stop("TERM", Duration::from_secs(30));
        }
    }
}

impl Drop for RabbitMq {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.stop("KILL", Duration::from_secs(5));
        }
        self.epmd.take();
    }
}

/// Runs a future to completion on a runtime of its own (the harness's set-up is synchronous).
fn block_on<F: std::future::Future<Output = ()> + Send + 'static>(future: F) {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(future);
    })
    .join()
    .expect("the set-up thread");
}
