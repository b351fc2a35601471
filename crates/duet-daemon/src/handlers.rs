//! One request in, one response out: maps protocol requests onto journal operations.

use base64::Engine as _;
use duet_crypto::SecretString;
use duet_journal::{Journal, JournalError, prompts};
use duet_proto::{
    Created, DocumentBytes, ErrorCode, ExportView, Invitation, InvitationView, KeyView, Listing,
    Paired, PeerView, PromptDeck, PromptView, Request, Response, SyncReport, WireError,
};
use duet_sync::{InviteFor, PeerStatus, SyncError};

use crate::engine::EngineError;
use crate::state::Daemon;

/// Turns a journal or engine failure into a wire error with a stable code.
fn wire(e: EngineError) -> WireError {
    let code = match &e {
        EngineError::Journal(j) => match j {
            JournalError::NotFound { .. } => ErrorCode::NotFound,
            JournalError::Ambiguous { .. } => ErrorCode::Ambiguous,
            JournalError::BadId(_) | JournalError::Invalid(_) => ErrorCode::InvalidInput,
            JournalError::NotAllowed(_) => ErrorCode::NotAllowed,
            _ => ErrorCode::Internal,
        },
        EngineError::Storage(_) => ErrorCode::Storage,
        EngineError::Panicked(_) => ErrorCode::Internal,
        EngineError::Stopped => ErrorCode::ShuttingDown,
    };
    WireError::new(code, e.to_string())
}

fn sync_error(e: SyncError) -> WireError {
    let code = match &e {
        SyncError::Ticket(_) | SyncError::Refused(_) => ErrorCode::Ticket,
        _ => ErrorCode::Network,
    };
    WireError::new(code, e.to_string())
}

/// A unix time as a timestamp (the epoch for one out of range).
fn ts(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(secs).unwrap_or_default()
}

/// A peer's status as the protocol shows it.
pub(crate) fn peer_view(p: PeerStatus) -> PeerView {
    PeerView {
        device_id: p.member.device_id,
        device_name: p.member.device_name,
        person_name: p.member.person_name,
        endpoint_id: p.endpoint_id,
        connected: p.connected,
        last_seen: p.last_seen,
        last_synced: p.last_synced,
        in_sync: p.in_sync,
        last_error: p.last_error,
        phrase: p.phrase,
        bytes_sent: p.bytes_sent,
        bytes_received: p.bytes_received,
        added_at: None,
        added_by: None,
    }
}

/// Fills in when each peer joined and who added it, from `(device id, added at, by)`.
pub(crate) fn enrich_peers(
    peers: &mut [PeerView],
    added: &[(String, Option<jiff::Timestamp>, Option<String>)],
) {
    for p in peers {
        if let Some((_, at, by)) = added.iter().find(|(d, _, _)| *d == p.device_id) {
            p.added_at = *at;
            p.added_by.clone_from(by);
        }
    }
}

fn created(id: duet_journal::EntryId) -> Response {
    Response::Created(Created { id: id.to_string() })
}

/// Handles one request. Never panics on bad input: everything comes back as a response.
pub(crate) async fn handle(daemon: &Daemon, request: Request) -> Response {
    match dispatch(daemon, request).await {
        Ok(r) => r,
        Err(e) => Response::Error(e),
    }
}

