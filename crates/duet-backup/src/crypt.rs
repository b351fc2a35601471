//! The age layer: a backup is a standard age file, to X25519 recipients or to a passphrase.

use std::io::{Read, Write};

use age::secrecy::SecretString;
use age::x25519;

use crate::BackupError;

/// Who can open a new backup.
pub enum Sealer {
    /// These X25519 recipients (the device's own, plus any `--recipient`).
    Recipients(Vec<x25519::Recipient>),
    /// A passphrase, with age's scrypt recipient. `work_factor` (log2 N) overrides age's
    /// machine-tuned default; only tests set it.
    Passphrase {
        /// The passphrase.
        passphrase: SecretString,
        /// The scrypt work factor override.
        work_factor: Option<u8>,
    },
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sealer::Recipients(r) => f.debug_tuple("Recipients").field(&r.len()).finish(),
            Sealer::Passphrase { .. } => f.write_str("Passphrase(<redacted>)"),
        }
    }
}

/// What opens an existing backup.
pub enum Opener<'a> {
    /// Any of these identities.
    Identities(&'a [x25519::Identity]),
    /// A passphrase.
    Passphrase(&'a SecretString),
}

pub(crate) fn encrypt(plaintext: &[u8], sealer: &Sealer) -> Result<Vec<u8>, BackupError> {
    let enc = |e: &dyn std::fmt::Display| BackupError::Encrypt(e.to_string());
    let encryptor = match sealer {
        Sealer::Recipients(recipients) => {
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| enc(&e))?
        }
        Sealer::Passphrase {
            passphrase,
            work_factor,
        } => {
            let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
            if let Some(n) = work_factor {
                recipient.set_work_factor(*n);
            }
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| enc(&e))?
        }
    };
    let mut out = Vec::with_capacity(plaintext.len() + plaintext.len() / 4096 * 16 + 512);
    let mut writer = encryptor.wrap_output(&mut out)?;
    writer.write_all(plaintext)?;
    writer.finish()?;
    Ok(out)
}

pub(crate) fn decrypt<'s>(
    sealed: &'s [u8],
    opener: &Opener<'_>,
) -> Result<impl Read + 's, BackupError> {
    let decryptor = age::Decryptor::new_buffered(sealed).map_err(|e| match e {
        age::DecryptError::UnknownFormat => BackupError::UnknownAgeFormat,
        _ => BackupError::NotAgeFile,
    })?;
    let header_error = |e: age::DecryptError, wrong: BackupError| match e {
        age::DecryptError::NoMatchingKeys
        | age::DecryptError::DecryptionFailed
        | age::DecryptError::KeyDecryptionFailed => wrong,
        age::DecryptError::ExcessiveWork { .. } => BackupError::ExcessiveWork,
        // An altered header (its MAC fails) or a malformed stanza.
        _ => BackupError::Damaged,
    };
    match opener {
        Opener::Identities(ids) => {
            if decryptor.is_scrypt() {
                return Err(BackupError::NeedsPassphrase);
            }
            decryptor
                .decrypt(ids.iter().map(|i| i as &dyn age::Identity))
                .map_err(|e| header_error(e, BackupError::WrongIdentity))
        }
        Opener::Passphrase(pass) => {
            if !decryptor.is_scrypt() {
                return Err(BackupError::NeedsIdentity);
            }
            let identity = age::scrypt::Identity::new((*pass).clone());
            decryptor
                .decrypt(std::iter::once(&identity as &dyn age::Identity))
                .map_err(|e| header_error(e, BackupError::WrongPassphrase))
        }
    }
}
