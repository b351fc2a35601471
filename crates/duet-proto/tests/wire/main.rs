//! Wire-format tests for the CLI <-> daemon protocol.
//!
//! Every request, response and view is built once (`examples`), round-tripped through JSON and
//! compared against the committed golden file `tests/golden/messages.txt`, so that an
//! accidental change to what crosses the socket (or what `duet --json` prints) fails CI.

mod client;
mod decode;
mod examples;
mod fixtures;
mod frame;
mod golden;
mod home;

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Anything that crosses the wire, type-erased so one list can hold every message and view.
pub trait Wire: Debug {
    /// The compact JSON of the value.
    fn json(&self) -> String;
    /// Serialises, decodes and compares; `Err` says what went wrong.
    fn check_round_trip(&self) -> Result<(), String>;
}

impl<T> Wire for T
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    fn json(&self) -> String {
        serde_json::to_string(self).expect("every wire type serialises")
    }

    fn check_round_trip(&self) -> Result<(), String> {
        let json = self.json();
        let back: T =
            serde_json::from_str(&json).map_err(|e| format!("does not decode ({e}): {json}"))?;
        if &back != self {
            return Err(format!(
                "decodes to a different value\n  before: {self:?}\n  after:  {back:?}"
            ));
        }
        let again = back.json();
        if again != json {
            return Err(format!(
                "re-encodes differently\n  first:  {json}\n  second: {again}"
            ));
        }
        Ok(())
    }
}

/// One named example: a line of the golden file.
pub struct Example {
    /// `request.<tag>`, `response.<tag>`, `view.<Type>`..., with an optional `/<case>`.
    pub name: String,
    /// The value.
    pub value: Box<dyn Wire>,
}

/// The `type` tag a tagged message serialises with.
pub fn tag_of<T: Serialize>(message: &T) -> String {
    let value = serde_json::to_value(message).expect("serialises");
    value["type"]
        .as_str()
        .unwrap_or_else(|| panic!("no string `type` tag in {value}"))
        .to_owned()
}

/// Every tag a tagged enum declares, read from serde's "unknown variant" error, which lists
/// them all. This sees variants no example was written for (the enums are `#[non_exhaustive]`,
/// so a `match` here could not).
pub fn declared_tags<T: DeserializeOwned + Debug>() -> Vec<String> {
    let err = serde_json::from_str::<T>(r#"{"type":"__probe__"}"#)
        .expect_err("an unknown tag must not decode")
        .to_string();
    assert!(
        err.contains("unknown variant `__probe__`, expected one of"),
        "unexpected serde error format: {err}"
    );
    let names: Vec<String> = err
        .split('`')
        .skip(1)
        .step_by(2)
        .skip(1) // the probe itself
        .map(str::to_owned)
        .collect();
    assert!(!names.is_empty(), "no variant names in: {err}");
    names
}
