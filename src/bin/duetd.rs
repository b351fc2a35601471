//! `duetd`: the journal daemon. All of it lives in the `duet-daemon` crate.
fn main() -> std::process::ExitCode {
    duet_daemon::main()
}
