//! Confirmation answers (yes / no / unclear, with negated affirmations such
//! as "that's not right") and spoken or typed confirmation codes
//! ("A B 3 seven K", "double five", "B as in boy") → uppercase alnum.

use super::normalize::{Tok, filler_len, fold, tokenize, tokenize_numbers};
use super::{Lang, YesNo};

const YES: &[&[&str]] = &[
    &["yes"],
    &["yeah"],
    &["yea"],
    &["yep"],
    &["yup"],
    &["ya"],
    &["sure"],
    &["correct"],
    &["right"],
    &["exactly"],
    &["absolutely"],
    &["definitely"],
    &["ok"],
    &["okay"],
    &["perfect"],
    &["affirmative"],
    &["sounds", "good"],
    &["sounds", "great"],
    &["thats", "it"],
    &["of", "course"],
    &["please", "do"],
    &["go", "ahead"],
    &["uh", "huh"],
    &["mhm"],
    &["mm", "hmm"],
    &["mmhmm"],
    &["you", "got", "it"],
    &["all", "good"],
    &["fine"],
    &["great"],
    &["exactamente"],
    &["eso", "mero"],
    &["simon"],
    &["that", "works"],
    &["works", "for", "me"],
    &["si"],
    &["claro"],
    &["correcto"],
    &["exacto"],
    &["esta", "bien"],
    &["de", "acuerdo"],
    &["vale"],
    &["perfecto"],
    &["asi", "es"],
    &["eso", "es"],
    &["por", "supuesto"],
    &["desde", "luego"],
    &["afirmativo"],
    &["dale"],
    &["sale"],
    &["andale"],
    &["bueno"],
];

const NO: &[&[&str]] = &[
    &["no"],
    &["nope"],
    &["nah"],
    &["not", "really"],
    &["incorrect"],
    &["wrong"],
    &["negative"],
    &["never"],
    &["dont"],
    &["not", "at", "all"],
    &["cancel"],
    &["incorrecto"],
    &["equivocado"],
    &["para", "nada"],
    &["negativo"],
    &["tampoco"],
    &["nunca"],
    &["nel"],
];

/// "I don't know", "not sure", "no sé": neither yes nor no.
const UNSURE: &[&[&str]] = &[
    &["dont", "know"],
    &["do", "not", "know"],
    &["not", "sure"],
    &["no", "se"],
    &["no", "lo", "se"],
    &["no", "estoy", "seguro"],
    &["no", "estoy", "segura"],
    &["no", "recuerdo"],
    &["dont", "remember"],
];

fn seq(toks: &[Tok], i: usize, p: &[&str]) -> bool {
    p.iter()
        .enumerate()
        .all(|(k, s)| toks.get(i + k).is_some_and(|t| t.is(s)))
}

pub fn yes_no(text: &str, lang: Lang) -> YesNo {
    let toks = tokenize(text);
    let mut yes = 0i32;
    let mut no = 0i32;
    let mut last: Option<YesNo> = None;
    let mut i = 0;
    while i < toks.len() {
        if toks[i].punct {
            i += 1;
            continue;
        }
        if let Some(p) = UNSURE.iter().find(|p| seq(&toks, i, p)) {
            i += p.len();
            continue;
        }
        // "not correct", "not right", "no es correcto", "no está bien", "isn't right"
        let negator = toks[i].is_any(&["not", "isnt", "thats", "no"]);
        if negator {
            let mut j = i + 1;
            if toks[i].is("thats") {
                if !toks.get(j).is_some_and(|t| t.is("not")) {
                    j = usize::MAX;
                } else {
                    j += 1;
                }
            }
            if j != usize::MAX {
                let direct = YES.iter().any(|p| seq(&toks, j, p));
                if !direct
                    && toks
                        .get(j)
                        .is_some_and(|t| t.is_any(&["es", "esta", "quite", "exactly"]))
                {
                    j += 1;
                }
                if let Some(p) = YES.iter().find(|p| seq(&toks, j, p) && !p.contains(&"no"))
                    && (!toks[i].is("no") || !toks.get(i + 1).is_some_and(|t| t.punct))
                {
                    no += 1;
                    last = Some(YesNo::No);
                    i = j + p.len();
                    continue;
                }
            }
        }
        if let Some(p) = NO.iter().find(|p| seq(&toks, i, p)) {
            // "no problem" / "no worries" are yes
            if toks[i].is("no")
                && toks
                    .get(i + 1)
                    .is_some_and(|t| t.is_any(&["problem", "worries", "problema"]))
            {
                yes += 1;
                last = Some(YesNo::Yes);
                i += 2;
                continue;
            }
            no += 1;
            last = Some(YesNo::No);
            i += p.len();
            continue;
        }
        if let Some(p) = YES.iter().find(|p| seq(&toks, i, p)) {
            // Spanish "si" only counts at the start of a clause ("si puedo…" = "if I can…")
            let si_ok = !toks[i].is("si") || i == 0 || toks[i - 1].punct;
            let bueno_ok = !toks[i].is("bueno") || lang == Lang::Es && toks.len() <= 3;
            let sale_ok = !toks[i].is("sale") || lang == Lang::Es && toks.len() <= 3;
            let ya_ok = !toks[i].is("ya") || lang == Lang::En;
            let right_ok = !toks[i].is("right")
                || i == 0
                || toks[i - 1].is("thats")
                || toks[i - 1].is("all")
                || toks[i - 1].punct;
            if si_ok && bueno_ok && sale_ok && ya_ok && right_ok {
                yes += 1;
                last = Some(YesNo::Yes);
            }
            i += p.len();
            continue;
        }
        i += 1;
    }
    match (yes, no) {
        (0, 0) => YesNo::Unclear,
        (y, 0) if y > 0 => YesNo::Yes,
        (0, n) if n > 0 => YesNo::No,
        (y, n) if y > n => YesNo::Yes,
        (y, n) if n > y => YesNo::No,
        _ => last.unwrap_or(YesNo::Unclear),
    }
}

