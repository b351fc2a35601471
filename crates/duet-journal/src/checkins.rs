//! Check-ins: a mood, feeling words, answers to prompts, a need. Immutable once made.

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, transaction::Transactable};
use duet_proto::{AnswerView, CheckinAdd, CheckinView};
use jiff::Timestamp;

use crate::{EntryId, Journal, JournalError, prompts, read, schema};

impl Journal {
    /// Records a check-in and returns its id. At least one of mood, feeling, answer or need
    /// must be given.
    pub fn add_checkin(&mut self, c: &CheckinAdd, now: Timestamp) -> Result<EntryId, JournalError> {
        if let Some(m) = c.mood
            && !(1..=5).contains(&m)
        {
            return Err(JournalError::Invalid(format!(
                "mood must be between 1 and 5, not {m}"
            )));
        }
        for f in &c.feelings {
            crate::journal::non_blank("a feeling", f)?;
        }
        for a in &c.answers {
            if prompts::find(&a.prompt_id).is_none() {
                return Err(JournalError::Invalid(format!(
                    "there is no prompt '{}' (see `duet prompts`)",
                    a.prompt_id
                )));
            }
            crate::journal::non_blank("an answer", &a.text)?;
        }
        if let Some(n) = &c.need {
            crate::journal::non_blank("a need", n)?;
        }
        let size = c.feelings.iter().map(String::len).sum::<usize>()
            + c.answers.iter().map(|a| a.text.len()).sum::<usize>()
            + c.need.as_ref().map_or(0, String::len);
        crate::journal::within_cap("a check-in", size)?;
        if c.mood.is_none() && c.feelings.is_empty() && c.answers.is_empty() && c.need.is_none() {
            return Err(JournalError::Invalid(
                "a check-in needs at least a mood, a feeling, an answer or a need".into(),
            ));
        }
        let id = EntryId::generate(now);
        let map = self.root_map(schema::CHECKINS);
        let entry = self.doc.put_object(&map, id.as_str(), ObjType::Map)?;
        self.doc.put(&entry, "author", self.device_id.as_str())?;
        self.doc
            .put(&entry, "created_at", ScalarValue::Timestamp(read::ms(now)))?;
        if let Some(m) = c.mood {
            self.doc.put(&entry, "mood", i64::from(m))?;
        }
        let feelings = self.doc.put_object(&entry, "feelings", ObjType::List)?;
        for (i, f) in c.feelings.iter().enumerate() {
            self.doc.insert(&feelings, i, f.trim())?;
        }
        let answers = self.doc.put_object(&entry, "answers", ObjType::Map)?;
        for a in &c.answers {
            self.doc
                .put(&answers, a.prompt_id.as_str(), a.text.as_str())?;
        }
        if let Some(n) = &c.need {
            self.doc.put(&entry, "need", n.as_str())?;
        }
        self.commit("checkin add", now);
        Ok(id)
    }

    /// Check-ins made at or after `since` (all when `None`), oldest first.
    pub fn checkins(&self, since: Option<Timestamp>) -> Vec<CheckinView> {
        let map = self.root_map(schema::CHECKINS);
        let entries: Vec<(String, ObjId)> = self
            .doc
            .map_range(&map, ..)
            .map(|i| (i.key.clone().into_owned(), i.id()))
            .collect();
        entries
            .into_iter()
            .map(|(id, obj)| self.checkin_view(&id, &obj))
            .filter(|c| since.is_none_or(|s| c.created_at >= s))
            .collect()
    }

    fn checkin_view(&self, id: &str, obj: &ObjId) -> CheckinView {
        let author_id = read::string(&self.doc, obj, "author").unwrap_or_default();
        let answers = read::obj(&self.doc, obj, "answers")
            .map(|map| {
                self.doc
                    .map_range(&map, ..)
                    .filter_map(|item| {
                        let text = item.value.into_value().as_str()?.to_owned();
                        Some(AnswerView {
                            prompt: prompts::find(&item.key).map(|p| p.text.to_owned()),
                            prompt_id: item.key.into_owned(),
                            text,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        CheckinView {
            id: id.to_owned(),
            author: self.person_name(&author_id),
            author_id,
            created_at: read::time(&self.doc, obj, "created_at").unwrap_or_default(),
            mood: read::int(&self.doc, obj, "mood").and_then(|m| u8::try_from(m).ok()),
            feelings: read::strings(&self.doc, obj, "feelings"),
            answers,
            need: read::string(&self.doc, obj, "need"),
        }
    }
}
