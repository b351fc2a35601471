//! How decoding treats what it does not know, and secrets kept out of `Debug`.

use duet_proto::*;
use serde_json::from_str;

use crate::examples::{self, ERROR_CODES};
use crate::fixtures::{BACKUP_PASSPHRASE, TICKET, UNLOCK_PASSPHRASE, backup_create, invitation};

#[test]
fn unknown_or_missing_type_tag_is_refused() {
    assert!(from_str::<Request>(r#"{"type":"note_frobnicate","id":"01"}"#).is_err());
    assert!(from_str::<Request>(r#"{"type":"NoteShow","id":"01"}"#).is_err());
    assert!(from_str::<Request>(r#"{"id":"01"}"#).is_err());
    assert!(from_str::<Response>(r#"{"type":"teleported"}"#).is_err());
    // The same shapes with a known tag do decode, so the failures above are about the tag.
    assert_eq!(
        from_str::<Request>(r#"{"type":"note_show","id":"01"}"#).unwrap(),
        Request::NoteShow(EntryRef { id: "01".into() })
    );
    assert_eq!(
        from_str::<Response>(r#"{"type":"done"}"#).unwrap(),
        Response::Done
    );
}

#[test]
fn unknown_fields_are_ignored() {
    // No type denies unknown fields: a newer peer's extra fields do not break an older one.
    let hello = r#"{"type":"hello","version":1,"client":"duet 9.9","features":["x"]}"#;
    assert_eq!(
        from_str::<Request>(hello).unwrap(),
        Request::Hello(Hello {
            version: 1,
            client: "duet 9.9".into()
        })
    );
    assert_eq!(
        from_str::<Request>(r#"{"type":"status","verbose":true}"#).unwrap(),
        Request::Status
    );
    let created = r#"{"type":"created","id":"ab","kind":"note"}"#;
    assert_eq!(
        from_str::<Response>(created).unwrap(),
        Response::Created(Created { id: "ab".into() })
    );
}

#[test]
fn missing_option_fields_are_none_and_missing_required_fields_fail() {
    assert_eq!(
        from_str::<Request>(r#"{"type":"note_list"}"#).unwrap(),
        Request::NoteList(NoteList { tag: None })
    );
    assert!(from_str::<Request>(r#"{"type":"hello","version":1}"#).is_err());
    assert!(from_str::<Request>(r#"{"type":"note_show"}"#).is_err());
}

#[test]
fn error_codes_are_snake_case_strings() {
    assert_eq!(
        serde_json::to_string(&ErrorCode::BadPassphrase).unwrap(),
        r#""bad_passphrase""#
    );
    for code in ERROR_CODES {
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(from_str::<ErrorCode>(&json).unwrap(), code, "{json}");
    }
}

#[test]
fn unknown_error_code_decodes_as_internal() {
    assert_eq!(
        from_str::<ErrorCode>(r#""quota_exceeded""#).unwrap(),
        ErrorCode::Internal
    );
    // Matching is exact: another spelling of a known code is unknown too.
    assert_eq!(
        from_str::<ErrorCode>(r#""NotFound""#).unwrap(),
        ErrorCode::Internal
    );
    assert_eq!(
        from_str::<ErrorCode>(r#""not_found""#).unwrap(),
        ErrorCode::NotFound
    );
    // Only strings are codes.
    assert!(from_str::<ErrorCode>("7").is_err());

    let response = r#"{"type":"error","code":"quota_exceeded","message":"too many notes"}"#;
    assert_eq!(
        from_str::<Response>(response).unwrap(),
        Response::Error(WireError::new(ErrorCode::Internal, "too many notes"))
    );
    // The original code is not kept: re-encoding says "internal".
    let error: WireError = from_str(r#"{"code":"quota_exceeded","message":"m"}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&error).unwrap(),
        r#"{"code":"internal","message":"m"}"#
    );
}

#[test]
fn wire_error_displays_its_message_only() {
    let e = WireError::new(
        ErrorCode::Locked,
        "the journal is locked; run `duet unlock`",
    );
    assert_eq!(e.to_string(), "the journal is locked; run `duet unlock`");
}

/// Asserts the secret is in the JSON (the example really carries it) but not in `Debug`.
fn assert_redacted(what: &str, value: &(impl std::fmt::Debug + serde::Serialize), secret: &str) {
    let json = serde_json::to_string(value).unwrap();
    assert!(
        json.contains(secret),
        "{what}: the example does not carry the secret: {json}"
    );
    for debug in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(
            !debug.contains(secret),
            "{what} leaks its secret in Debug: {debug}"
        );
    }
}

#[test]
fn secrets_stay_out_of_debug() {
    let unlock = Unlock {
        passphrase: UNLOCK_PASSPHRASE.into(),
    };
    assert_redacted("Unlock", &unlock, UNLOCK_PASSPHRASE);
    assert_redacted(
        "Request::Unlock",
        &Request::Unlock(unlock),
        UNLOCK_PASSPHRASE,
    );

    let pair = Pair {
        ticket: TICKET.into(),
    };
    assert_redacted("Pair", &pair, TICKET);
    assert_redacted("Request::Pair", &Request::Pair(pair), TICKET);

    assert_redacted("Invitation", &invitation(), TICKET);
    assert_redacted(
        "Response::Invitation",
        &Response::Invitation(invitation()),
        TICKET,
    );

    let backup = backup_create(true);
    assert_redacted("BackupCreate", &backup, BACKUP_PASSPHRASE);
    assert_redacted(
        "Request::BackupCreate",
        &Request::BackupCreate(backup),
        BACKUP_PASSPHRASE,
    );
}

#[test]
fn redacted_debug_still_shows_what_is_not_secret() {
    let backup = format!("{:?}", backup_create(true));
    assert!(backup.contains("/home/ana/backups/duet.age"), "{backup}");
    assert!(backup.contains("<redacted>"), "{backup}");
    let without = format!("{:?}", backup_create(false));
    assert!(without.contains("passphrase: None"), "{without}");
    let invitation = format!("{:?}", invitation());
    assert!(invitation.contains("expires_at"), "{invitation}");
}

#[test]
fn no_example_leaks_a_secret_in_debug() {
    for e in examples::all() {
        let debug = format!("{:?}", e.value);
        for secret in [UNLOCK_PASSPHRASE, BACKUP_PASSPHRASE, TICKET] {
            assert!(
                !debug.contains(secret),
                "{} leaks a secret in Debug: {debug}",
                e.name
            );
        }
    }
}
