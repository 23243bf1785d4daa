//! `homeward serve` as a child process on a real socket, for the end-to-end
//! tests.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `homeward serve`, killed when dropped.
pub struct Server {
    /// The process (a test may kill it itself).
    pub child: Child,
    /// The bound address, `host:port`.
    pub addr: String,
    /// The keys printed on a first start (`None` on a restart).
    pub admin: Option<String>,
    pub officer: Option<String>,
    pub planner: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `homeward serve` on the SQLite store `db`, seeded from
/// fixtures/small on a first start, ages as of 2026-06-01, on a free port,
/// with `extra` arguments; returns once it listens.
pub fn start(db: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("homeward"))
        .arg("serve")
        .arg("--db")
        .arg(db)
        .args(["--seed", "fixtures/small", "--addr", "127.0.0.1:0"])
        .args(["--as-of", "2026-06-01"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut admin, mut officer, mut planner, mut addr) = (None, None, None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        let key = || line.rsplit_once(": ").map(|(_, k)| k.to_string());
        if line.starts_with("admin key: ") {
            admin = key();
        } else if line.starts_with("officer key (regions: South): ") {
            officer = key();
        } else if line.starts_with("planner key: ") {
            planner = key();
        } else if let Some(a) = line.strip_prefix("listening on http://") {
            addr = Some(a.to_string());
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        addr: addr.expect("serve prints its address"),
        admin,
        officer,
        planner,
    }
}
