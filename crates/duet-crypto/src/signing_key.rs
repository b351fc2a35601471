//! The device's signing key: Ed25519, for what a device vouches for as its own (its latest
//! journal change, its backups). Kept like the endpoint key: sealed to the device key with
//! age, so it is as protected as the device key and its passphrase.

use ed25519_dalek::Signer;
use zeroize::Zeroizing;

use crate::{DeviceKey, KeyError};

/// An Ed25519 signing key. The secret never appears in `Debug` and is zeroized on drop
/// (ed25519-dalek's `zeroize` feature).
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(public {})", hex(&self.public()))
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl SigningKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::Rng::fill(&mut rand::rngs::OsRng, &mut seed[..]);
        Self(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The key sealed to `device` (an age file), for `keys/signing.age`.
    pub fn seal(&self, device: &DeviceKey) -> Result<Vec<u8>, KeyError> {
        let secret = Zeroizing::new(self.0.to_bytes());
        device.seal_secret(&secret[..])
    }

    /// Opens a key sealed by [`SigningKey::seal`].
    pub fn open(sealed: &[u8], device: &DeviceKey) -> Result<Self, KeyError> {
        let bytes = device.open_secret(sealed)?;
        let seed: &[u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::CorruptKeyFile)?;
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(seed)))
    }

    /// The public key, which names the device's signatures (and derives its actor id).
    pub fn public(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// Signs `message`, which must start with a context string of its own purpose so a
    /// signature for one purpose is never valid for another.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

/// Whether `signature` is `public`'s signature over `message` (strict verification: no
/// malleable or small-order encodings).
pub fn verify(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    key.verify_strict(message, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_sign_verify_round_trip() {
        let device = DeviceKey::generate();
        let key = SigningKey::generate();
        let sealed = key.seal(&device).unwrap();
        let opened = SigningKey::open(&sealed, &device).unwrap();
        assert_eq!(opened.public(), key.public());
        let sig = opened.sign(b"duet test v1 hello");
        assert!(verify(&key.public(), b"duet test v1 hello", &sig));
        assert!(!verify(&key.public(), b"duet test v1 hellp", &sig));
        let other = SigningKey::generate();
        assert!(!verify(&other.public(), b"duet test v1 hello", &sig));
        let mut bad = sig;
        bad[0] ^= 1;
        assert!(!verify(&key.public(), b"duet test v1 hello", &bad));
        // Another device cannot open it, and garbage is refused, not a panic.
        assert!(SigningKey::open(&sealed, &DeviceKey::generate()).is_err());
        assert!(SigningKey::open(b"garbage", &device).is_err());
        assert!(!format!("{key:?}").contains(&hex(&key.0.to_bytes())));
    }
}
