//! Name lookups under a deadline, shared by the probes that ask whether a host name resolves.

use super::Fact;
use crate::value::Value;
use std::sync::mpsc;

/// Whether `host` resolves on this machine; unavailable when the resolver does not answer
/// within `deadline`.
pub fn resolves(host: &str, deadline: std::time::Duration) -> Fact {
    use std::net::ToSocketAddrs;
    let (tx, rx) = mpsc::channel();
    let h = host.to_string();
    crate::par::spawn_or_run(move || {
        let ok = (h.as_str(), 0)
            .to_socket_addrs()
            .map(|mut a| a.next().is_some());
        let _ = tx.send(ok);
    });
    match rx.recv_timeout(deadline) {
        Ok(Ok(found)) => Fact::value(Value::Bool(found)),
        Ok(Err(_)) => Fact::value(Value::Bool(false)),
        Err(_) => Fact::unavailable(format!(
            "timed out resolving `{host}` after {}ms",
            deadline.as_millis()
        )),
    }
}
