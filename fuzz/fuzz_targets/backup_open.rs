//! Any file given to `duet backup verify|restore`: opening it (age decryption, the tar, the
//! manifest, the checksums) fails cleanly, never panics; and the manifest parser alone, fed
//! the bytes directly, never panics either.

#![no_main]

use std::sync::OnceLock;

use duet_backup::{Manifest, Opener};
use duet_crypto::DeviceKey;
use libfuzzer_sys::fuzz_target;

fn key() -> &'static DeviceKey {
    static KEY: OnceLock<DeviceKey> = OnceLock::new();
    KEY.get_or_init(DeviceKey::generate)
}

fuzz_target!(|data: &[u8]| {
    let identities = [key().identity().clone()];
    let _ = duet_backup::open(data, &Opener::Identities(&identities));
    let _ = Manifest::parse(data);
});
