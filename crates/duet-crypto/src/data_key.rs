//! The store's data key and record sealing.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::{DeviceKey, KeyError, SealError};

/// The first byte of every sealed record: the sealing scheme, so it can change later.
const SEAL_V1: u8 = 1;
const NONCE_LEN: usize = 24;

/// A random 256-bit key that seals a store's records. It exists in plaintext only in memory
/// (zeroized on drop); on disk it is always sealed to a device's age recipient.
pub struct DataKey {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl DataKey {
    /// A fresh random key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&key);
        Self { key: bytes }
    }

    /// The key sealed to `device` as a binary age file.
    pub fn wrap(&self, device: &DeviceKey) -> Result<Vec<u8>, KeyError> {
        age::encrypt(&device.recipient(), self.key.as_slice())
            .map_err(|e| KeyError::Encrypt(e.to_string()))
    }

    /// Opens a key sealed by [`DataKey::wrap`].
    pub fn unwrap(sealed: &[u8], device: &DeviceKey) -> Result<Self, KeyError> {
        let plain = Zeroizing::new(age::decrypt(device.identity(), sealed).map_err(
            |e| match e {
                age::DecryptError::NoMatchingKeys => KeyError::WrongKey,
                _ => KeyError::CorruptDataKey,
            },
        )?);
        if plain.len() != 32 {
            return Err(KeyError::CorruptDataKey);
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&plain);
        Ok(Self { key })
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.key.as_slice().into())
    }

    /// Seals `plaintext`, binding it to `aad` (the record's location). Output:
    /// version byte, 24-byte random nonce, ciphertext with its 16-byte tag.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption with a valid key and in-memory buffers cannot fail; an empty output would
        // fail to open later rather than silently pass.
        let ct = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(SEAL_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens a record sealed by [`DataKey::seal`] with the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != SEAL_V1 {
            return Err(SealError::Malformed);
        }
        let nonce = XNonce::from_slice(&sealed[1..1 + NONCE_LEN]);
        self.cipher()
            .decrypt(
                nonce,
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad,
                },
            )
            .map_err(|_| SealError::Authentication)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip() {
        let k = DataKey::generate();
        let sealed = k.seal(b"where", b"secret words");
        assert_eq!(k.open(b"where", &sealed).unwrap(), b"secret words");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
    }

    #[test]
    fn moved_or_altered_records_fail() {
        let k = DataKey::generate();
        let mut sealed = k.seal(b"a", b"x");
        assert!(matches!(
            k.open(b"b", &sealed),
            Err(SealError::Authentication)
        ));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(matches!(
            k.open(b"a", &sealed),
            Err(SealError::Authentication)
        ));
        assert!(matches!(k.open(b"a", &[1, 2]), Err(SealError::Malformed)));
        let other = DataKey::generate();
        let sealed = k.seal(b"a", b"x");
        assert!(other.open(b"a", &sealed).is_err());
    }

    #[test]
    fn wrap_unwrap_needs_the_right_device() {
        let dev = DeviceKey::generate();
        let k = DataKey::generate();
        let wrapped = k.wrap(&dev).unwrap();
        let back = DataKey::unwrap(&wrapped, &dev).unwrap();
        assert_eq!(back.open(b"a", &k.seal(b"a", b"hi")).unwrap(), b"hi");
        let stranger = DeviceKey::generate();
        assert!(matches!(
            DataKey::unwrap(&wrapped, &stranger),
            Err(KeyError::WrongKey)
        ));
        assert!(matches!(
            DataKey::unwrap(b"garbage", &dev),
            Err(KeyError::CorruptDataKey)
        ));
    }
}
