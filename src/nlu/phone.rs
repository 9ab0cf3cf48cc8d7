//! Phone numbers: spoken or typed NANP numbers in any punctuation, digit
//! words, "oh", double/triple (doble/triple), Spanish pairs, fillers inside →
//! E.164 `+1XXXXXXXXXX`; "this number" / "el mismo número" → caller ID;
//! otherwise (too few digits, refusal, invalid area/exchange code) not found.

use super::normalize::{Tok, filler_len, tokenize, tokenize_numbers};
use super::{Lang, PhoneResult};

/// Phrases meaning "use the number I'm calling from" (normalised tokens).
const CALLER_EN: &[&[&str]] = &[
    &["this", "number"],
    &["this", "phone"],
    &["this", "line"],
    &["this", "one"],
    &["this", "cell"],
    &["calling", "from"],
    &["called", "from"],
    &["calling", "you", "from"],
    &["calling", "on"],
    &["same", "number"],
    &["same", "one"],
    &["caller", "id"],
    &["me", "here"],
    &["came", "up"],
    &["showed", "up"],
    &["shows", "up"],
    &["number", "you", "see"],
    &["number", "that", "called"],
    &["number", "im", "on"],
    &["the", "one", "im", "on"],
    &["the", "one", "im", "using"],
    &["number", "im", "using"],
];

const CALLER_ES: &[&[&str]] = &[
    &["este", "numero"],
    &["este", "mismo"],
    &["este", "telefono"],
    &["este", "celular"],
    &["el", "mismo"],
    &["ese", "mismo"],
    &["identificador"],
    &["mismo", "numero"],
    &["mismo", "telefono"],
    &["del", "que", "llamo"],
    &["del", "que", "le", "llamo"],
    &["del", "que", "estoy", "llamando"],
    &["del", "que", "le", "estoy", "llamando"],
    &["del", "que", "les", "estoy", "llamando"],
    &["del", "que", "les", "llamo"],
    &["desde", "el", "que"],
    &["desde", "este"],
    &["del", "que", "te", "llamo"],
    &["del", "que", "te", "estoy", "llamando"],
    &["que", "les", "aparece"],
    &["que", "le", "aparece"],
    &["que", "aparece"],
    &["que", "le", "sale"],
    &["que", "les", "sale"],
    &["con", "el", "que", "llamo"],
    &["estoy", "llamando", "desde"],
    &["llamando", "desde", "este"],
];

fn digit_word(w: &str, lang: Lang) -> Option<u8> {
    match lang {
        Lang::En => match w {
            "oh" | "o" | "zero" => Some(0),
            _ => None,
        },
        Lang::Es => match w {
            "cero" => Some(0),
            _ => None,
        },
    }
}

/// Words that may sit between digit groups without ending the number.
fn is_glue(w: &str) -> bool {
    matches!(
        w,
        "and"
            | "then"
            | "dash"
            | "hyphen"
            | "area"
            | "code"
            | "is"
            | "its"
            | "plus"
            | "y"
            | "luego"
            | "guion"
            | "el"
            | "codigo"
            | "de"
            | "mas"
            | "es"
            | "number"
            | "numero"
            | "the"
            | "so"
            | "ok"
            | "okay"
            | "a"
            | "that"
    )
}

fn is_negator(w: &str) -> bool {
    matches!(
        w,
        "not" | "dont" | "no" | "nunca" | "never" | "without" | "rather"
    )
}

/// A verb of calling ("calling", "marcando", "llamo") at `i`.
fn is_calling_verb(w: &str) -> bool {
    matches!(
        w,
        "calling" | "called" | "dialing" | "dialed" | "phoning" | "ringing" | "texting" | "using"
    ) || ["llam", "marc", "habl", "comunic"]
        .iter()
        .any(|p| w.starts_with(p))
}

/// "the one I'm calling from", "del que estoy marcando": a relative clause
/// ("from which" / "del que", "desde el que", "con el que") with a calling verb.
fn relative_calling(toks: &[Tok], i: usize, lang: Lang) -> bool {
    let w = |k: usize| {
        toks.get(k)
            .filter(|t| !t.punct)
            .map(|t| t.norm.as_str())
            .unwrap_or("")
    };
    match lang {
        Lang::En => {
            // calling verb followed (within 3 words) by from/on/with
            is_calling_verb(w(i)) && (i + 1..i + 4).any(|k| matches!(w(k), "from" | "on" | "with"))
        }
        Lang::Es => {
            let rel = (w(i) == "del"
                || w(i) == "desde" && w(i + 1) == "el"
                || w(i) == "con" && w(i + 1) == "el")
                && (w(i + 1) == "que" || w(i + 2) == "que");
            rel && (i + 2..i + 6).any(|k| is_calling_verb(w(k)))
        }
    }
}

