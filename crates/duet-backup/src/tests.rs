//! Round trips and refusals of the backup format.

use age::secrecy::SecretString;
use age::x25519;
use duet_proto::Counts;

use super::*;

fn manifest() -> Manifest {
    Manifest {
        format: FORMAT_VERSION,
        journal_id: "01a1f7f83000726bb2a74de452e6b438".into(),
        created_at: "2026-11-22T09:14:03.512Z".parse().unwrap(),
        created_by_device: "01a1f7f8300071a09c3e5b6d7f10a2b4".into(),
        duet_version: "0.1.0".into(),
        counts: Counts {
            notes: 2,
            trash: 0,
            checkins: 1,
            boundaries: 0,
        },
        members: Vec::new(),
    }
}

const DOC: &[u8] = b"pretend this is an automerge document \x00\x01\x02";

fn sealed_to(id: &x25519::Identity) -> Vec<u8> {
    seal(manifest(), DOC, &Sealer::Recipients(vec![id.to_public()]))
        .unwrap()
        .0
}

#[test]
fn recipients_round_trip_and_the_manifest_lists_the_document() {
    let me = x25519::Identity::generate();
    let other = x25519::Identity::generate();
    let (sealed, written) = seal(
        manifest(),
        DOC,
        &Sealer::Recipients(vec![me.to_public(), other.to_public()]),
    )
    .unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
    assert!(!sealed.windows(7).any(|w| w == b"pretend"));
    for id in [&me, &other] {
        let back = open(&sealed, &Opener::Identities(std::slice::from_ref(id))).unwrap();
        assert_eq!(back.document, DOC);
        assert_eq!(back.manifest, written);
        let entry = back.manifest.member(DOCUMENT_MEMBER).unwrap();
        assert_eq!(entry.size, DOC.len() as u64);
        assert_eq!(entry.sha256.len(), 64);
    }
}

#[test]
fn passphrase_round_trip_and_refusals() {
    let pass = SecretString::from("correct horse".to_owned());
    let sealer = Sealer::Passphrase {
        passphrase: pass.clone(),
        work_factor: Some(4),
    };
    let (sealed, _) = seal(manifest(), DOC, &sealer).unwrap();
    assert_eq!(
        open(&sealed, &Opener::Passphrase(&pass)).unwrap().document,
        DOC
    );
    let wrong = SecretString::from("wrong".to_owned());
    assert!(matches!(
        open(&sealed, &Opener::Passphrase(&wrong)),
        Err(BackupError::WrongPassphrase)
    ));
    let id = x25519::Identity::generate();
    assert!(matches!(
        open(&sealed, &Opener::Identities(std::slice::from_ref(&id))),
        Err(BackupError::NeedsPassphrase)
    ));
    assert!(matches!(
        open(&sealed_to(&id), &Opener::Passphrase(&pass)),
        Err(BackupError::NeedsIdentity)
    ));
}

#[test]
fn wrong_identity_is_refused() {
    let me = x25519::Identity::generate();
    let stranger = x25519::Identity::generate();
    assert!(matches!(
        open(&sealed_to(&me), &Opener::Identities(&[stranger])),
        Err(BackupError::WrongIdentity)
    ));
}

#[test]
fn every_truncation_and_flipped_byte_is_refused() {
    let me = x25519::Identity::generate();
    let sealed = sealed_to(&me);
    let ids = [me];
    for len in [
        0,
        10,
        40,
        sealed.len() / 2,
        sealed.len() - 17,
        sealed.len() - 1,
    ] {
        assert!(
            open(&sealed[..len], &Opener::Identities(&ids)).is_err(),
            "truncated to {len} opened"
        );
    }
    for pos in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[pos] ^= 0x01;
        assert!(
            open(&bad, &Opener::Identities(&ids)).is_err(),
            "flipped byte {pos} of {} opened",
            sealed.len()
        );
    }
}

/// A tar archive with the given members, encrypted to `id`.
fn craft(id: &x25519::Identity, members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = Vec::new();
    {
        let mut b = tar::Builder::new(&mut tar);
        for (name, bytes) in members {
            let mut h = tar::Header::new_ustar();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o600);
            b.append_data(&mut h, name, *bytes).unwrap();
        }
        b.finish().unwrap();
    }
    age::encrypt(&id.to_public(), &tar).unwrap()
}

#[test]
fn archives_that_are_not_backups_are_refused() {
    let me = x25519::Identity::generate();
    let ids = [me.clone()];
    let good = manifest();
    let (_, written) = archive::build(good, DOC).unwrap();
    let manifest_json = written.to_json();

    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"hello, I am a text file".to_vec(), "plain text"),
        (
            age::encrypt(&me.to_public(), b"not a tar").unwrap(),
            "age, not tar",
        ),
        (craft(&me, &[(DOCUMENT_MEMBER, DOC)]), "no manifest"),
        (
            craft(&me, &[(MANIFEST_MEMBER, &manifest_json)]),
            "document missing",
        ),
        (
            craft(
                &me,
                &[
                    (MANIFEST_MEMBER, &manifest_json),
                    (DOCUMENT_MEMBER, b"other"),
                ],
            ),
            "checksum",
        ),
        (
            craft(
                &me,
                &[
                    (MANIFEST_MEMBER, &manifest_json),
                    (DOCUMENT_MEMBER, DOC),
                    ("extra", b"x"),
                ],
            ),
            "extra member",
        ),
        (
            craft(&me, &[(MANIFEST_MEMBER, br#"{"format": 99}"#)]),
            "future",
        ),
    ];
    for (bytes, what) in cases {
        let err = open(&bytes, &Opener::Identities(&ids)).unwrap_err();
        let msg = err.to_string();
        assert!(!msg.contains('\n'), "{what}: {msg}");
        match what {
            "plain text" => assert!(matches!(err, BackupError::NotAgeFile), "{what}: {err:?}"),
            "checksum" => assert!(
                matches!(err, BackupError::ChecksumMismatch { .. }),
                "{what}: {err:?}"
            ),
            "future" => assert!(
                matches!(err, BackupError::NewerFormat { found: 99, .. }),
                "{what}: {err:?}"
            ),
            _ => assert!(matches!(err, BackupError::NotABackup(_)), "{what}: {err:?}"),
        }
    }
    // The good archive, crafted the same way, opens: the crafting is not what fails above.
    let ok = craft(
        &me,
        &[(MANIFEST_MEMBER, &manifest_json), (DOCUMENT_MEMBER, DOC)],
    );
    assert_eq!(open(&ok, &Opener::Identities(&ids)).unwrap().document, DOC);
}
