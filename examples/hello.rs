//! The ceiling of the load benchmark: the smallest axum server that answers
//! `GET /` with "hello", on the same machine, measured in the same run.
//! Run: `cargo run --release --example hello -- 127.0.0.1:3999`.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3999".into());
    let app = Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