/// Does the utterance refer to the caller's own number (not negated)?
fn mentions_caller(toks: &[Tok], lang: Lang) -> bool {
    let pats = match lang {
        Lang::En => CALLER_EN,
        Lang::Es => CALLER_ES,
    };
    for i in 0..toks.len() {
        for p in pats.iter().copied().chain(std::iter::once(&[][..])) {
            let hit = if p.is_empty() {
                relative_calling(toks, i, lang)
            } else {
                p.iter()
                    .enumerate()
                    .all(|(k, s)| toks.get(i + k).is_some_and(|t| t.is(s)))
            };
            if hit {
                // negated in the same clause ("not this number", "no este número")?
                let mut k = i;
                let mut neg = false;
                let mut steps = 0;
                while k > 0 && steps < 4 {
                    k -= 1;
                    steps += 1;
                    if toks[k].punct {
                        break;
                    }
                    if is_negator(&toks[k].norm) {
                        neg = true;
                        break;
                    }
                }
                if !neg {
                    return true;
                }
            }
        }
    }
    false
}

/// Words that introduce a self-correction ("sorry, one two one three").
fn is_correction(w: &str) -> bool {
    matches!(
        w,
        "sorry"
            | "actually"
            | "mean"
            | "wait"
            | "correction"
            | "rather"
            | "perdon"
            | "digo"
            | "mejor"
            | "espere"
            | "disculpe"
            | "corrijo"
            | "no"
    )
}

/// A run of digits, and whether a correction word came right before it.
struct Run {
    digits: String,
    corrects: bool,
}

/// Collect runs of digits; each run is a string of ASCII digits.
fn digit_runs(toks: &[Tok], lang: Lang) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut cur = String::new();
    let mut cur_corrects = false;
    let mut pending_correction = false;
    let mut i = 0;
    let mut pending_mult: usize = 0;
    while i < toks.len() {
        let t = &toks[i];
        let f = filler_len(toks, i, lang);
        if f > 0 && !(lang == Lang::En && t.norm == "oh") {
            i += f;
            continue;
        }
        if t.punct {
            i += 1;
            continue;
        }
        let mut digits: Option<String> = None;
        if let Some(n) = &t.num {
            if !n.ordinal {
                digits = Some(n.digits.clone());
            }
        } else if let Some(d) = digit_word(&t.norm, lang) {
            // "oh" counts only next to other digits
            let near_digit = |k: usize| {
                toks.get(k).is_some_and(|x| {
                    x.num.as_ref().is_some_and(|n| !n.ordinal)
                        || digit_word(&x.norm, lang).is_some()
                })
            };
            if t.norm != "oh" && t.norm != "o" || !cur.is_empty() || near_digit(i + 1) {
                digits = Some(d.to_string());
            }
        } else if t.norm.chars().any(|c| c.is_ascii_digit())
            && t.norm
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ':' | '/'))
        {
            digits = Some(t.norm.chars().filter(|c| c.is_ascii_digit()).collect());
        }
        match digits {
            Some(d) => {
                if cur.is_empty() {
                    cur_corrects = pending_correction;
                    pending_correction = false;
                }
                let times = pending_mult.max(1);
                pending_mult = 0;
                if cur.len() < 40 {
                    for _ in 0..times {
                        cur.push_str(&d);
                    }
                }
            }
            None => {
                let w = t.norm.as_str();
                if matches!(w, "double" | "doble") {
                    pending_mult = 2;
                } else if w == "triple" {
                    pending_mult = 3;
                } else if is_correction(w) {
                    if !cur.is_empty() {
                        runs.push(Run {
                            digits: std::mem::take(&mut cur),
                            corrects: cur_corrects,
                        });
                    }
                    pending_correction = true;
                    pending_mult = 0;
                } else if is_glue(w) {
                    // keep the run going
                } else if !cur.is_empty() {
                    runs.push(Run {
                        digits: std::mem::take(&mut cur),
                        corrects: cur_corrects,
                    });
                    pending_mult = 0;
                }
            }
        }
        i += 1;
    }
    if !cur.is_empty() {
        runs.push(Run {
            digits: cur,
            corrects: cur_corrects,
        });
    }
    runs
}

fn valid_nanp(ten: &str) -> bool {
    let b = ten.as_bytes();
    b.len() == 10 && b.iter().all(|c| c.is_ascii_digit()) && b[0] >= b'2' && b[3] >= b'2'
}

fn to_e164(run: &str) -> Option<String> {
    let ten = match run.len() {
        10 => run,
        11 if run.starts_with('1') => &run[1..],
        _ => return None,
    };
    if valid_nanp(ten) {
        Some(format!("+1{ten}"))
    } else {
        None
    }
}

