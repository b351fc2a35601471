//! Any text in `config.toml`: parsing gives a config or a `path:line:column` error, never a
//! panic (the error's position is computed from the parser's span, in characters).

#![no_main]

use duet_daemon::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Config::parse(text, std::path::Path::new("config.toml"));
});
