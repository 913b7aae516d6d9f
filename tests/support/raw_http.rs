//! HTTP servers on 127.0.0.1 that misbehave in ways a mock framework cannot: one that accepts
//! connections and never answers, one that reads the whole request and closes the connection
//! without a word, one that starts a reply and closes the connection mid-body; and an address where
//! nothing listens.

#![allow(dead_code)] // each test binary uses what it needs

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the server treats each connection.
#[derive(Clone, Debug)]
pub enum Misbehaviour {
    /// Reads the request and never writes a byte (the connection stays open).
    NeverAnswer,
    /// Reads the whole request (head and body), then closes the connection without answering.
    CloseAfterRequest,
    /// Sends `status` with a `Content-Length` of `declared` bytes, writes `partial` (shorter), then
    /// closes the connection.
    CloseMidBody {
        status: u16,
        partial: String,
        declared: usize,
    },
}

/// A running server; it stops when the test's runtime does.
pub struct RawServer {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl RawServer {
    /// `http://127.0.0.1:port` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections the server has accepted (one per try: the client retries on a new one).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Starts a server that misbehaves on every connection.
pub async fn start(how: Misbehaviour) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let how = how.clone();
            tokio::spawn(async move {
                let mut buf = vec![0_u8; 64 * 1024];
                match how {
                    Misbehaviour::CloseAfterRequest => {
                        read_request(&mut socket).await;
                        // Dropping the socket closes the connection: no status line, nothing.
                        return;
                    }
                    // Read (and drop) the request head and whatever body arrives with it.
                    _ => {
                        let _ = socket.read(&mut buf).await;
                    }
                }
                match how {
                    Misbehaviour::CloseAfterRequest => {}
                    Misbehaviour::NeverAnswer => {
                        // Hold the connection open until the client gives up.
                        let _ = socket.read(&mut buf).await;
                        std::future::pending::<()>().await;
                    }
                    Misbehaviour::CloseMidBody {
                        status,
                        partial,
                        declared,
                    } => {
                        let head = format!(
                            "HTTP/1.1 {status} OK\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\r\n"
                        );
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.write_all(partial.as_bytes()).await;
                        let _ = socket.flush().await;
                        // Dropping the socket closes the connection with the body incomplete.
                    }
                }
            });
        }
    });
    RawServer { addr, connections }
}

/// Reads one whole request: its head, then as many body bytes as its `content-length` says.
async fn read_request(socket: &mut tokio::net::TcpStream) {
    let mut request = Vec::new();
    let mut buf = [0_u8; 16 * 1024];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return;
            }
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
}

/// `http://127.0.0.1:port` where nothing listens: the port of a listener just closed.
pub async fn refusing_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}