pub fn parse(text: &str, lang: Lang) -> PhoneResult {
    let toks = tokenize_numbers(text, lang);
    let raw_runs = digit_runs(&toks, lang);
    // apply self-corrections: a short run after "sorry"/"perdón" replaces the
    // end of the number before it; a full one replaces it entirely
    let mut runs: Vec<String> = Vec::new();
    for r in raw_runs {
        match runs.last_mut() {
            Some(prev) if r.corrects && prev.len() >= 10 && r.digits.len() < 10 => {
                let keep = prev.len().saturating_sub(r.digits.len());
                prev.truncate(keep);
                prev.push_str(&r.digits);
            }
            Some(prev) if r.corrects && r.digits.len() >= 10 => *prev = r.digits,
            _ => runs.push(r.digits),
        }
    }
    // the first full number wins, unless a later one is a correction
    let mut found: Option<String> = None;
    let mut any_long = false;
    for r in &runs {
        if r.len() >= 10 {
            any_long = true;
        }
        if let Some(n) = to_e164(r)
            && found.is_none()
        {
            found = Some(n);
        }
    }
    if found.is_none() && !any_long {
        // digits split by words ("555, let me think, 234 5678")
        let joined: String = runs.concat();
        found = to_e164(&joined);
    }
    if let Some(n) = found {
        return PhoneResult::Number(n);
    }
    let raw = tokenize(text);
    if mentions_caller(&raw, lang) {
        return PhoneResult::Caller;
    }
    PhoneResult::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(r: PhoneResult) -> String {
        match r {
            PhoneResult::Number(n) => n,
            PhoneResult::Caller => "caller".into(),
            PhoneResult::NotFound => "null".into(),
        }
    }

    fn run(lang: Lang, table: &[(&str, &str)]) {
        let bad: Vec<String> = table
            .iter()
            .filter_map(|(i, o)| {
                let got = show(parse(i, lang));
                (got != *o).then(|| format!("{i:?}: got {got}, want {o}"))
            })
            .collect();
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn typed_punctuation_and_country_code() {
        run(
            Lang::En,
            &[
                ("My number is 555-234-5678.", "+15552345678"),
                ("(555) 234-5678", "+15552345678"),
                ("+1 555 234 5678", "+15552345678"),
                ("1-555-234-5678", "+15552345678"),
                ("5552345678", "+15552345678"),
                ("15552345678", "+15552345678"),
                ("555.234.5678", "+15552345678"),
                ("It's 2125550199 ext 22.", "+12125550199"),
            ],
        );
        run(
            Lang::Es,
            &[
                ("Mi número es 555 234 5678.", "+15552345678"),
                ("Es el (305) 867-2390.", "+13058672390"),
            ],
        );
    }

    #[test]
    fn digit_words_oh_double_triple() {
        run(
            Lang::En,
            &[
                (
                    "five five five, two three four, five six seven eight",
                    "+15552345678",
                ),
                (
                    "five five five two three four five six seven oh",
                    "+15552345670",
                ),
                (
                    "double five five, two three four, five six seven eight",
                    "+15552345678",
                ),
                ("triple five, 234, 56 78", "+15552345678"),
                ("It's 555 two three four 5678", "+15552345678"),
                (
                    "four one five, eight six seven, twenty three ninety",
                    "+14158672390",
                ),
                (
                    "Eight hundred, five five five, oh one nine nine.",
                    "+18005550199",
                ),
            ],
        );
        run(
            Lang::Es,
            &[
                (
                    "cinco cinco cinco, dos tres cuatro, cincuenta y seis, setenta y ocho",
                    "+15552345678",
                ),
                (
                    "doble cinco cinco, dos treinta y cuatro, cincuenta y seis setenta y ocho",
                    "+15552345678",
                ),
                (
                    "Nueve uno siete, triple ocho, cuatro tres dos uno.",
                    "+19178884321",
                ),
                (
                    "cuatro uno cinco, ochocientos sesenta y siete, veintitrés noventa",
                    "+14158672390",
                ),
            ],
        );
    }

    #[test]
    fn fillers_and_corrections() {
        run(
            Lang::En,
            &[
                ("555, um, 234, uh, 5678", "+15552345678"),
                ("312 555 1212, sorry, 1213", "+13125551213"),
                ("312 555 1212, no wait, 312 555 3434", "+13125553434"),
                ("646 555 2234 and my wife's is 917 555 4321", "+16465552234"),
            ],
        );
        run(
            Lang::Es,
            &[("Pues, 646, eh, 555, este, 1234.", "+16465551234")],
        );
    }

    #[test]
    fn caller_references() {
        run(
            Lang::En,
            &[
                ("Use this number.", "caller"),
                ("The one I'm calling from.", "caller"),
                ("Just use the number I'm calling from.", "caller"),
                ("Not this number, it's 555 234 5678", "+15552345678"),
            ],
        );
        run(
            Lang::Es,
            &[
                ("Este mismo número.", "caller"),
                ("El número del que le estoy llamando.", "caller"),
                ("Al número del que estoy marcando.", "caller"),
            ],
        );
    }

    #[test]
    fn invalid_or_missing() {
        run(
            Lang::En,
            &[
                ("I'd rather not say.", "null"),
                ("555-1234", "null"),
                ("055-234-5678", "null"),
                ("555-123-4567", "null"),
                ("It's 212-555-01999.", "null"),
                ("My number is 911.", "null"),
            ],
        );
        run(
            Lang::Es,
            &[
                ("Prefiero no dárselo.", "null"),
                (
                    "cero cinco cinco dos tres cuatro cinco seis siete ocho",
                    "null",
                ),
            ],
        );
    }
}