async fn dispatch(daemon: &Daemon, request: Request) -> Result<Response, WireError> {
    // Requests that work while locked.
    match request {
        Request::Hello(_) => {
            return Err(WireError::new(
                ErrorCode::InvalidInput,
                "hello was already exchanged on this connection",
            ));
        }
        Request::Status => return Ok(Response::Status(daemon.status().await)),
        Request::Shutdown => {
            tracing::info!("shutdown requested by a client");
            daemon.shutdown_token().cancel();
            return Ok(Response::Done);
        }
        Request::Unlock(u) => {
            if !daemon.is_locked().await {
                return Ok(Response::Done);
            }
            daemon.open(Some(SecretString::from(u.passphrase))).await?;
            return Ok(Response::Done);
        }
        Request::Invite(i) => {
            let sync = daemon.sync().await?;
            let invite_for = match (i.same_person, i.partner_device) {
                (true, true) => {
                    return Err(WireError::new(
                        ErrorCode::InvalidInput,
                        "an invitation is either for another device of yours (--same-person) or of your partner's (--partner-device), not both",
                    ));
                }
                (true, false) => InviteFor::SamePerson,
                (false, true) => InviteFor::PartnerDevice,
                (false, false) => InviteFor::Partner,
            };
            let valid_for = std::time::Duration::from_secs(i.expires_secs.max(1));
            if valid_for > duet_sync::invitations::MAX_LIFETIME {
                return Err(WireError::new(
                    ErrorCode::InvalidInput,
                    "an invitation can stay open for 24 hours at most",
                ));
            }
            let ticket = sync
                .invite(valid_for, invite_for)
                .await
                .map_err(|e| match e {
                    SyncError::Replica(r) => WireError::new(ErrorCode::NotAllowed, r.to_string()),
                    other => sync_error(other),
                })?;
            let expires_at = jiff::Timestamp::from_second(ticket.expires_at)
                .unwrap_or_else(|_| jiff::Timestamp::now());
            return Ok(Response::Invitation(Invitation {
                ticket: ticket.encode(),
                expires_at,
                id: ticket.invite_id.to_string(),
                invite_for: invite_for.as_str().to_owned(),
            }));
        }
        Request::InviteList => {
            let sync = daemon.sync().await?;
            let items = sync
                .invitations()
                .into_iter()
                .map(|i| InvitationView {
                    id: i.id.to_string(),
                    invite_for: i.invite_for.as_str().to_owned(),
                    created_at: ts(i.created_at),
                    expires_at: ts(i.expires_at),
                    attempts: i.attempts,
                    state: i.state.to_owned(),
                    detail: i.detail,
                })
                .collect();
            return Ok(Response::Invitations(Listing::new(items)));
        }
        Request::InviteCancel(r) => {
            let sync = daemon.sync().await?;
            let id = sync
                .cancel_invitation(&r.id)
                .await
                .map_err(|e| WireError::new(ErrorCode::NotFound, e.to_string()))?;
            return Ok(Response::Created(Created { id: id.to_string() }));
        }
        Request::Pair(p) => {
            let sync = daemon.sync().await?;
            let outcome = sync.pair(&p.ticket).await.map_err(sync_error)?;
            return Ok(Response::Paired(Paired {
                journal_id: outcome.journal_id,
                person_name: outcome.inviter.person_name,
                device_name: outcome.inviter.device_name,
                phrase: outcome.phrase,
            }));
        }
        Request::Peers => {
            let sync = daemon.sync().await?;
            let items = sync
                .peers()
                .await
                .map_err(sync_error)?
                .into_iter()
                .map(peer_view)
                .collect::<Vec<_>>();
            let mut items = items;
            if let Ok(engine) = daemon.engine().await
                && let Ok(added) = engine.read(|j| Ok(j.additions())).await
            {
                enrich_peers(&mut items, &added);
            }
            return Ok(Response::Peers(Listing::new(items)));
        }
        Request::Unpair(r) => {
            let engine = daemon.engine().await?;
            let member = engine
                .write(move |j, now| {
                    let m = j.resolve_member(&r.id)?;
                    j.remove_member(&m.device_id, now)?;
                    Ok(m)
                })
                .await
                .map_err(wire)?;
            if let (Some(ep), Ok(sync)) = (&member.endpoint_id, daemon.sync().await) {
                sync.disconnect(ep).await;
            }
            return Ok(Response::Done);
        }
        Request::Sync(s) => {
            let sync = daemon.sync().await?;
            if !s.wait {
                sync.sync_now();
                return Ok(Response::Synced(SyncReport {
                    synced: Vec::new(),
                    unreachable: Vec::new(),
                }));
            }
            let (synced, unreachable) = sync
                .sync_and_wait(std::time::Duration::from_millis(s.timeout_ms))
                .await
                .map_err(sync_error)?;
            return Ok(Response::Synced(SyncReport {
                synced: synced.into_iter().map(peer_view).collect(),
                unreachable: unreachable.into_iter().map(peer_view).collect(),
            }));
        }
        Request::Lock => {
            daemon.lock().await?;
            return Ok(Response::Done);
        }
        Request::KeyShow => {
            return Ok(Response::Key(KeyView {
                device_id: daemon.config().device_id.clone(),
                recipient: daemon.recipient().await?,
                passphrase_protected: daemon.key_is_protected()?,
                endpoint_id: daemon
                    .sync()
                    .await
                    .ok()
                    .map(|s| s.endpoint_id().to_string()),
            }));
        }
        Request::Prompts => {
            let today = jiff::Zoned::now().date();
            return Ok(Response::Prompts(PromptDeck {
                today: prompts::for_day(today)
                    .into_iter()
                    .map(PromptView::from)
                    .collect(),
                all: prompts::DECK.iter().map(PromptView::from).collect(),
            }));
        }
        _ => {}
    }
    let engine = daemon.engine().await?;
    let response = match request {
        Request::NoteAdd(n) => engine
            .write(move |j, now| j.add_note(&n.title, &n.body, &n.tags, now))
            .await
            .map(created),
        Request::NoteList(l) => engine
            .read(move |j| {
                let items = j.notes(l.tag.as_deref());
                let short_ids = j.short_note_ids(items.iter().map(|n| n.id.as_str()));
                Ok(Listing { items, short_ids })
            })
            .await
            .map(Response::Notes),
        Request::NoteShow(r) => engine
            .read(move |j| j.note(&j.resolve_note(&r.id)?))
            .await
            .map(Response::Note),
        Request::NoteEdit(e) => engine
            .write(move |j, now| {
                note_op(j, &e.id, |j, id| {
                    j.edit_note(
                        id,
                        e.title.as_deref(),
                        e.body.as_ref(),
                        &e.add_tags,
                        &e.remove_tags,
                        now,
                    )
                })
            })
            .await
            .map(Response::Note),
        Request::NoteRm(r) => engine
            .write(move |j, now| note_op(j, &r.id, |j, id| j.trash_note(id, now)))
            .await
            .map(Response::Note),
        Request::NoteRestore(r) => engine
            .write(move |j, now| note_op(j, &r.id, |j, id| j.restore_note(id, now)))
            .await
            .map(Response::Note),
        Request::Trash => engine
            .read(|j| {
                let items = j.trash();
                let short_ids = j.short_note_ids(items.iter().map(|t| t.id.as_str()));
                Ok(Listing { items, short_ids })
            })
            .await
            .map(Response::Trash),
        Request::CheckinAdd(c) => engine
            .write(move |j, now| j.add_checkin(&c, now))
            .await
            .map(created),
        Request::CheckinList(l) => engine
            .read(move |j| Ok(j.checkins(l.since)))
            .await
            .map(|items| Response::Checkins(Listing::new(items))),
        Request::BoundaryAdd(b) => engine
            .write(move |j, now| j.add_boundary(&b.text, now))
            .await
            .map(created),
        Request::BoundaryList(l) => engine
            .read(move |j| {
                let items = j.boundaries(l.include_retired);
                let short_ids = j.short_boundary_ids(items.iter().map(|b| b.id.as_str()));
                Ok(Listing { items, short_ids })
            })
            .await
            .map(Response::Boundaries),
        Request::BoundaryShow(r) => engine
            .read(move |j| j.boundary(&j.resolve_boundary(&r.id)?))
            .await
            .map(Response::Boundary),
        Request::BoundaryRevise(r) => engine
            .write(move |j, now| boundary_op(j, &r.id, |j, id| j.revise_boundary(id, &r.text, now)))
            .await
            .map(Response::Boundary),
        Request::BoundaryRetire(r) => engine
            .write(move |j, now| boundary_op(j, &r.id, |j, id| j.retire_boundary(id, now)))
            .await
            .map(Response::Boundary),
        Request::BoundaryAck(r) => engine
            .write(move |j, now| boundary_op(j, &r.id, |j, id| j.ack_boundary(id, now)))
            .await
            .map(Response::Boundary),
        Request::BackupCreate(b) => return crate::backup::create(daemon, &engine, b).await,
        Request::ExportEntries => {
            let journal_id = daemon.config().journal_id.clone();
            engine
                .read(move |j| {
                    let trash = j
                        .trash()
                        .iter()
                        .map(|t| j.note(&j.resolve_note(&t.id)?))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(ExportView {
                        journal_id,
                        exported_at: jiff::Timestamp::now(),
                        notes: j.notes(None),
                        trash,
                        checkins: j.checkins(None),
                        boundaries: j.boundaries(true),
                    })
                })
                .await
                .map(Response::Export)
        }
        Request::ExportDocument => engine.read(|j| Ok(j.save())).await.map(|bytes| {
            Response::Document(DocumentBytes {
                automerge_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            })
        }),
        // Handled above, or added by a newer protocol this build does not know.
        _ => {
            return Err(WireError::new(
                ErrorCode::InvalidInput,
                "this request is not supported by this duetd",
            ));
        }
    };
    response.map_err(wire)
}

/// Resolves a note, applies `op`, and returns the note as it now is.
fn note_op(
    j: &mut Journal,
    prefix: &str,
    op: impl FnOnce(&mut Journal, &duet_journal::EntryId) -> Result<(), JournalError>,
) -> Result<duet_proto::NoteView, JournalError> {
    let id = j.resolve_note(prefix)?;
    op(j, &id)?;
    j.note(&id)
}

/// Resolves a boundary, applies `op`, and returns the boundary as it now is.
fn boundary_op(
    j: &mut Journal,
    prefix: &str,
    op: impl FnOnce(&mut Journal, &duet_journal::EntryId) -> Result<(), JournalError>,
) -> Result<duet_proto::BoundaryView, JournalError> {
    let id = j.resolve_boundary(prefix)?;
    op(j, &id)?;
    j.boundary(&id)
}
