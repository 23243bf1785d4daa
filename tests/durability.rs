//! Kill -9: `homeward serve` on SQLite under write load is killed with
//! SIGKILL, restarted on the same database, and every write it had
//! acknowledged is there, the data set still validates and the audit chain
//! verifies.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

/// `homeward serve` on `db` without a rate limit (the load would trip it).
fn start(db: &std::path::Path) -> common::server::Server {
    common::server::start(db, &["--rate-limit", "0"])
}

/// One request; `None` when the connection failed (the server was killed).
fn request(
    addr: &str,
    method: &str,
    path: &str,
    key: &str,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.get(9..12)?.parse().ok()?;
    Some((status, body.to_string()))
}

fn carer(id: &str) -> String {
    serde_json::json!({
        "id": id, "place_id": "P3", "kind": "foster", "approved_places": 2,
        "min_age": 0, "max_age": 17, "placement_types": ["long_term"],
        "accessible_home": false, "languages": ["sr"], "accepts_sibling_groups": true,
        "status": "available"
    })
    .to_string()
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durable.db");
    let mut server = start(&db);
    let admin = server.admin.clone().expect("first start prints keys");
    let officer = server.officer.clone().expect("officer key");
    let addr = server.addr.clone();

    // Two writers: carers created by the admin, decisions by the officer
    // (each also appends audit rows). Record what was acknowledged.
    let stop = Arc::new(AtomicBool::new(false));
    let carers = Arc::new(Mutex::new(Vec::<String>::new()));
    let decisions = Arc::new(Mutex::new(0usize));
    let w1 = {
        let (stop, carers, addr, admin) =
            (stop.clone(), carers.clone(), addr.clone(), admin.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let id = format!("HK{n:05}");
                match request(&addr, "POST", "/v1/carers", &admin, Some(&carer(&id))) {
                    Some((201, _)) => carers.lock().unwrap().push(id),
                    Some((s, b)) => panic!("create {id}: {s} {b}"),
                    None => break,
                }
            }
        })
    };
    let w2 = {
        let (stop, decisions, addr, officer) = (
            stop.clone(),
            decisions.clone(),
            addr.clone(),
            officer.clone(),
        );
        std::thread::spawn(move || {
            let body = r#"{"carerId":"H7","decision":"declined","reason":"load test"}"#;
            while !stop.load(Ordering::Relaxed) {
                match request(
                    &addr,
                    "POST",
                    "/v1/children/K1/decisions",
                    &officer,
                    Some(body),
                ) {
                    Some((201, _)) => *decisions.lock().unwrap() += 1,
                    Some((s, b)) => panic!("decision: {s} {b}"),
                    None => break,
                }
            }
        })
    };
    // Let the load run until enough writes were acknowledged, then SIGKILL
    // mid-stream (writes in flight are not acknowledged and may go either way).
    let t = Instant::now();
    while (carers.lock().unwrap().len() < 150 || *decisions.lock().unwrap() < 150)
        && t.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.child.kill().unwrap(); // SIGKILL on Unix
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    w1.join().unwrap();
    w2.join().unwrap();
    let acked_carers = carers.lock().unwrap().clone();
    let acked_decisions = *decisions.lock().unwrap();
    assert!(
        acked_carers.len() >= 150 && acked_decisions >= 150,
        "load ran"
    );

    // Restart on the same database: no reseeding, same keys.
    let server = start(&db);
    assert!(server.admin.is_none(), "an existing store is not reseeded");
    for id in &acked_carers {
        let r = request(
            &server.addr,
            "GET",
            &format!("/v1/carers/{id}"),
            &admin,
            None,
        );
        assert_eq!(
            r.map(|r| r.0),
            Some(200),
            "acknowledged carer {id} survived"
        );
    }
    let (s, body) = request(
        &server.addr,
        "GET",
        "/v1/children/K1/decisions",
        &officer,
        None,
    )
    .unwrap();
    assert_eq!(s, 200);
    let n = serde_json::from_str::<serde_json::Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    assert!(
        n >= acked_decisions,
        "{n} decisions stored, {acked_decisions} acknowledged"
    );
    // The data set still validates (matching works) and the chain verifies.
    let (s, _) = request(
        &server.addr,
        "GET",
        "/v1/children/K1/matches",
        &officer,
        None,
    )
    .unwrap();
    assert_eq!(s, 200);
    drop(server);
    let out = Command::new(assert_cmd::cargo::cargo_bin("homeward"))
        .args(["audit", "verify", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
