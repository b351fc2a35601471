//! The daemon's log: `tracing` to stderr, filtered by `DUET_LOG` or `RUST_LOG`.
//!
//! When `duet daemon start` backgrounds the daemon, stderr is the home's `duetd.log`. Nothing
//! logged may contain journal content or key material: log ids and sizes, not text.

use tracing_subscriber::EnvFilter;

pub(crate) fn init() {
    let filter = std::env::var("DUET_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        // iroh and its QUIC stack are chatty at info; their warnings still show.
        .unwrap_or_else(|| {
            EnvFilter::new("info,iroh=warn,noq=warn,noq_proto=warn,iroh_relay=warn")
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
