//! The device's age identity and its key file.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use age::x25519;
use zeroize::Zeroizing;

use crate::KeyError;

/// What a key file holds, as far as can be told without a passphrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFileKind {
    /// A plain age identity file (readable by `age -d -i FILE`).
    Plain,
    /// An age file encrypted to a passphrase, holding the identity file.
    Passphrase,
}

/// A device's age identity: it opens the store's data key and backups made for this device.
pub struct DeviceKey {
    identity: x25519::Identity,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey")
            .field("recipient", &self.recipient_string())
            .finish_non_exhaustive()
    }
}

const ARMOR_BEGIN: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
const BINARY_BEGIN: &[u8] = b"age-encryption.org/v1";

impl DeviceKey {
    /// A fresh random identity.
    pub fn generate() -> Self {
        Self {
            identity: x25519::Identity::generate(),
        }
    }

    /// The public half, to which data keys and backups are encrypted.
    pub fn recipient(&self) -> x25519::Recipient {
        self.identity.to_public()
    }

    /// The public half as an `age1...` string.
    pub fn recipient_string(&self) -> String {
        self.recipient().to_string()
    }

    /// The identity, for age decryption.
    pub fn identity(&self) -> &x25519::Identity {
        &self.identity
    }

    /// Seals a secret of this device (e.g. its network key) to its own recipient, so the
    /// secret is as protected as the device key itself, passphrase included.
    pub fn seal_secret(&self, secret: &[u8]) -> Result<Vec<u8>, KeyError> {
        age::encrypt(&self.recipient(), secret).map_err(|e| KeyError::Encrypt(e.to_string()))
    }

    /// Opens a secret sealed by [`DeviceKey::seal_secret`].
    pub fn open_secret(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        age::decrypt(&self.identity, sealed)
            .map(Zeroizing::new)
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => KeyError::WrongKey,
                _ => KeyError::CorruptKeyFile,
            })
    }

    /// The identity file's text, in the format `age-keygen` writes.
    fn file_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "# duet device key: keep this file secret.\n# public key: {}\n{}\n",
            self.recipient_string(),
            self.identity.to_string().expose_secret()
        ))
    }

    /// The key file's bytes, either plain or encrypted to `passphrase`. `work_factor`
    /// overrides age's scrypt work factor (log2 N); only tests lower it. Writing them is the
    /// caller's business: the daemon writes every private file of a home through one atomic
    /// 0600 helper (`duet_proto::write_private_atomic`), and this crate does no file I/O
    /// beyond reading a key.
    pub fn file_bytes(
        &self,
        passphrase: Option<&SecretString>,
        work_factor: Option<u8>,
    ) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let text = self.file_text();
        Ok(match passphrase {
            None => Zeroizing::new(text.as_bytes().to_vec()),
            Some(pass) => {
                Zeroizing::new(encrypt_to_passphrase(text.as_bytes(), pass, work_factor)?)
            }
        })
    }

    /// Tells a plain key file from a passphrase-protected one.
    pub fn file_kind(path: &Path) -> Result<KeyFileKind, KeyError> {
        let bytes = read_file(path)?;
        Ok(kind_of(&bytes))
    }

    /// Reads a key file. A passphrase-protected file needs `passphrase`.
    pub fn read(path: &Path, passphrase: Option<&SecretString>) -> Result<Self, KeyError> {
        let bytes = read_file(path)?;
        let text: Zeroizing<Vec<u8>> = match kind_of(&bytes) {
            KeyFileKind::Plain => bytes,
            KeyFileKind::Passphrase => {
                let pass = passphrase.ok_or(KeyError::NeedsPassphrase)?;
                Zeroizing::new(decrypt_with_passphrase(&bytes, pass)?)
            }
        };
        let text = std::str::from_utf8(&text).map_err(|_| KeyError::NotAKeyFile {
            path: path.to_owned(),
        })?;
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .and_then(|l| x25519::Identity::from_str(l).ok())
            .map(|identity| Self { identity })
            .ok_or_else(|| KeyError::NotAKeyFile {
                path: path.to_owned(),
            })
    }
}

