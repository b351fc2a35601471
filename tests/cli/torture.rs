//! The short crash-cycle run of the suite; the long mode is `cargo bench --bench torture`.

use crate::crash_cycles::{Rig, home_dir, run};
use crate::harness::{DUET, DUETD};

#[test]
fn ten_crash_cycles_lose_no_acknowledged_write_and_always_restart() {
    let (_dir, home) = home_dir();
    let rig = Rig {
        duet: DUET.into(),
        duetd: DUETD.into(),
        home,
    };
    let report = run(&rig, 10, 3, 0x5eed, |_| {});
    assert_eq!(report.cycles, 10);
    assert!(report.acknowledged > 0, "{report:?}");
    assert_eq!(report.lost, 0, "{report:?}");
    assert_eq!(report.failed_starts, 0, "{report:?}");
}
