//! `duet`: the command-line client. All of it lives in the `duet-cli` crate.
fn main() -> std::process::ExitCode {
    duet_cli::main()
}