fn spoken_letter(w: &str, lang: Lang) -> Option<char> {
    // names of letters and a small NATO alphabet
    let en = match w {
        "bee" | "be" => Some('B'),
        "see" | "cee" => Some('C'),
        "dee" => Some('D'),
        "gee" => Some('G'),
        "jay" => Some('J'),
        "kay" => Some('K'),
        "el" | "ell" => Some('L'),
        "em" => Some('M'),
        "en" => Some('N'),
        "pee" => Some('P'),
        "cue" | "queue" => Some('Q'),
        "ar" | "are" => Some('R'),
        "ess" => Some('S'),
        "tee" => Some('T'),
        "you" => Some('U'),
        "vee" => Some('V'),
        "ex" => Some('X'),
        "why" => Some('Y'),
        "zee" | "zed" => Some('Z'),
        "alpha" | "alfa" => Some('A'),
        "bravo" => Some('B'),
        "charlie" => Some('C'),
        "delta" => Some('D'),
        "echo" => Some('E'),
        "foxtrot" => Some('F'),
        "golf" => Some('G'),
        "hotel" => Some('H'),
        "india" => Some('I'),
        "juliet" | "juliett" => Some('J'),
        "kilo" => Some('K'),
        "lima" => Some('L'),
        "mike" => Some('M'),
        "november" => Some('N'),
        "oscar" => Some('O'),
        "papa" => Some('P'),
        "quebec" => Some('Q'),
        "romeo" => Some('R'),
        "sierra" => Some('S'),
        "tango" => Some('T'),
        "uniform" => Some('U'),
        "victor" => Some('V'),
        "whiskey" => Some('W'),
        "xray" => Some('X'),
        "yankee" => Some('Y'),
        "zulu" => Some('Z'),
        _ => None,
    };
    let es = match w {
        "be" => Some('B'),
        "ce" => Some('C'),
        "de" => Some('D'),
        "efe" => Some('F'),
        "ge" => Some('G'),
        "hache" => Some('H'),
        "jota" => Some('J'),
        "ka" => Some('K'),
        "ele" => Some('L'),
        "eme" => Some('M'),
        "ene" => Some('N'),
        "pe" => Some('P'),
        "cu" => Some('Q'),
        "erre" | "ere" => Some('R'),
        "ese" => Some('S'),
        "te" => Some('T'),
        "uve" | "ve" => Some('V'),
        "equis" => Some('X'),
        "ye" => Some('Y'),
        "zeta" => Some('Z'),
        _ => None,
    };
    match lang {
        Lang::En => en,
        Lang::Es => es,
    }
}

