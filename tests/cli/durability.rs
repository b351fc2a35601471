//! Acknowledged writes survive SIGKILL; many concurrent clients all get their writes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::harness::Duet;

fn listed_ids(d: &Duet) -> Vec<String> {
    d.json(&["note", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn sigkill_during_writes_loses_no_acknowledged_write() {
    let d = Arc::new(Duet::started());
    let pid = d.pid();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let d = d.clone();
            let acked = acked.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    let out = d.run(&["note", "add", &format!("w{w} n{i}"), "--body", "x"]);
                    if out.code != 0 {
                        // The daemon is gone: no more acknowledgements.
                        assert!(!out.stderr.contains("panicked"), "{out:?}");
                        break;
                    }
                    acked.lock().unwrap().push(out.stdout.trim().to_owned());
                }
            })
        })
        .collect();
    // Kill in the middle of the stream, once a fair number of writes are in.
    while acked.lock().unwrap().len() < 40 {
        std::thread::sleep(Duration::from_millis(5));
    }
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 40);
    // The killed daemon left its socket behind; start cleans it up.
    assert!(d.socket().exists());
    d.ok(&["daemon", "start"]);
    let present = listed_ids(&d);
    for id in &acked {
        assert!(
            present.contains(id),
            "acknowledged note {id} lost after SIGKILL"
        );
    }
}

#[test]
fn thirty_two_concurrent_clients_are_all_acknowledged() {
    let d = Arc::new(Duet::started());
    let threads: Vec<_> = (0..32)
        .map(|c| {
            let d = d.clone();
            std::thread::spawn(move || {
                (0..3)
                    .map(|i| {
                        let out = d.run(&["note", "add", &format!("client {c} #{i}")]);
                        assert_eq!(out.code, 0, "{out:?}");
                        out.stdout.trim().to_owned()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(ids.len(), 96);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 96, "ids must be unique");
    d.ok(&["daemon", "stop"]);
    d.ok(&["daemon", "start"]);
    let mut present = listed_ids(&d);
    present.sort();
    assert_eq!(present, ids);
}