fn read_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut bytes = Zeroizing::new(Vec::new());
    fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
    Ok(bytes)
}

fn kind_of(bytes: &[u8]) -> KeyFileKind {
    if bytes.starts_with(ARMOR_BEGIN) || bytes.starts_with(BINARY_BEGIN) {
        KeyFileKind::Passphrase
    } else {
        KeyFileKind::Plain
    }
}

/// Encrypts `plaintext` to a passphrase as an armored age file.
pub(crate) fn encrypt_to_passphrase(
    plaintext: &[u8],
    passphrase: &SecretString,
    work_factor: Option<u8>,
) -> Result<Vec<u8>, KeyError> {
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    if let Some(n) = work_factor {
        recipient.set_work_factor(n);
    }
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| KeyError::Encrypt(e.to_string()))?;
    let mut out = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .map_err(|e| KeyError::Encrypt(e.to_string()))?;
    let mut writer = encryptor
        .wrap_output(armor)
        .map_err(|e| KeyError::Encrypt(e.to_string()))?;
    writer
        .write_all(plaintext)
        .and_then(|()| writer.finish())
        .and_then(|armor| armor.finish())
        .map_err(|e| KeyError::Encrypt(e.to_string()))?;
    Ok(out)
}

/// Decrypts an (armored or binary) age file encrypted to a passphrase.
pub(crate) fn decrypt_with_passphrase(
    ciphertext: &[u8],
    passphrase: &SecretString,
) -> Result<Vec<u8>, KeyError> {
    let reader = age::armor::ArmoredReader::new(ciphertext);
    let decryptor = age::Decryptor::new(reader).map_err(|_| KeyError::CorruptKeyFile)?;
    let identity = age::scrypt::Identity::new(passphrase.clone());
    // Only a failure to unwrap the file key means a wrong passphrase; anything after that
    // (a payload that fails its MAC) is damage.
    let mut stream = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed
            | age::DecryptError::KeyDecryptionFailed
            | age::DecryptError::NoMatchingKeys => KeyError::WrongPassphrase,
            _ => KeyError::CorruptKeyFile,
        })?;
    let mut out = Vec::new();
    stream
        .read_to_end(&mut out)
        .map_err(|_| KeyError::CorruptKeyFile)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn plain_key_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        let key = DeviceKey::generate();
        fs::write(&path, key.file_bytes(None, None).unwrap()).unwrap();
        assert_eq!(DeviceKey::file_kind(&path).unwrap(), KeyFileKind::Plain);
        let back = DeviceKey::read(&path, None).unwrap();
        assert_eq!(back.recipient_string(), key.recipient_string());
    }

    #[test]
    fn passphrase_key_file_needs_the_right_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        let key = DeviceKey::generate();
        let bytes = key
            .file_bytes(Some(&pass("correct horse")), Some(4))
            .unwrap();
        fs::write(&path, bytes).unwrap();
        assert_eq!(
            DeviceKey::file_kind(&path).unwrap(),
            KeyFileKind::Passphrase
        );
        assert!(matches!(
            DeviceKey::read(&path, None),
            Err(KeyError::NeedsPassphrase)
        ));
        assert!(matches!(
            DeviceKey::read(&path, Some(&pass("wrong"))),
            Err(KeyError::WrongPassphrase)
        ));
        let back = DeviceKey::read(&path, Some(&pass("correct horse"))).unwrap();
        assert_eq!(back.recipient_string(), key.recipient_string());
        let raw = fs::read_to_string(&path).unwrap();
        assert!(!raw.contains("AGE-SECRET-KEY"));
    }

    #[test]
    fn garbage_is_not_a_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        fs::write(&path, "hello").unwrap();
        assert!(matches!(
            DeviceKey::read(&path, None),
            Err(KeyError::NotAKeyFile { .. })
        ));
    }

    #[test]
    fn debug_shows_no_secret() {
        let key = DeviceKey::generate();
        let dbg = format!("{key:?}");
        assert!(!dbg.contains("AGE-SECRET-KEY"));
        assert!(dbg.contains("age1"));
    }
}
