//! Progress for long operations: a spinner on a terminal, nothing otherwise.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner on stderr while a long operation (a backup, a restore, scrypt) runs. It shows
/// only when stderr is a terminal, so scripts and logs stay quiet, and clears itself when
/// dropped, so the command's own messages follow on a clean line.
pub(crate) struct Spinner(Option<ProgressBar>);

impl Spinner {
    /// Starts a spinner with `message`, or nothing when stderr is not a terminal.
    pub(crate) fn start(message: &'static str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(100));
        Self(Some(bar))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