pub fn parse_digits(text: &str, lang: Lang) -> String {
    let toks = tokenize_numbers(text, lang);
    let mut out = String::new();
    let mut mult = 0usize;
    let mut i = 0;
    while i < toks.len() && out.len() < 64 {
        let f = filler_len(&toks, i, lang);
        if f > 0 && !toks[i].is("oh") {
            i += f;
            continue;
        }
        let t = &toks[i];
        if t.punct {
            i += 1;
            continue;
        }
        let mut piece: Option<String> = None;
        if let Some(n) = &t.num {
            piece = Some(n.digits.clone());
        } else if t.norm.chars().count() == 1 && t.norm.chars().all(|c| c.is_ascii_alphanumeric()) {
            piece = Some(t.norm.to_ascii_uppercase());
        } else if lang == Lang::En && (t.is("oh") || t.is("o")) {
            piece = Some("0".into());
        } else if t.is_any(&["double", "doble"]) {
            mult = 2;
        } else if t.is_any(&["triple"]) {
            mult = 3;
        } else if let Some(c) = spoken_letter(&t.norm, lang) {
            piece = Some(c.to_string());
        } else {
            let alnum: String = fold(&t.orig)
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            // a typed code like "AB37K" (has a digit, or is all capitals in the original)
            let has_digit = alnum.chars().any(|c| c.is_ascii_digit());
            let all_caps = t
                .orig
                .chars()
                .all(|c| c.is_uppercase() || c.is_ascii_digit())
                && alnum.len() >= 2;
            if has_digit || all_caps {
                piece = Some(alnum.to_ascii_uppercase());
            }
        }
        if let Some(p) = piece {
            let times = mult.max(1);
            mult = 0;
            for _ in 0..times {
                out.push_str(&p);
            }
            // "B as in boy", "B de burro": skip the example word
            if seq(&toks, i + 1, &["as", "in"]) || seq(&toks, i + 1, &["like"]) && lang == Lang::En
            {
                i += if toks.get(i + 1).is_some_and(|t| t.is("like")) {
                    3
                } else {
                    4
                };
                continue;
            }
            if lang == Lang::Es && seq(&toks, i + 1, &["de"]) && t.norm.chars().count() == 1 {
                i += 3;
                continue;
            }
            if lang == Lang::Es && seq(&toks, i + 1, &["como", "en"]) {
                i += 4;
                continue;
            }
        }
        i += 1;
    }
    out.truncate(64);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_no_table() {
        let table = [
            (Lang::En, "Yes.", YesNo::Yes),
            (Lang::En, "Yeah, that's right.", YesNo::Yes),
            (Lang::En, "Yep", YesNo::Yes),
            (Lang::En, "Sure.", YesNo::Yes),
            (Lang::En, "Correct.", YesNo::Yes),
            (Lang::En, "Sounds good.", YesNo::Yes),
            (Lang::En, "No.", YesNo::No),
            (Lang::En, "Nope.", YesNo::No),
            (Lang::En, "Not really.", YesNo::No),
            (Lang::En, "Incorrect.", YesNo::No),
            (Lang::En, "No, that's wrong.", YesNo::No),
            (Lang::En, "That's not right.", YesNo::No),
            (Lang::En, "What?", YesNo::Unclear),
            (Lang::Es, "Sí.", YesNo::Yes),
            (Lang::Es, "si", YesNo::Yes),
            (Lang::Es, "Claro que sí.", YesNo::Yes),
            (Lang::Es, "Correcto.", YesNo::Yes),
            (Lang::Es, "Exacto.", YesNo::Yes),
            (Lang::Es, "Está bien.", YesNo::Yes),
            (Lang::Es, "De acuerdo.", YesNo::Yes),
            (Lang::Es, "No.", YesNo::No),
            (Lang::Es, "No, no es correcto.", YesNo::No),
            (Lang::Es, "No está bien.", YesNo::No),
            (Lang::Es, "¿Cómo?", YesNo::Unclear),
            (Lang::En, "I don't know.", YesNo::Unclear),
            (Lang::En, "I'm not sure.", YesNo::Unclear),
            (Lang::Es, "No sé.", YesNo::Unclear),
            (Lang::Es, "Claro que no.", YesNo::No),
            (Lang::En, "Yes, no problem.", YesNo::Yes),
            (Lang::En, "Mm-hmm.", YesNo::Yes),
            (Lang::En, "That's fine.", YesNo::Yes),
            (Lang::Es, "Sí puedo, sí.", YesNo::Yes),
        ];
        for (lang, text, want) in table {
            assert_eq!(yes_no(text, lang), want, "{text}");
        }
    }

    #[test]
    fn digits_table() {
        let table = [
            (Lang::En, "A B 3 seven K", "AB37K"),
            (Lang::En, "It's AB37K.", "AB37K"),
            (Lang::En, "four oh two one", "4021"),
            (Lang::En, "double five six", "556"),
            (Lang::En, "B as in boy, 4, 2", "B42"),
            (Lang::En, "one two three", "123"),
            (Lang::Es, "uno dos tres", "123"),
            (Lang::Es, "A B tres siete K", "AB37K"),
            (Lang::Es, "doble cinco", "55"),
            (Lang::En, "", ""),
        ];
        for (lang, text, want) in table {
            assert_eq!(parse_digits(text, lang), want, "{text}");
        }
    }
}
