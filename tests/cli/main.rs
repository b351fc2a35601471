//! End-to-end tests: real `duetd` processes in temp homes, driven through the real `duet`
//! binary. One test binary (ripgrep's layout) so the binaries link once.

#[path = "../torture/crash_cycles.rs"]
mod crash_cycles;
mod harness;
mod ids;

mod backup;
mod bad_input;
mod device_safety;
mod doctor;
mod durability;
mod edges;
mod errors;
mod export;
mod integration;
mod keys;
mod lifecycle;
mod partition;
mod privacy;
mod resume;
mod sync;
mod targets;
mod terminal;
mod torture;
mod trust;
mod unicode;
mod wire;
