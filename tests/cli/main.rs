//! End-to-end tests: real `duetd` processes in temp homes, driven through the real `duet`
//! binary. One test binary (ripgrep's layout) so the binaries link once.

mod harness;
mod ids;

mod backup;
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
mod trust;
mod unicode;
mod wire;
