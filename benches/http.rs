//! HTTP benchmark (issue 4): ranked matches over loopback against tier L
//! data, open-loop at a fixed request rate.
//!
//! `cargo bench --bench http` (release build). It
//! 1. generates tier L (60,000 children, 33,000 households, seed 2026) into
//!    a temporary folder — or uses `HOMEWARD_BENCH_DATA` if set;
//! 2. starts `homeward serve --db TMP/bench.db --seed DATA --addr
//!    127.0.0.1:0` (the release binary cargo built for this bench) and reads
//!    the bound address and the printed officer key from its stdout;
//! 3. warms up, then sends `GET /v1/children/{id}/matches?k=10` for
//!    children of the key's region at a fixed rate (default 200/s for 60 s)
//!    **open-loop**: request *i* is due at `start + i/rate` whatever the
//!    earlier ones are doing, and its latency is measured from that due time,
//!    so a stalled server shows up in the tail instead of slowing the load;
//! 4. measures `GET /livez` the same way in the same run as the baseline
//!    (the cost of the HTTP stack, auth-free) and prints both and the ratio.
//!
//! Knobs (environment): `HOMEWARD_BENCH_RATE` (requests/s, 200),
//! `HOMEWARD_BENCH_SECS` (60), `HOMEWARD_BENCH_BASELINE_SECS` (15),
//! `HOMEWARD_BENCH_DATA` (a data set to use instead of generating tier L).
//! Exits non-zero when a request fails, so a broken server cannot pass.

use hdrhistogram::Histogram;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The server process, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    officer_key: String,
    officer_regions: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn homeward() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_homeward"))
}

