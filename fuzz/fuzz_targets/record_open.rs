//! Any bytes where a sealed record or a wrapped data key should be: opening fails cleanly
//! (`Malformed` or `Authentication`, `WrongKey` or `CorruptDataKey`), never a panic, and
//! never opens: forging a record without the key is the thing that must not happen.

#![no_main]

use std::sync::OnceLock;

use duet_crypto::{DataKey, DeviceKey};
use libfuzzer_sys::fuzz_target;

fn keys() -> &'static (DeviceKey, DataKey) {
    static KEYS: OnceLock<(DeviceKey, DataKey)> = OnceLock::new();
    KEYS.get_or_init(|| (DeviceKey::generate(), DataKey::generate()))
}

fuzz_target!(|data: &[u8]| {
    let (device, key) = keys();
    let (aad, sealed) = data.split_at(data.len().min(16));
    assert!(
        key.open(aad, sealed).is_err(),
        "a record opened without being sealed by the key"
    );
    let _ = DataKey::unwrap(data, device);
});
