//! What the server's test binaries share.

use outlines_server::Server;

/// `server` on a free port of 127.0.0.1, for the rest of the test; its base URL.
pub(crate) async fn start(server: Server) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, server.router()).await.unwrap();
    });
    format!("http://{address}")
}
