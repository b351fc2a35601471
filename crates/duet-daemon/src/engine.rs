//! The journal engine: one thread that owns the journal document and the store.
//!
//! Requests reach it as jobs on a channel. The thread takes every job that is waiting, runs
//! them in order against the in-memory document, then persists all their changes in one
//! durable store transaction, and only then replies. So writes are group-committed (32
//! concurrent clients cost one fsync, not 32) and no client hears "done" before its write is
//! on disk. If the store fails, the document is reloaded from the store, so memory never
//! runs ahead of disk, and every job in the batch hears about the failure.

use std::thread::JoinHandle;

use automerge::ChangeHash;
use duet_journal::{Journal, JournalError};
use duet_store::{JOURNAL_DOC, Store, StoreError};
use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot, watch};

/// Compact the chunk log into one snapshot once it holds this many chunks: loading stays
/// fast and the file stays small, at the cost of one full save every so often.
const COMPACT_AFTER_CHUNKS: usize = 256;

/// The most jobs folded into one durable commit.
const MAX_BATCH: usize = 256;

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The journal refused the operation; nothing changed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The change could not be made durable; it was rolled back in memory. The store's own
    /// transaction was not committed, but nothing is claimed about the file: a failing disk
    /// may have changed it anyway.
    #[error("the change could not be saved and was not applied: {0}")]
    Storage(String),
    /// The operation panicked (a bug, e.g. inside automerge on a peer's message). The
    /// document was reloaded from the store, so nothing of the batch it ran in was kept.
    #[error("an internal error stopped this operation ({0}); nothing was changed")]
    Panicked(String),
    /// The engine has stopped (the daemon is shutting down, or it refuses work after a
    /// storage failure it could not recover from).
    #[error(
        "the journal is closed (if the daemon is not shutting down, restart it: `duet daemon stop && duet daemon start`)"
    )]
    Stopped,
}

type Reply = Box<dyn FnOnce(Result<(), &str>) + Send>;

/// What running one job left behind: whether it changed the document, whether the document
/// must be reloaded from disk (after a panic, which may have left it half-applied, or after
/// a peer's changes that must not stay, such as a newer schema's), and its reply.
struct Ran {
    changed: bool,
    reload: bool,
    reply: Reply,
}

type Job = Box<dyn FnOnce(&mut Journal, &mut Store, Timestamp) -> Ran + Send>;

/// The message of a caught panic, for the log and the caller.
fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

enum Msg {
    Job(Job),
    /// Finish the batch in hand and exit; jobs queued behind this are refused.
    Stop,
}

/// A clonable handle to the engine thread.
#[derive(Clone)]
pub struct Engine {
    tx: mpsc::Sender<Msg>,
    changes: watch::Receiver<u64>,
}

/// The engine thread itself, owned by whoever shuts the engine down.
pub struct EngineThread {
    handle: JoinHandle<()>,
    tx: mpsc::Sender<Msg>,
}

impl EngineThread {
    /// Stops the engine and waits until its last batch is on disk. Handles still held
    /// elsewhere get [`EngineError::Stopped`] from then on.
    pub fn stop(self) {
        let _ = self.tx.blocking_send(Msg::Stop);
        let _ = self.handle.join();
    }
}

impl Engine {
    /// Starts the engine on its own thread, loading the journal from `store`.
    pub fn start(store: Store, device_id: &str) -> Result<(Self, EngineThread), EngineError> {
        let bytes = store
            .load(JOURNAL_DOC)
            .map_err(|e| EngineError::Storage(e.to_string()))?;
        let mut journal = Journal::load(&bytes, device_id)?;
        let chunks = store
            .stats(JOURNAL_DOC)
            .map_err(|e| EngineError::Storage(e.to_string()))?
            .chunks;
        let persisted = journal.heads();
        let (tx, rx) = mpsc::channel::<Msg>(1024);
        let (changes_tx, changes) = watch::channel(0u64);
        let core = Core {
            changes: changes_tx,
            store,
            journal,
            persisted,
            chunks,
            device_id: device_id.to_owned(),
            poisoned: None,
        };
        let handle = std::thread::Builder::new()
            .name("duet-engine".into())
            .spawn(move || core.run(rx))
            .map_err(|e| EngineError::Storage(format!("cannot start the engine thread: {e}")))?;
        Ok((
            Self {
                tx: tx.clone(),
                changes,
            },
            EngineThread { handle, tx },
        ))
    }