fn generate_tier_l(dir: &Path) -> PathBuf {
    let out = dir.join("tier-l");
    let status = Command::new(homeward())
        .args(["generate", "--children", "60000", "--carers", "33000"])
        .args(["--seed", "2026", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .expect("run homeward generate");
    assert!(status.success(), "homeward generate failed");
    out
}

fn start_server(dir: &Path, data: &Path) -> Server {
    let mut child = Command::new(homeward())
        .arg("serve")
        .arg("--db")
        .arg(dir.join("bench.db"))
        .arg("--seed")
        .arg(data)
        .args(["--addr", "127.0.0.1:0", "--as-of", "2026-06-01"])
        // One officer key carries the whole load: a per-key limit above
        // the offered rate keeps the limiter in the path without refusing.
        .args(["--rate-limit", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start homeward serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let (mut addr, mut key, mut regions) = (None, None, Vec::new());
    for line in lines.by_ref() {
        let line = line.expect("read serve output");
        if let Some(rest) = line.strip_prefix("officer key") {
            // `officer key (regions: A, B): hw_…`
            if let Some((head, k)) = rest.rsplit_once(": ") {
                key = Some(k.trim().to_string());
                if let Some(r) = head.split_once("regions: ") {
                    regions =
                        r.1.trim_end_matches(')')
                            .split(", ")
                            .map(str::to_string)
                            .collect();
                }
            }
        } else if let Some(a) = line.split_once("listening on http://") {
            addr = Some(a.1.trim().to_string());
            break;
        }
    }
    // Keep draining the server's stdout so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        addr: addr.expect("serve printed its address"),
        officer_key: key.expect("serve printed an officer key on first start"),
        officer_regions: regions,
    }
}

/// Children living in the officer's regions, by id.
fn children_in(data: &Path, regions: &[String]) -> Vec<String> {
    let places = homeward::dataset::load(data).expect("load bench data");
    let region_of = |c: &homeward::domain::Child| places.place(c.location).region.clone();
    let mut ids: Vec<String> = places
        .children
        .iter()
        .filter(|c| regions.is_empty() || regions.contains(&region_of(c)))
        .map(|c| c.id.as_str().to_string())
        .collect();
    ids.sort();
    ids
}

struct Outcome {
    hist: Histogram<u64>,
    errors: Vec<String>,
    sent: usize,
}

/// Sends `paths[i % len]` at `rate` per second for `secs`, open-loop.
async fn open_loop(
    client: &reqwest::Client,
    base: &str,
    key: Option<&str>,
    paths: &[String],
    rate: f64,
    secs: f64,
) -> Outcome {
    let n = (rate * secs).round() as usize;
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due).await;
        let mut req = client.get(format!("{base}{}", paths[i % paths.len()]));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        tasks.push(tokio::spawn(async move {
            let res = req.send().await;
            let latency = due.elapsed();
            let outcome = match res {
                Ok(r) if r.status().is_success() => match r.bytes().await {
                    Ok(_) => Ok(()),
                    Err(e) => Err(format!("body: {e}")),
                },
                Ok(r) => Err(format!("status {}", r.status())),
                Err(e) => Err(e.to_string()),
            };
            (due.elapsed().max(latency), outcome)
        }));
    }
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
    let mut errors = Vec::new();
    for t in tasks {
        let (lat, outcome) = t.await.expect("request task");
        hist.saturating_record(lat.as_micros() as u64);
        if let Err(e) = outcome {
            errors.push(e);
        }
    }
    Outcome {
        hist,
        errors,
        sent: n,
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn report(name: &str, o: &Outcome, secs: f64) {
    let h = &o.hist;
    println!(
        "{name:<10} {:>6} req in {secs:>4.0} s  p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  p99.9 {:>7.2} ms  max {:>7.2} ms  errors {}",
        o.sent,
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.90)),
        ms(h.value_at_quantile(0.99)),
        ms(h.value_at_quantile(0.999)),
        ms(h.max()),
        o.errors.len()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // useful either: only run the (minute-long) load when benchmarking.
    if !std::env::args().any(|a| a == "--bench") {
        println!("http bench: run with `cargo bench --bench http`");
        return;
    }
    let rate: f64 = env_or("HOMEWARD_BENCH_RATE", 200.0);
    let secs: f64 = env_or("HOMEWARD_BENCH_SECS", 60.0);
    let base_secs: f64 = env_or("HOMEWARD_BENCH_BASELINE_SECS", 15.0);
    let dir = tempfile::tempdir().expect("temp dir");
    let data = match std::env::var_os("HOMEWARD_BENCH_DATA") {
        Some(d) => PathBuf::from(d),
        None => {
            let t = Instant::now();
            let d = generate_tier_l(dir.path());
            println!("generated tier L in {:.1} s", t.elapsed().as_secs_f64());
            d
        }
    };
    let t = Instant::now();
    let server = start_server(dir.path(), &data);
    println!(
        "server seeded and listening on {} in {:.1} s (officer regions: {})",
        server.addr,
        t.elapsed().as_secs_f64(),
        server.officer_regions.join(", ")
    );
    let children = children_in(&data, &server.officer_regions);
    assert!(!children.is_empty(), "no children in the officer's regions");
    // A deterministic spread over the region's children.
    let step = (children.len() / 997).max(1);
    let paths: Arc<Vec<String>> = Arc::new(
        children
            .iter()
            .step_by(step)
            .map(|c| format!("/v1/children/{c}/matches?k=10"))
            .collect(),
    );
    let base = format!("http://{}", server.addr);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("http client");
        let key = Some(server.officer_key.as_str());
        // Warm-up: the first request builds the scorer for the snapshot.
        let t = Instant::now();
        let w = open_loop(&client, &base, key, &paths, rate, 5.0).await;
        println!(
            "warm-up    {} req, first scorer build included, {:.1} s, errors {}",
            w.sent,
            t.elapsed().as_secs_f64(),
            w.errors.len()
        );
        let livez = vec!["/livez".to_string()];
        let b = open_loop(&client, &base, None, &livez, rate, base_secs).await;
        report("livez", &b, base_secs);
        let m = open_loop(&client, &base, key, &paths, rate, secs).await;
        report("matches", &m, secs);
        let p99 = ms(m.hist.value_at_quantile(0.99));
        let bp99 = ms(b.hist.value_at_quantile(0.99));
        println!(
            "matches p99 / livez p99 = {:.1}×; target p99 ≤ 25 ms at {rate} req/s: {}",
            p99 / bp99.max(0.001),
            if p99 <= 25.0 && m.errors.is_empty() {
                "met"
            } else {
                "NOT met"
            }
        );
        let errors: Vec<&String> = b.errors.iter().chain(&m.errors).collect();
        if !errors.is_empty() {
            eprintln!("{} failed requests, first: {}", errors.len(), errors[0]);
            std::process::exit(1);
        }
    });
}
