//! Notes: a title register, a body text merged character by character, tags, soft deletion.

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, transaction::Transactable};
use duet_proto::{BodyEdit, FieldConflict, NoteView, TrashItemView};
use jiff::Timestamp;

use crate::{EntryId, EntryKind, Journal, JournalError, ids, read, schema};

/// Titles are one line of reasonable length; bodies are free.
const MAX_TITLE_CHARS: usize = 500;

fn check_title(title: &str) -> Result<(), JournalError> {
    crate::journal::non_blank("a note's title", title)?;
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(JournalError::Invalid(format!(
            "a note's title must be at most {MAX_TITLE_CHARS} characters"
        )));
    }
    if title.contains(['\n', '\r']) {
        return Err(JournalError::Invalid(
            "a note's title must be one line".into(),
        ));
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<(), JournalError> {
    if tag.is_empty() || tag.chars().any(char::is_whitespace) {
        return Err(JournalError::Invalid(format!(
            "'{tag}' is not a tag: tags are single words"
        )));
    }
    Ok(())
}

impl Journal {
    /// Creates a note and returns its id.
    pub fn add_note(
        &mut self,
        title: &str,
        body: &str,
        tags: &[String],
        now: Timestamp,
    ) -> Result<EntryId, JournalError> {
        check_title(title)?;
        tags.iter().try_for_each(|t| check_tag(t))?;
        crate::journal::within_cap("a note's body", body.len())?;
        let id = EntryId::generate(now);
        let notes = self.root_map(schema::NOTES);
        let note = self.doc.put_object(&notes, id.as_str(), ObjType::Map)?;
        self.doc.put(&note, "title", title)?;
        let text = self.doc.put_object(&note, "body", ObjType::Text)?;
        self.doc.splice_text(&text, 0, 0, body)?;
        let list = self.doc.put_object(&note, "tags", ObjType::List)?;
        let mut seen: Vec<&str> = Vec::new();
        for tag in tags {
            if !seen.contains(&tag.as_str()) {
                self.doc.insert(&list, seen.len(), tag.as_str())?;
                seen.push(tag);
            }
        }
        self.doc.put(&note, "author", self.device_id.as_str())?;
        let t = ScalarValue::Timestamp(read::ms(now));
        self.doc.put(&note, "created_at", t.clone())?;
        self.doc.put(&note, "updated_at", t)?;
        self.commit("note add", now);
        Ok(id)
    }

    /// The short forms of `listed` note ids, unique among every note, the trash included:
    /// everything [`Journal::resolve_note`] resolves against.
    pub fn short_note_ids<'a>(&self, listed: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let all: Vec<String> = self.doc.keys(self.root_map(schema::NOTES)).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        duet_proto::short_ids(listed, &all)
    }

    /// The id of the note that `prefix` names uniquely (in the trash too).
    pub fn resolve_note(&self, prefix: &str) -> Result<EntryId, JournalError> {
        ids::resolve(
            &self.doc,
            &self.root_map(schema::NOTES),
            EntryKind::Note,
            prefix,
        )
    }

    fn note_obj(&self, id: &EntryId) -> Result<ObjId, JournalError> {
        read::obj(&self.doc, &self.root_map(schema::NOTES), id.as_str()).ok_or_else(|| {
            JournalError::NotFound {
                kind: "note",
                prefix: id.to_string(),
            }
        })
    }

    /// Changes a note. The body is changed through a minimal text diff, never replaced
    /// wholesale, so concurrent edits to other parts of it survive the merge.
    pub fn edit_note(
        &mut self,
        id: &EntryId,
        title: Option<&str>,
        body: Option<&BodyEdit>,
        add_tags: &[String],
        remove_tags: &[String],
        now: Timestamp,
    ) -> Result<(), JournalError> {
        if let Some(t) = title {
            check_title(t)?;
        }
        add_tags.iter().try_for_each(|t| check_tag(t))?;
        if title.is_none() && body.is_none() && add_tags.is_empty() && remove_tags.is_empty() {
            return Err(JournalError::Invalid("nothing to change".into()));
        }
        let note = self.note_obj(id)?;
        let new_len = match body {
            Some(BodyEdit::Replace(new)) => new.len(),
            Some(BodyEdit::Append(more)) => {
                let current = read::obj(&self.doc, &note, "body")
                    .and_then(|t| self.doc.text(&t).ok())
                    .map_or(0, |t| t.len());
                current + more.len()
            }
            None => 0,
        };
        crate::journal::within_cap("a note's body", new_len)?;
        if let Some(t) = title {
            self.doc.put(&note, "title", t)?;
        }
        if let Some(edit) = body {
            let text = match read::obj(&self.doc, &note, "body") {
                Some(text) => text,
                None => self.doc.put_object(&note, "body", ObjType::Text)?,
            };
            match edit {
                BodyEdit::Replace(new) => self.doc.update_text(&text, new)?,
                BodyEdit::Append(more) => {
                    let end = self.doc.length(&text);
                    self.doc.splice_text(&text, end, 0, more)?;
                }
            }
        }
        if !add_tags.is_empty() || !remove_tags.is_empty() {
            let list = match read::obj(&self.doc, &note, "tags") {
                Some(list) => list,
                None => self.doc.put_object(&note, "tags", ObjType::List)?,
            };
            // Remove from the end so earlier indexes stay valid.
            let current = read::strings(&self.doc, &note, "tags");
            for (i, tag) in current.iter().enumerate().rev() {
                if remove_tags.contains(tag) {
                    self.doc.delete(&list, i)?;
                }
            }
            let mut present: Vec<String> = current
                .into_iter()
                .filter(|t| !remove_tags.contains(t))
                .collect();
            for tag in add_tags {
                if !present.contains(tag) {
                    self.doc.insert(&list, present.len(), tag.as_str())?;
                    present.push(tag.clone());
                }
            }
        }
        self.doc
            .put(&note, "updated_at", ScalarValue::Timestamp(read::ms(now)))?;
        self.commit("note edit", now);
        Ok(())
    }

    /// Moves a note to the trash. Its content stays in the document, restorable.
    pub fn trash_note(&mut self, id: &EntryId, now: Timestamp) -> Result<(), JournalError> {
        let note = self.note_obj(id)?;
        if read::int(&self.doc, &note, "deleted_at").is_some() {
            return Err(JournalError::Invalid(format!(
                "note {id} is already in the trash"
            )));
        }
        self.doc
            .put(&note, "deleted_at", ScalarValue::Timestamp(read::ms(now)))?;
        self.doc.put(&note, "deleted_by", self.device_id.as_str())?;
        self.commit("note trash", now);
        Ok(())
    }

    /// Brings a note back from the trash.
    pub fn restore_note(&mut self, id: &EntryId, now: Timestamp) -> Result<(), JournalError> {
        let note = self.note_obj(id)?;
        if read::int(&self.doc, &note, "deleted_at").is_none() {
            return Err(JournalError::Invalid(format!(
                "note {id} is not in the trash"
            )));
        }
        self.doc.delete(&note, "deleted_at")?;
        self.doc.delete(&note, "deleted_by")?;
        self.doc
            .put(&note, "updated_at", ScalarValue::Timestamp(read::ms(now)))?;
        self.commit("note restore", now);
        Ok(())
    }

    /// One note, in the trash or not.
    pub fn note(&self, id: &EntryId) -> Result<NoteView, JournalError> {
        let obj = self.note_obj(id)?;
        Ok(self.note_view(id.as_str(), &obj))
    }

    /// Notes not in the trash, oldest first, optionally only those with `tag`.
    pub fn notes(&self, tag: Option<&str>) -> Vec<NoteView> {
        self.all_notes()
            .filter(|n| n.deleted_at.is_none())
            .filter(|n| tag.is_none_or(|t| n.tags.iter().any(|x| x == t)))
            .collect()
    }

    /// Notes in the trash, most recently deleted first.
    pub fn trash(&self) -> Vec<TrashItemView> {
        let mut items: Vec<TrashItemView> = self
            .all_notes()
            .filter_map(|n| {
                n.deleted_at.map(|deleted_at| TrashItemView {
                    id: n.id,
                    kind: "note".into(),
                    title: n.title,
                    deleted_at,
                })
            })
            .collect();
        items.sort_by_key(|t| std::cmp::Reverse(t.deleted_at));
        items
    }

    fn all_notes(&self) -> impl Iterator<Item = NoteView> + '_ {
        let notes = self.root_map(schema::NOTES);
        self.doc
            .map_range(&notes, ..)
            .filter(|item| matches!(item.value.clone().into_value(), automerge::Value::Object(_)))
            .map(|item| (item.key.clone().into_owned(), item.id()))
            .collect::<Vec<_>>()
            .into_iter()
            .map(move |(id, obj)| self.note_view(&id, &obj))
    }

    fn note_view(&self, id: &str, obj: &ObjId) -> NoteView {
        let author_id = read::string(&self.doc, obj, "author").unwrap_or_default();
        let created_at = read::time(&self.doc, obj, "created_at").unwrap_or_default();
        let mut tags = read::strings(&self.doc, obj, "tags");
        // Two devices adding the same tag concurrently both insert it.
        let mut seen = std::collections::HashSet::new();
        tags.retain(|t| seen.insert(t.clone()));
        let title_losers = read::losing_strings(&self.doc, obj, "title");
        let conflicts = if title_losers.is_empty() {
            Vec::new()
        } else {
            vec![FieldConflict {
                field: "title".into(),
                other_values: title_losers,
            }]
        };
        NoteView {
            id: id.to_owned(),
            title: read::string(&self.doc, obj, "title").unwrap_or_default(),
            body: read::string(&self.doc, obj, "body").unwrap_or_default(),
            tags,
            author: self.person_name(&author_id),
            author_id,
            created_at,
            updated_at: read::time(&self.doc, obj, "updated_at").unwrap_or(created_at),
            deleted_at: read::time(&self.doc, obj, "deleted_at"),
            conflicts,
        }
    }
}
