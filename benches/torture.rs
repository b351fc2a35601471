//! Crash cycles at scale: `cargo bench --bench torture -- --cycles 1000 [--writers 4]
//! [--seed N]`. A real `duetd` under concurrent writers is SIGKILLed at random moments and
//! restarted; every acknowledged write must be there and every start must succeed. Prints
//! the figures for docs/reliability.md; exits non-zero on any loss or failed start.

#[path = "../tests/torture/crash_cycles.rs"]
mod crash_cycles;

use crash_cycles::{Rig, home_dir, run};

fn flag(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; a run without `--cycles` is a quick one.
    let cycles = flag(&args, "--cycles", 20) as usize;
    let writers = flag(&args, "--writers", 4) as usize;
    let seed = flag(&args, "--seed", 0x5eed);
    let (_dir, home) = home_dir();
    let rig = Rig {
        duet: env!("CARGO_BIN_EXE_duet").into(),
        duetd: env!("CARGO_BIN_EXE_duetd").into(),
        home,
    };
    let started = std::time::Instant::now();
    let report = run(&rig, cycles, writers, seed, |r| {
        if r.cycles % 50 == 0 {
            eprintln!(
                "{} cycles, {} acknowledged, {} lost, {} failed starts",
                r.cycles, r.acknowledged, r.lost, r.failed_starts
            );
        }
    });
    println!(
        "torture: {} cycles, {writers} writers, seed {seed}: {} acknowledged writes, {} lost, {} failed starts, {:.0} s",
        report.cycles,
        report.acknowledged,
        report.lost,
        report.failed_starts,
        started.elapsed().as_secs_f64()
    );
    for f in &report.failures {
        println!("  {f}");
    }
    if report.lost > 0 || report.failed_starts > 0 {
        std::process::exit(1);
    }
}
