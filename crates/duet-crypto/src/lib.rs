//! duet's key material, and the only code that handles it in plaintext.
//!
//! The scheme is envelope encryption, as documented in `docs/security.md`:
//!
//! - each device has an age x25519 identity ([`DeviceKey`]), kept in a standard age identity
//!   file, optionally encrypted to a passphrase with age's scrypt recipient;
//! - each store has a random 256-bit [`DataKey`], kept only sealed to the device's age
//!   recipient;
//! - each record in the store is sealed with the data key by XChaCha20-Poly1305 (the extended-nonce form of
//!   the ChaCha20-Poly1305 AEAD that age uses), with the record's location as associated data, so a record cannot be
//!   moved to another key or table without failing to open.
//!
//! - each device also has an Ed25519 [`SigningKey`], sealed to its device key like the
//!   network key, for what the device vouches for as its own.
//!
//! Secrets are zeroized on drop and never appear in `Debug` output or error messages.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod data_key;
mod device_key;
mod error;
mod signing_key;

pub use age;
pub use age::secrecy::{ExposeSecret, SecretString};
pub use data_key::DataKey;
pub use device_key::{DeviceKey, KeyFileKind};
pub use error::{KeyError, SealError};
pub use signing_key::{SigningKey, verify};
