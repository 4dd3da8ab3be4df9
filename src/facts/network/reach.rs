//! TCP reachability of endpoints: all in parallel, names resolved and connections made under
//! one deadline, so N unreachable hosts cost one deadline, not N.

use super::jdbc::Endpoint;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Why each endpoint did not answer; endpoints that accepted a connection are absent.
pub fn unreachable(endpoints: &[Endpoint], deadline: Duration) -> Vec<(Endpoint, String)> {
    let started = Instant::now();
    let until = started + deadline;
    let (tx, rx) = mpsc::channel();
    for (i, ep) in endpoints.iter().enumerate() {
        let (tx, ep) = (tx.clone(), ep.clone());
        crate::par::spawn_or_run(move || {
            let result = check(&ep, until);
            let _ = tx.send((i, result, started.elapsed()));
        });
    }
    drop(tx);
    let mut answers: Vec<Option<Result<(), String>>> = vec![None; endpoints.len()];
    while answers.iter().any(Option::is_none) {
        let left = until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left + Duration::from_millis(50)) {
            Ok((i, result, took)) => {
                answers[i] = Some(result.map_err(|e| format!("{e} ({}ms)", took.as_millis())));
            }
            Err(_) => break,
        }
    }
    endpoints
        .iter()
        .zip(answers)
        .filter_map(|(ep, a)| match a {
            Some(Ok(())) => None,
            Some(Err(e)) => Some((ep.clone(), e)),
            None => Some((
                ep.clone(),
                format!("no answer within {}ms", deadline.as_millis()),
            )),
        })
        .collect()
}

fn check(ep: &Endpoint, until: Instant) -> Result<(), String> {
    let addrs = resolve(ep, until)?;
    let mut last = String::from("no address");
    for addr in addrs {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("timed out".into());
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = "connection refused".into()
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => last = "timed out".into(),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// Resolves in a thread of its own, since the system resolver has no timeout.
fn resolve(ep: &Endpoint, until: Instant) -> Result<Vec<SocketAddr>, String> {
    let (tx, rx) = mpsc::channel();
    let target = (ep.host.clone(), ep.port);
    crate::par::spawn_or_run(move || {
        let _ = tx.send(target.to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    let left = until.saturating_duration_since(Instant::now());
    match rx.recv_timeout(left) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err("name has no address".into()),
        Ok(Err(e)) => Err(format!("name not resolved: {e}")),
        Err(_) => Err("name not resolved in time".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_and_closed_ports_within_one_deadline() {
        let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_port = closed.local_addr().unwrap().port();
        drop(closed);
        let ep = |port| Endpoint {
            host: "127.0.0.1".into(),
            port,
        };
        let started = Instant::now();
        let deadline = Duration::from_secs(2);
        let down = unreachable(
            &[
                ep(open.local_addr().unwrap().port()),
                ep(closed_port),
                ep(closed_port),
            ],
            deadline,
        );
        assert!(started.elapsed() < deadline + Duration::from_millis(500));
        assert_eq!(down.len(), 2, "{down:?}");
        assert_eq!(down[0].0.port, closed_port);
        assert!(
            down[0].1.starts_with("connection refused ("),
            "{}",
            down[0].1
        );
    }
}
