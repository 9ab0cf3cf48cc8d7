//! The `ringlypro nlu` command contract: one JSON object on stdout, exit 0;
//! bad arguments exit 2 with usage on stderr; no database or config touched.

use crate::common::*;

fn nlu(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let out = bare_command(dir.path())
        .arg("nlu")
        .args(args)
        .output()
        .unwrap();
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nlu must not create files"
    );
    out
}

fn json(out: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(
        stdout.trim_end().lines().count(),
        1,
        "exactly one line of JSON: {stdout}"
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

#[test]
fn the_four_commands_answer_in_json() {
    let o = nlu(&[
        "datetime",
        "--lang",
        "en",
        "--now",
        "2026-03-02T10:00",
        "Next Wednesday at half past two, no wait, make it Thursday.",
    ]);
    assert!(o.status.success());
    let v = json(&o);
    assert_eq!(
        (v["date"].as_str(), v["time"].as_str()),
        (Some("2026-03-05"), Some("14:30"))
    );
    let v = json(&nlu(&[
        "datetime",
        "--lang",
        "es",
        "--now",
        "2026-12-31T18:00",
        "Mañana por la mañana",
    ]));
    assert_eq!(v["date"], "2027-01-01");
    assert!(v["time"].is_null());
    assert_eq!(
        json(&nlu(&[
            "intent",
            "--lang",
            "en",
            "I'm not looking to make a new appointment, I have to cancel mine."
        ]))["intent"],
        "cancel"
    );
    assert_eq!(
        json(&nlu(&[
            "intent",
            "--lang",
            "es",
            "Quiero reagendar mi cita"
        ]))["intent"],
        "reschedule"
    );
    assert_eq!(
        json(&nlu(&[
            "phone",
            "--lang",
            "en",
            "five five five, two one two, oh nine eight seven"
        ]))["phone"],
        "+15552120987"
    );
    assert_eq!(
        json(&nlu(&[
            "phone",
            "--lang",
            "es",
            "el número del que le estoy llamando"
        ]))["phone"],
        "caller"
    );
    assert!(json(&nlu(&["phone", "--lang", "en", "I'd rather not say"]))["phone"].is_null());
    assert_eq!(
        json(&nlu(&["name", "--lang", "es", "Me llamo Inés Peña"]))["name"],
        "Inés Peña"
    );
    assert!(
        json(&nlu(&[
            "name",
            "--lang",
            "en",
            "I'm wondering about your prices"
        ]))["name"]
            .is_null()
    );
}

#[test]
fn bad_arguments_exit_2_with_usage_on_stderr() {
    for args in [
        vec!["intent", "--lang", "fr", "hola"],
        vec!["datetime", "--lang", "en", "--now", "yesterday", "today"],
        vec!["datetime", "--lang", "en", "today"],
        vec!["phone", "--lang", "en"],
        vec!["guess", "--lang", "en", "x"],
    ] {
        let o = nlu(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(!o.stderr.is_empty(), "{args:?}");
    }
}