    /// Runs `f` against the journal and persists what it changed before answering. If `f`
    /// fails, its partial changes are rolled back.
    pub async fn write<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Journal, Timestamp) -> Result<T, JournalError> + Send + 'static,
    {
        self.submit(true, move |j, _, now| Ok(f(j, now)?)).await
    }

    /// Ticks after every durable batch that held a successful write (which usually, not
    /// always, changed the document): the sync layer pushes changes to peers on it.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.clone()
    }

    /// Runs `f` with the store as well (e.g. to record an adopted journal id), as a write.
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Journal, &mut Store) -> Result<T, EngineError> + Send + 'static,
    {
        self.submit(true, move |j, store, _| f(j, store)).await
    }

    /// Runs `f` against the journal, after every write queued before it.
    pub async fn read<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Journal) -> Result<T, JournalError> + Send + 'static,
    {
        self.submit(false, move |j, _, _| Ok(f(j)?)).await
    }

    /// Queues `f` and waits for its answer, which comes only once the batch it ran in is
    /// durable (for writes). A failed `f` has its partial changes rolled back.
    async fn submit<T, F>(&self, writes: bool, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Journal, &mut Store, Timestamp) -> Result<T, EngineError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |journal, store, now| {
            // A panic (a bug, or automerge on a message it cannot handle) must not take the
            // engine thread, and with it the daemon, down: it fails this job, and the core
            // reloads the document from disk, since the panic may have left it half-applied.
            let caught =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(journal, store, now)));
            let mut reload = caught.is_err();
            let result = caught.unwrap_or_else(|p| {
                let why = panic_message(p.as_ref());
                tracing::error!(error = %why, "an operation panicked; reloading the journal from the store");
                Err(EngineError::Panicked(why))
            });
            reload |= matches!(
                result,
                Err(EngineError::Journal(JournalError::NewerSchema { .. }))
            );
            if result.is_err() && !reload {
                // Drop whatever the failed operation had applied before it failed.
                journal.doc_mut().rollback();
            }
            let changed = writes && result.is_ok();
            // Operations commit only as their last step, so a failed one leaves nothing
            // committed behind; rollback drops what it had applied before failing.
            let reply: Reply = Box::new(move |persisted| {
                // When the batch could not be saved, the document was reloaded from disk:
                // whatever any job in it saw or produced (a read, a sync message) may show
                // changes that no longer exist, so every job in it fails.
                let answer = match (result, persisted) {
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(e)) => Err(EngineError::Storage(e.to_owned())),
                    (Ok(v), Ok(())) => Ok(v),
                };
                let _ = tx.send(answer);
            });
            Ran {
                changed,
                reload,
                reply,
            }
        });
        self.tx
            .send(Msg::Job(job))
            .await
            .map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }
}

struct Core {
    store: Store,
    journal: Journal,
    /// The heads that are on disk: everything after them still needs persisting.
    persisted: Vec<ChangeHash>,
    /// Chunks in the store's log, to decide when to compact.
    chunks: usize,
    device_id: String,
    changes: watch::Sender<u64>,
    /// Set when a failed write could not be rolled back by reloading from the store: the
    /// in-memory document may hold changes that are not on disk, so no further job may see
    /// or persist it.
    poisoned: Option<String>,
}

impl Core {
    fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        while let Some(msg) = rx.blocking_recv() {
            let Msg::Job(first) = msg else { break };
            if let Some(why) = &self.poisoned {
                // Refuse without running the job: its reply sender is dropped, which the
                // waiting client sees as the engine having stopped.
                tracing::error!(reason = %why, "refusing work: the journal needs a restart");
                drop(first);
                continue;
            }
            let mut replies = Vec::new();
            let mut changed = false;
            let mut reload = false;
            let mut job = Some(first);
            let mut stop = false;
            while let Some(j) = job.take() {
                let ran = j(&mut self.journal, &mut self.store, Timestamp::now());
                changed |= ran.changed;
                reload |= ran.reload;
                replies.push(ran.reply);
                if replies.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(Msg::Job(next)) => job = Some(next),
                        Ok(Msg::Stop) => stop = true,
                        Err(_) => {}
                    }
                }
            }
            let outcome = if reload {
                // The document holds what must not stay (half-applied after a panic, or a
                // newer schema's changes): persist none of the batch.
                self.reload();
                Err("another operation in the same batch failed unexpectedly; try again".to_owned())
            } else if changed {
                self.persist().map_err(|e| e.to_string())
            } else {
                Ok(())
            };
            if let (Err(e), false) = (&outcome, reload) {
                tracing::error!(error = %e, "persisting a batch failed; reloading the journal from the store");
                self.reload();
            }
            tracing::debug!(jobs = replies.len(), changed, "batch done");
            if changed && outcome.is_ok() {
                self.changes.send_modify(|n| *n = n.wrapping_add(1));
            }
            for reply in replies {
                reply(outcome.as_ref().map(|_| ()).map_err(String::as_str));
            }
            if stop {
                break;
            }
        }
        tracing::debug!("engine queue closed");
    }

    fn persist(&mut self) -> Result<(), StoreError> {
        let chunk = self.journal.save_after(&self.persisted);
        if chunk.is_empty() {
            return Ok(());
        }
        self.store.append(JOURNAL_DOC, &chunk)?;
        self.persisted = self.journal.heads();
        self.chunks += 1;
        if self.chunks >= COMPACT_AFTER_CHUNKS {
            let snapshot = self.journal.save();
            match self.store.compact(JOURNAL_DOC, &snapshot) {
                Ok(()) => {
                    tracing::info!(bytes = snapshot.len(), "compacted the journal log");
                    self.chunks = 1;
                }
                // The appended chunk is already durable; compaction can wait for next time.
                Err(e) => tracing::warn!(error = %e, "compaction failed"),
            }
        }
        Ok(())
    }

    fn reload(&mut self) {
        match self
            .store
            .load(JOURNAL_DOC)
            .map_err(|e| e.to_string())
            .and_then(|b| Journal::load(&b, &self.device_id).map_err(|e| e.to_string()))
        {
            Ok(mut journal) => {
                self.persisted = journal.heads();
                self.journal = journal;
            }
            Err(e) => {
                tracing::error!(error = %e, "reloading the journal failed; refusing further work");
                self.poisoned = Some(e);
            }
        }
    }
}
