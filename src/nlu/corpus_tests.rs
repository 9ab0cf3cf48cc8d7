//! Corpus test: runs every case of `tests/nlu/*.jsonl` through the public
//! API, prints accuracy per task and language plus every failing case, and
//! fails below 0.97 for any task+language or with fewer than 400 cases.

use super::{Lang, PhoneResult, classify_intent, parse_datetime, parse_name, parse_phone};
use serde_json::Value;
use std::collections::BTreeMap;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nlu");
const MIN_ACCURACY: f64 = 0.97;
const MIN_CASES: usize = 400;

/// Run one case; Ok(()) if it passes, Err(description) otherwise.
fn run_case(case: &Value) -> Result<(), String> {
    let task = case["task"].as_str().ok_or("missing task")?;
    let lang: Lang = case["lang"]
        .as_str()
        .ok_or("missing lang")?
        .parse()
        .map_err(|e| format!("{e}"))?;
    let text = case["text"].as_str().ok_or("missing text")?;
    let expect = &case["expect"];
    let got: Value = match task {
        "datetime" => {
            let now_s = case["now"].as_str().ok_or("missing now")?;
            let now = chrono::NaiveDateTime::parse_from_str(now_s, "%Y-%m-%dT%H:%M")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(now_s, "%Y-%m-%dT%H:%M:%S"))
                .map_err(|e| format!("bad now {now_s:?}: {e}"))?;
            let r = parse_datetime(text, lang, now);
            let j = r.to_json();
            let got = serde_json::json!({"date": j["date"], "time": j["time"]});
            if got["date"] == expect["date"] && got["time"] == expect["time"] {
                return Ok(());
            }
            j
        }
        "intent" => {
            let r = classify_intent(text, lang);
            let j = r.to_json();
            if j["intent"] == expect["intent"] {
                return Ok(());
            }
            j
        }
        "phone" => {
            let r = parse_phone(text, lang);
            let j = r.to_json();
            if j["phone"] == expect["phone"] {
                return Ok(());
            }
            let _ = matches!(r, PhoneResult::Caller);
            j
        }
        "name" => {
            let r = parse_name(text, lang);
            let j = serde_json::json!({ "name": r });
            if j["name"] == expect["name"] {
                return Ok(());
            }
            j
        }
        other => return Err(format!("unknown task {other:?}")),
    };
    Err(format!("got {got}, want {expect}"))
}

#[test]
fn corpus() {
    let mut files: Vec<std::path::PathBuf> = match std::fs::read_dir(DIR) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect(),
        Err(e) => panic!("cannot read corpus dir {DIR}: {e}"),
    };
    files.sort();
    // (task, lang) -> (passed, total)
    let mut tally: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let mut total = 0;
    for f in &files {
        let content =
            std::fs::read_to_string(f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        let fname = f
            .file_name()
            .map(|x| x.to_string_lossy().to_string())
            .unwrap_or_default();
        for (ln, line) in content.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with("//") {
                continue;
            }
            let case: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    failures.push(format!("{fname}:{}: unparsable line: {e}", ln + 1));
                    continue;
                }
            };
            total += 1;
            let key = (
                case["task"].as_str().unwrap_or("?").to_string(),
                case["lang"].as_str().unwrap_or("?").to_string(),
            );
            let e = tally.entry(key).or_insert((0, 0));
            e.1 += 1;
            match run_case(&case) {
                Ok(()) => e.0 += 1,
                Err(msg) => failures.push(format!(
                    "{fname}:{}: [{} {}] {:?} now={} -> {msg}",
                    ln + 1,
                    case["task"].as_str().unwrap_or("?"),
                    case["lang"].as_str().unwrap_or("?"),
                    case["text"].as_str().unwrap_or("?"),
                    case["now"].as_str().unwrap_or("-"),
                )),
            }
        }
    }
    println!(
        "\n=== NLU corpus: {total} cases in {} files ===",
        files.len()
    );
    println!(
        "{:<10} {:<4} {:>6} {:>6} {:>8}",
        "task", "lang", "pass", "total", "accuracy"
    );
    let mut below = Vec::new();
    for ((task, lang), (pass, n)) in &tally {
        let acc = if *n == 0 {
            0.0
        } else {
            *pass as f64 / *n as f64
        };
        println!("{task:<10} {lang:<4} {pass:>6} {n:>6} {acc:>8.3}");
        if acc < MIN_ACCURACY {
            below.push(format!("{task}/{lang} {acc:.3}"));
        }
    }
    if !failures.is_empty() {
        println!("\n--- {} failing cases ---", failures.len());
        for f in &failures {
            println!("{f}");
        }
    }
    assert!(
        total >= MIN_CASES,
        "only {total} corpus cases (need >= {MIN_CASES})"
    );
    assert!(
        below.is_empty(),
        "below {MIN_ACCURACY}: {}",
        below.join(", ")
    );
}
