use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    device: DeviceKey,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.redb");
    Fixture {
        _dir: dir,
        path,
        device: DeviceKey::generate(),
    }
}

#[test]
fn chunks_round_trip_across_reopen() {
    let f = fixture();
    let store = Store::create(&f.path, &f.device, "j1").unwrap();
    store.append(JOURNAL_DOC, b"one ").unwrap();
    store.append(JOURNAL_DOC, b"two").unwrap();
    store.append("drafts", b"private").unwrap();
    drop(store);
    let store = Store::open(&f.path, &f.device).unwrap();
    assert_eq!(store.journal_id(), "j1");
    assert_eq!(store.load(JOURNAL_DOC).unwrap(), b"one two");
    assert_eq!(store.load("drafts").unwrap(), b"private");
    assert_eq!(store.load("nothing").unwrap(), b"");
    assert_eq!(store.stats(JOURNAL_DOC).unwrap().chunks, 2);
}

#[test]
fn compaction_replaces_the_log() {
    let f = fixture();
    let store = Store::create(&f.path, &f.device, "j1").unwrap();
    for i in 0..5u8 {
        store.append(JOURNAL_DOC, &[i]).unwrap();
    }
    store.compact(JOURNAL_DOC, b"snap").unwrap();
    store.append(JOURNAL_DOC, b"+").unwrap();
    assert_eq!(store.load(JOURNAL_DOC).unwrap(), b"snap+");
    assert_eq!(store.stats(JOURNAL_DOC).unwrap().chunks, 2);
}

#[test]
fn nothing_is_stored_in_plaintext() {
    let f = fixture();
    let store = Store::create(&f.path, &f.device, "j1").unwrap();
    store.append(JOURNAL_DOC, b"MARKER-zq9").unwrap();
    store.compact(JOURNAL_DOC, b"MARKER-zq9 again").unwrap();
    drop(store);
    let raw = std::fs::read(&f.path).unwrap();
    assert!(!raw.windows(10).any(|w| w == b"MARKER-zq9"));
}

#[test]
fn create_refuses_an_existing_file() {
    let f = fixture();
    std::fs::write(&f.path, b"anything").unwrap();
    assert!(matches!(
        Store::create(&f.path, &f.device, "j1"),
        Err(StoreError::Exists { .. })
    ));
    assert_eq!(std::fs::read(&f.path).unwrap(), b"anything");
}

#[test]
fn wrong_device_key_is_a_clear_error() {
    let f = fixture();
    drop(Store::create(&f.path, &f.device, "j1").unwrap());
    let err = Store::open(&f.path, &DeviceKey::generate()).unwrap_err();
    assert!(
        matches!(err, StoreError::Key(duet_crypto::KeyError::WrongKey)),
        "{err}"
    );
}

#[test]
fn garbage_file_is_refused_and_left_alone() {
    let f = fixture();
    let garbage: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&f.path, &garbage).unwrap();
    let err = Store::open(&f.path, &f.device).unwrap_err();
    assert!(!err.to_string().is_empty());
    assert_eq!(std::fs::read(&f.path).unwrap(), garbage);
}

#[test]
fn missing_store_is_reported() {
    let f = fixture();
    assert!(matches!(
        Store::open(&f.path, &f.device),
        Err(StoreError::Missing { .. })
    ));
}

#[test]
fn a_second_open_is_refused_while_in_use() {
    let f = fixture();
    let _store = Store::create(&f.path, &f.device, "j1").unwrap();
    assert!(matches!(
        Store::open(&f.path, &f.device),
        Err(StoreError::InUse { .. })
    ));
}

#[test]
fn swapped_records_fail_authentication() {
    let f = fixture();
    let store = Store::create(&f.path, &f.device, "j1").unwrap();
    store.append(JOURNAL_DOC, b"first").unwrap();
    store.append(JOURNAL_DOC, b"second").unwrap();
    {
        let txn = store.db.begin_write().unwrap();
        {
            let mut t = txn.open_table(CHUNKS).unwrap();
            let a = t.get((JOURNAL_DOC, 0)).unwrap().unwrap().value().to_vec();
            let b = t.get((JOURNAL_DOC, 1)).unwrap().unwrap().value().to_vec();
            t.insert((JOURNAL_DOC, 0), b.as_slice()).unwrap();
            t.insert((JOURNAL_DOC, 1), a.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    assert!(matches!(
        store.load(JOURNAL_DOC),
        Err(StoreError::Tampered { seq: 0, .. })
    ));
}

#[test]
fn newer_format_is_refused() {
    let f = fixture();
    let store = Store::create(&f.path, &f.device, "j1").unwrap();
    {
        let txn = store.db.begin_write().unwrap();
        txn.open_table(META)
            .unwrap()
            .insert(META_FORMAT, 99u32.to_le_bytes().as_slice())
            .unwrap();
        txn.commit().unwrap();
    }
    drop(store);
    assert!(matches!(
        Store::open(&f.path, &f.device),
        Err(StoreError::NewerFormat { found: 99, .. })
    ));
}

#[test]
fn records_are_sealed_bound_to_their_name_and_survive_reopen() {
    let f = fixture();
    let store = Store::create(&f.path, &f.device, "j1").unwrap();
    assert_eq!(store.record("invites").unwrap(), None);
    store.put_record("invites", Some(b"SECRET-rec1")).unwrap();
    store.put_record("other", Some(b"x")).unwrap();
    assert_eq!(store.record("invites").unwrap().unwrap(), b"SECRET-rec1");
    drop(store);
    let raw = std::fs::read(&f.path).unwrap();
    assert!(!raw.windows(11).any(|w| w == b"SECRET-rec1"));
    let store = Store::open(&f.path, &f.device).unwrap();
    assert_eq!(store.record("invites").unwrap().unwrap(), b"SECRET-rec1");
    store.put_record("invites", None).unwrap();
    assert_eq!(store.record("invites").unwrap(), None);
    assert_eq!(store.record("other").unwrap().unwrap(), b"x");
}

#[test]
fn reseal_moves_everything_to_a_new_key_and_the_old_key_opens_nothing_new() {
    let f = fixture();
    let store = Store::create(&f.path, &f.device, "j1").unwrap();
    store.append(JOURNAL_DOC, b"one ").unwrap();
    store.append(JOURNAL_DOC, b"two").unwrap();
    store.compact(JOURNAL_DOC, b"one two").unwrap();
    store.append(JOURNAL_DOC, b" three").unwrap();
    store.append("drafts", b"private").unwrap();
    store
        .put_record("invitations", Some(b"sealed registry"))
        .unwrap();
    let new_path = f.path.with_extension("new");
    let new_device = DeviceKey::generate();
    drop(store.reseal_into(&new_path, &new_device).unwrap());
    // Refuses to write over a file.
    assert!(matches!(
        store.reseal_into(&new_path, &new_device),
        Err(StoreError::Exists { .. })
    ));
    drop(store);

    let new = Store::open(&new_path, &new_device).unwrap();
    assert_eq!(new.journal_id(), "j1");
    assert_eq!(new.load(JOURNAL_DOC).unwrap(), b"one two three");
    assert_eq!(new.stats(JOURNAL_DOC).unwrap().chunks, 2);
    assert_eq!(new.load("drafts").unwrap(), b"private");
    assert_eq!(
        new.record("invitations").unwrap().as_deref(),
        Some(&b"sealed registry"[..])
    );
    drop(new);
    assert!(matches!(
        Store::open(&new_path, &f.device),
        Err(StoreError::Key(_))
    ));
}
